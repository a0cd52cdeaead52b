package dev.keyless;

import static dev.keyless.testing.StsStub.ROLE_ARN;
import static dev.keyless.testing.StsStub.error;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyless.testing.FakeTime;
import dev.keyless.testing.StsStub;
import dev.keyless.testing.TestTokens;
import dev.keyless.token.TokenSources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/** The refresh contract, driven by a fake clock and scheduler against a WireMock STS. */
class WebIdentityCredentialsProviderTest {

    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    private static final Duration HOUR = Duration.ofHours(1);

    @TempDir
    Path dir;

    private final FakeTime time = new FakeTime(T0);
    private StsStub sts;
    private Path tokenFile;
    private String token;

    @BeforeEach
    void setUp() throws IOException {
        sts = new StsStub();
        tokenFile = dir.resolve("token");
        token = writeToken(T0);
    }

    @AfterEach
    void tearDown() {
        sts.close();
    }

    private String writeToken(Instant iat) throws IOException {
        String jwt = TestTokens.gke(iat, Duration.ofHours(2));
        Files.writeString(tokenFile, jwt + "\n");
        return jwt;
    }

    private WebIdentityCredentialsProvider.Builder builder() {
        return WebIdentityCredentialsProvider.builder()
                .roleArn(ROLE_ARN)
                .tokenSource(TokenSources.file(tokenFile))
                .stsClient(sts.client())
                .clock(time.clock())
                .scheduler(time.scheduler());
    }

    @Test
    void resolveCredentials_firstCall_assumesRoleWithTheTokenAndReturnsSessionCredentials() {
        sts.succeed(T0.plus(HOUR));
        try (WebIdentityCredentialsProvider provider = builder().build()) {
            AwsCredentials credentials = provider.resolveCredentials();

            assertThat(credentials).isInstanceOf(AwsSessionCredentials.class);
            AwsSessionCredentials session = (AwsSessionCredentials) credentials;
            assertThat(session.accessKeyId()).startsWith("ASIAKEYLESSTEST");
            assertThat(session.sessionToken()).startsWith(StsStub.SESSION_TOKEN_PREFIX);
            assertThat(session.expirationTime()).contains(T0.plus(HOUR));
            assertThat(session.accountId()).contains(StsStub.ACCOUNT_ID);
            assertThat(session.providerName()).contains(WebIdentityCredentialsProvider.PROVIDER_NAME);

            Map<String, String> request = sts.requests().get(0);
            assertThat(request).containsEntry("Action", "AssumeRoleWithWebIdentity")
                    .containsEntry("RoleArn", ROLE_ARN)
                    .containsEntry("WebIdentityToken", token)
                    .containsEntry("RoleSessionName", TestTokens.POD)
                    .doesNotContainKey("DurationSeconds");
            assertThat(sts.loggedRequests().get(0).containsHeader("Authorization")).isFalse();
        }
    }

    @Test
    void resolveCredentials_validCachedCredentials_noFurtherStsCall() {
        sts.succeed(T0.plus(HOUR));
        try (WebIdentityCredentialsProvider provider = builder().build()) {
            AwsCredentials first = provider.resolveCredentials();
            time.advance(Duration.ofMinutes(30));
            assertThat(provider.resolveCredentials()).isSameAs(first);
            assertThat(sts.calls()).isEqualTo(1);
        }
    }

