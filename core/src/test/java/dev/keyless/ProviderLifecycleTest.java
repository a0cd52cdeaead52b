package dev.keyless;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyless.testing.StsStub;
import dev.keyless.testing.TestTokens;
import dev.keyless.token.WebIdentityToken;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityRequest;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityResponse;
import software.amazon.awssdk.services.sts.model.AssumedRoleUser;
import software.amazon.awssdk.services.sts.model.Credentials;

/** No thread per provider: creating, using and closing many providers leaves the thread count flat. */
class ProviderLifecycleTest {

    @Test
    void createResolveClose_manyProviders_liveThreadCountStaysFlat() throws Exception {
        try (StsStub sts = new StsStub()) {
            sts.succeed(Instant.now().plus(Duration.ofHours(1)));
            String token = TestTokens.gke(Instant.now(), Duration.ofHours(1));
            cycle(sts, token, 20); // warm up the shared pools and the JDK's HTTP keep-alive thread
            int before = Thread.activeCount();

            cycle(sts, token, 200);
            for (int i = 0; i < 2000; i++) {
                WebIdentityCredentialsProvider.builder().roleArn(StsStub.ROLE_ARN)
                        .tokenSource(() -> WebIdentityToken.of(token)).region(Region.US_EAST_1)
                        .stsEndpoint(sts.endpoint()).build().close();
            }

            assertThat(Thread.activeCount()).isLessThanOrEqualTo(before + 2);
        }
    }

    @Test
    void tenThousandCreateResolveCloseCycles_liveThreadCountStaysFlat() {
        String token = TestTokens.gke(Instant.now(), Duration.ofHours(2));
        StsClient sts = new StsClient() {
            @Override
            public AssumeRoleWithWebIdentityResponse assumeRoleWithWebIdentity(AssumeRoleWithWebIdentityRequest request) {
                return AssumeRoleWithWebIdentityResponse.builder()
                        .credentials(Credentials.builder().accessKeyId("ASIACYCLE").secretAccessKey("secret")
                                .sessionToken("session").expiration(Instant.now().plus(Duration.ofHours(1))).build())
                        .assumedRoleUser(AssumedRoleUser.builder().assumedRoleId("AROACYCLE:s")
                                .arn("arn:aws:sts::123456789012:assumed-role/cycle/s").build())
                        .build();
            }

            @Override
            public String serviceName() {
                return "sts";
            }

            @Override
            public void close() {
            }
        };
        Runnable cycle = () -> {
            try (WebIdentityCredentialsProvider provider = WebIdentityCredentialsProvider.builder()
                    .roleArn(StsStub.ROLE_ARN).tokenSource(() -> WebIdentityToken.of(token)).stsClient(sts).build()) {
                provider.resolveCredentials();
            }
        };
        for (int i = 0; i < 100; i++) {
            cycle.run();
        }
        int before = Thread.activeCount();

        for (int i = 0; i < 10_000; i++) {
            cycle.run();
        }

        assertThat(Thread.activeCount()).isLessThanOrEqualTo(before + 2);
    }

    private static void cycle(StsStub sts, String token, int providers) {
        for (int i = 0; i < providers; i++) {
            try (WebIdentityCredentialsProvider provider = WebIdentityCredentialsProvider.builder()
                    .roleArn(StsStub.ROLE_ARN)
                    .tokenSource(() -> WebIdentityToken.of(token))
                    .region(Region.US_EAST_1)
                    .stsEndpoint(sts.endpoint())
                    .build()) {
                provider.resolveCredentials();
                provider.resolveIdentity().join();
            }
        }
    }
}
