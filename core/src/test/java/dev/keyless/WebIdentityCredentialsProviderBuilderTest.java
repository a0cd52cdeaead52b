package dev.keyless;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyless.testing.FakeTime;
import dev.keyless.testing.StsStub;
import dev.keyless.testing.TestTokens;
import dev.keyless.token.WebIdentityToken;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;

/** Builder misuse fails at build() with a message naming the value; nothing is fetched at build(). */
class WebIdentityCredentialsProviderBuilderTest {

    private static WebIdentityCredentialsProvider.Builder valid() {
        return WebIdentityCredentialsProvider.builder()
                .roleArn(StsStub.ROLE_ARN)
                .tokenSource(() -> {
                    throw new AssertionError("build() must not fetch a token");
                })
                .region(Region.EU_WEST_1);
    }

    @Test
    void build_validSettings_fetchesNothing() {
        // Counted, not just "no exception": a fetch on a background thread would not throw here.
        AtomicInteger tokenFetches = new AtomicInteger();
        FakeTime time = new FakeTime(Instant.parse("2026-11-25T10:00:00Z"));
        try (StsStub sts = new StsStub()) {
            sts.succeed(time.now().plus(Duration.ofHours(3)));
            WebIdentityCredentialsProvider provider = valid()
                    .tokenSource(() -> {
                        tokenFetches.incrementAndGet();
                        return WebIdentityToken.of(TestTokens.gke(time.now(), Duration.ofHours(1)), "counting");
                    })
                    .stsEndpoint(sts.endpoint())
                    .clock(time.clock())
                    .scheduler(time.scheduler())
                    .build();
            assertThat(time.pendingTasks()).as("background work scheduled by build()").isZero();
            time.advance(Duration.ofHours(2));

            assertThat(tokenFetches).as("tokens fetched").hasValue(0);
            assertThat(sts.calls()).as("STS calls").isZero();

            // The same provider does fetch on first use, so the counters above can see a fetch.
            provider.resolveCredentials();
            assertThat(tokenFetches).hasValue(1);
            assertThat(sts.calls()).isEqualTo(1);
            provider.close();
        }
    }

    @Test
    void build_missingRoleArn_explainsWhereToSetIt() {
        String previous = System.getProperty("aws.roleArn");
        System.clearProperty("aws.roleArn");
        try {
            assertThatThrownBy(() -> valid().roleArn(null).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("roleArn is required")
                    .hasMessageContaining("AWS_ROLE_ARN");
        } finally {
            if (previous != null) {
                System.setProperty("aws.roleArn", previous);
            }
        }
    }

    @Test
    void build_roleArnFromSystemProperty_isUsed() {
        System.setProperty("aws.roleArn", StsStub.ROLE_ARN);
        try (WebIdentityCredentialsProvider provider = valid().roleArn(null).build()) {
            assertThat(provider.toString()).contains(StsStub.ROLE_ARN);
        } finally {
            System.clearProperty("aws.roleArn");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"checkout-s3-writer", "arn:aws:iam::123456789012:user/alice",
        "arn:aws:s3:::bucket", "arn:aws:iam:::role/no-account"})
    void build_malformedRoleArn_namesTheValue(String roleArn) {
        assertThatThrownBy(() -> valid().roleArn(roleArn).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + roleArn + "'")
                .hasMessageContaining("arn:aws:iam::123456789012:role/NAME");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "has space", "slash/not/allowed",
        "x2345678901234567890123456789012345678901234567890123456789012345"})
    void build_invalidRoleSessionName_namesTheValue(String name) {
        assertThatThrownBy(() -> valid().roleSessionName(name).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + name + "'");
    }

    @ParameterizedTest
    @ValueSource(longs = {899, 43_201})
    void build_sessionDurationOutOfRange_namesTheValue(long seconds) {
        assertThatThrownBy(() -> valid().sessionDuration(Duration.ofSeconds(seconds)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(Duration.ofSeconds(seconds).toString())
                .hasMessageContaining("900")
                .hasMessageContaining("43200");
    }

    @Test
    void build_staleTimeAbovePrefetchTime_printsBoth() {
        assertThatThrownBy(() -> valid().prefetchTime(Duration.ofMinutes(1)).staleTime(Duration.ofMinutes(2)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("staleTime (PT2M) must be less than or equal to prefetchTime (PT1M).");
    }

    @Test
    void build_tooManyPolicyArns_fails() {
        assertThatThrownBy(() -> valid().policyArns(Collections.nCopies(11, "arn:aws:iam::aws:policy/ReadOnlyAccess"))
                .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("11");
    }

    @Test
    void build_stsClientWithRegionOrEndpoint_fails() {
        try (StsClient client = StsClient.builder().region(Region.EU_WEST_1).build()) {
            assertThatThrownBy(() -> valid().stsClient(client).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("stsClient");
            assertThatThrownBy(() -> valid().region(null).stsEndpoint(URI.create("http://127.0.0.1:1"))
                    .stsClient(client).build())
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void tokenSource_lambda_isAccepted() {
        assertThatCode(() -> valid().tokenSource(() -> WebIdentityToken.of("a.b.c")).build().close())
                .doesNotThrowAnyException();
    }
}