    @Test
    void resolveCredentials_pastPrefetchPoint_servesCachedAndRefreshesOnceInBackground() throws IOException {
        sts.succeed(T0.plus(HOUR));
        try (WebIdentityCredentialsProvider provider = builder().build()) {
            AwsCredentials first = provider.resolveCredentials();
            String rotated = writeToken(T0.plus(Duration.ofMinutes(48)));
            sts.succeed(T0.plus(HOUR).plus(HOUR));

            // Step to the prefetch point without letting the scheduled check run.
            time.set(T0.plus(HOUR).minus(Duration.ofMinutes(5)));
            for (int i = 0; i < 100; i++) {
                assertThat(provider.resolveCredentials()).isSameAs(first);
            }
            assertThat(sts.calls()).isEqualTo(1);

            time.runDue();
            assertThat(sts.calls()).isEqualTo(2);
            AwsCredentials second = provider.resolveCredentials();
            assertThat(second).isNotSameAs(first);
            assertThat(((AwsSessionCredentials) second).expirationTime()).contains(T0.plus(HOUR).plus(HOUR));
            // A fresh token for every STS call (aws-sdk-java-v2 #5709 cannot happen here).
            assertThat(sts.requests().get(1)).containsEntry("WebIdentityToken", rotated);
        }
    }

    @Test
    void backgroundRefresh_noCallers_refreshesBetweenPrefetchAndStalePoints() {
        sts.succeed(T0.plus(HOUR));
        try (WebIdentityCredentialsProvider provider = builder().build()) {
            provider.resolveCredentials();
            sts.succeed(T0.plus(HOUR).plus(HOUR));

            time.advance(Duration.ofMinutes(52));
            assertThat(sts.calls()).isEqualTo(1);
            time.advance(Duration.ofMinutes(3)); // 55 minutes: the latest a jittered refresh may start
            assertThat(sts.calls()).isEqualTo(2);

            time.advance(Duration.ofMinutes(10));
            AwsSessionCredentials now = (AwsSessionCredentials) provider.resolveCredentials();
            assertThat(now.expirationTime()).contains(T0.plus(HOUR).plus(HOUR));
            assertThat(sts.calls()).isEqualTo(2);
        }
    }

    @Test
    void resolveCredentials_stsThrottledWhileCredentialsValid_servesCachedCredentialsAndRetriesWithBackoff() {
        sts.succeed(T0.plus(HOUR));
        try (WebIdentityCredentialsProvider provider = builder().build()) {
            AwsCredentials first = provider.resolveCredentials();
            sts.sequence(error(400, "Throttling", "Rate exceeded"), error(503, "ServiceUnavailable", "busy"),
                    sts.success(T0.plus(HOUR).plus(HOUR)));

            time.set(T0.plus(Duration.ofMinutes(55))); // past the (jittered) prefetch point
            time.runDue();
            assertThat(sts.calls()).isEqualTo(2);
            assertThat(provider.resolveCredentials()).isSameAs(first);

            // Transient backoff is capped at a minute; two failures need at most a few.
            time.advance(Duration.ofMinutes(3));
            assertThat(sts.calls()).isEqualTo(4);
            assertThat(provider.resolveCredentials()).isNotSameAs(first);
        }
    }

