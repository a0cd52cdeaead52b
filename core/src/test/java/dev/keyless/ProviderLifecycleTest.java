package dev.keyless;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyless.testing.StsStub;
import dev.keyless.testing.TestTokens;
import dev.keyless.token.WebIdentityToken;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

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