    @Test
    void resolveCredentials_accessDenied_failsWithDiagnosisAndDoesNotCallStsAgainUntilBackoffPasses() {
        sts.fail(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
        try (WebIdentityCredentialsProvider provider = builder().build()) {
            assertThatThrownBy(provider::resolveCredentials)
                    .isInstanceOf(WebIdentityCredentialsException.class)
                    .isInstanceOf(SdkClientException.class)
                    .hasMessageContaining(ROLE_ARN)
                    .hasMessageContaining("AccessDenied")
                    .hasMessageContaining("iss=" + TestTokens.GKE_ISSUER)
                    .hasMessageContaining("sub=system:serviceaccount:checkout:checkout-api")
                    .hasMessageContaining("aud=sts.amazonaws.com")
                    .hasMessageContaining("exp=")
                    .hasMessageContaining("trust policy")
                    .hasMessageContaining("container.googleapis.com/v1/projects/checkout-prod/locations/"
                            + "europe-west1/clusters/prod-1:sub")
                    .hasMessageNotContaining(token)
                    .satisfies(e -> assertThat(((WebIdentityCredentialsException) e).stsErrorCode())
                            .isEqualTo("AccessDenied"));

            for (int i = 0; i < 50; i++) {
                assertThatThrownBy(provider::resolveCredentials).isInstanceOf(WebIdentityCredentialsException.class);
            }
            assertThat(sts.calls()).isEqualTo(1);

            // Configuration failures are retried minutes apart, never in a loop: a fixed policy is picked up.
            sts.succeed(T0.plus(HOUR));
            time.advance(Duration.ofSeconds(11));
            assertThat(provider.resolveCredentials()).isInstanceOf(AwsSessionCredentials.class);
            assertThat(sts.calls()).isEqualTo(2);
        }
    }

    @Test
    void resolveCredentials_refreshKeepsFailing_neverReturnsStaleOrExpiredCredentials() {
        sts.succeed(T0.plus(HOUR));
        try (WebIdentityCredentialsProvider provider = builder().build()) {
            AwsCredentials first = provider.resolveCredentials();
            sts.fail(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");

            time.advance(Duration.ofMinutes(58));
            assertThat(provider.resolveCredentials()).isSameAs(first);
            time.advance(Duration.ofMinutes(1)); // the stale point: one minute before expiry
            assertThatThrownBy(provider::resolveCredentials).isInstanceOf(WebIdentityCredentialsException.class);
            time.advance(Duration.ofMinutes(5));
            assertThatThrownBy(provider::resolveCredentials).isInstanceOf(WebIdentityCredentialsException.class);
        }
    }

    @Test
    void resolveCredentials_invalidIdentityTokenTwiceThenSuccess_recovers() {
        sts.sequence(error(400, "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider"),
                error(400, "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider"),
                sts.success(T0.plus(HOUR)));
        try (WebIdentityCredentialsProvider provider = builder().build()) {
            assertThatThrownBy(provider::resolveCredentials).hasMessageContaining("InvalidIdentityToken")
                    .hasMessageContaining("OIDC provider");
            // Retried in the background with a fresh token, quickly, since this error is often transient.
            time.advance(Duration.ofSeconds(5));
            assertThat(sts.calls()).isEqualTo(3);
            assertThat(provider.resolveCredentials()).isInstanceOf(AwsSessionCredentials.class);
            assertThat(sts.calls()).isEqualTo(3);
        }
    }

    @Test
    void resolveCredentials_tokenFileExpired_failsLocallyWithoutCallingSts() throws IOException {
        Files.writeString(tokenFile, TestTokens.gke(T0.minus(Duration.ofHours(3)), HOUR));
        sts.succeed(T0.plus(HOUR));
        try (WebIdentityCredentialsProvider provider = builder().build()) {
            assertThatThrownBy(provider::resolveCredentials)
                    .hasMessageContaining("expired")
                    .hasMessageContaining("subPath");
            assertThat(sts.calls()).isZero();
        }
    }

    @Test
    void resolveCredentials_credentialsAlreadyStaleByLocalClock_failsWithoutHotLoop() {
        sts.succeed(T0.plus(Duration.ofSeconds(30))); // as if the local clock ran an hour ahead
        AtomicInteger failures = new AtomicInteger();
        try (WebIdentityCredentialsProvider provider = builder().build()) {
            for (int second = 0; second < 600; second++) {
                try {
                    provider.resolveCredentials();
                } catch (WebIdentityCredentialsException e) {
                    assertThat(e).hasMessageContaining("clock");
                    failures.incrementAndGet();
                }
                time.advance(Duration.ofSeconds(1));
            }
            assertThat(failures).hasValue(600);
            // Ten minutes of callers every second: backoff keeps STS calls to a handful.
            assertThat(sts.calls()).isLessThanOrEqualTo(10);
        }
    }

    @Test
    void resolveCredentials_missingTokenFile_failsNamingThePathWithoutCallingSts() throws IOException {
        Files.delete(tokenFile);
        try (WebIdentityCredentialsProvider provider = builder().build()) {
            assertThatThrownBy(provider::resolveCredentials)
                    .isInstanceOf(WebIdentityCredentialsException.class)
                    .hasMessageContaining(tokenFile.toString())
                    .hasMessageContaining("projected");
            assertThat(sts.calls()).isZero();
        }
    }

    @Test
    void resolveIdentity_cachedCredentials_returnsCompletedFuture() {
        sts.succeed(T0.plus(HOUR));
        try (WebIdentityCredentialsProvider provider = builder().build()) {
            AwsCredentials credentials = provider.resolveCredentials();
            CompletableFuture<? extends AwsCredentialsIdentity> future = provider.resolveIdentity();
            assertThat(future).isCompleted();
            assertThat((Object) future.join()).isSameAs(credentials);
        }
    }

    @Test
    void resolveIdentity_noCredentials_doesNotBlockAndCompletesFromBackgroundRefresh() {
        sts.succeed(T0.plus(HOUR));
        try (WebIdentityCredentialsProvider provider = builder().build()) {
            CompletableFuture<? extends AwsCredentialsIdentity> future = provider.resolveIdentity();
            assertThat(future).isNotDone();
            time.runDue();
            assertThat(future).isCompleted();
            assertThat(future.join()).isInstanceOf(AwsSessionCredentials.class);
        }
    }

    @Test
    void roleSessionName_given_isSentUnchanged() {
        sts.succeed(T0.plus(HOUR));
        try (WebIdentityCredentialsProvider provider = builder().roleSessionName("checkout@prod.1")
                .sessionDuration(Duration.ofMinutes(30)).build()) {
            provider.resolveCredentials();
            assertThat(sts.requests().get(0)).containsEntry("RoleSessionName", "checkout@prod.1")
                    .containsEntry("DurationSeconds", "1800");
        }
    }

    @Test
    void close_isIdempotentCancelsScheduledRefreshAndFailsLaterCalls() {
        sts.succeed(T0.plus(HOUR));
        WebIdentityCredentialsProvider provider = builder().build();
        provider.resolveCredentials();
        assertThat(time.pendingTasks()).isEqualTo(1);

        provider.close();
        provider.close();

        assertThat(time.pendingTasks()).isZero();
        time.advance(Duration.ofHours(2));
        assertThat(sts.calls()).isEqualTo(1);
        assertThatThrownBy(provider::resolveCredentials).isInstanceOf(WebIdentityCredentialsException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void providerChain_failingProvider_chainMovesOn() throws IOException {
        Files.delete(tokenFile);
        // The SDK's chain calls resolveIdentity(), which refreshes on the (here: real, shared) background pool.
        try (WebIdentityCredentialsProvider provider = builder().scheduler(null).build()) {
            AwsCredentialsProviderChain chain = AwsCredentialsProviderChain.of(provider,
                    StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDFALLBACK", "fallback")));
            assertThat(chain.resolveCredentials().accessKeyId()).isEqualTo("AKIDFALLBACK");
        }
    }

    @Test
    void toString_showsRoleAndSourceOnly() {
        sts.succeed(T0.plus(HOUR));
        try (WebIdentityCredentialsProvider provider = builder().build()) {
            provider.resolveCredentials();
            assertThat(provider.toString()).contains(ROLE_ARN).contains(tokenFile.toString())
                    .doesNotContain(token).doesNotContain(StsStub.SECRET_PREFIX)
                    .doesNotContain(StsStub.SESSION_TOKEN_PREFIX);
        }
    }

    @Test
    void toBuilder_copiesSettings() {
        sts.succeed(T0.plus(HOUR));
        try (WebIdentityCredentialsProvider provider = builder().roleSessionName("first").build();
             WebIdentityCredentialsProvider copy = provider.toBuilder().roleSessionName("second").build()) {
            copy.resolveCredentials();
            assertThat(sts.requests().get(0)).containsEntry("RoleArn", ROLE_ARN)
                    .containsEntry("RoleSessionName", "second");
        }
    }
}
