package dev.keyless;

import static dev.keyless.testing.StsStub.ROLE_ARN;
import static dev.keyless.testing.StsStub.error;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyless.testing.FakeTime;
import dev.keyless.testing.InJvmSts;
import dev.keyless.testing.StsStub;
import dev.keyless.testing.TestTokens;
import dev.keyless.token.TokenSources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.regions.Region;

/** STS faults injected with WireMock, through the STS client the provider builds itself. */
class WebIdentityCredentialsProviderStsFaultTest {

    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");

    @TempDir
    Path dir;

    private final FakeTime time = new FakeTime(T0);
    private StsStub sts;
    private Path tokenFile;

    @BeforeEach
    void setUp() throws IOException {
        sts = new StsStub();
        tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, TestTokens.gke(T0, Duration.ofHours(2)));
    }

    @AfterEach
    void tearDown() {
        sts.close();
    }

    private WebIdentityCredentialsProvider.Builder builder() {
        return WebIdentityCredentialsProvider.builder()
                .roleArn(ROLE_ARN)
                .tokenSource(TokenSources.file(tokenFile))
                .region(Region.EU_WEST_1)
                .stsEndpoint(sts.endpoint())
                .clock(time.clock());
    }

    @Test
    void defaultStsClient_throttlingThenSuccess_retriesAndReturnsCredentials() {
        sts.sequence(error(400, "Throttling", "Rate exceeded"), sts.success(T0.plusSeconds(3600)));
        try (WebIdentityCredentialsProvider provider = builder().build()) {
            assertThat(provider.resolveCredentials()).isInstanceOf(AwsSessionCredentials.class);
            assertThat(sts.calls()).isEqualTo(2);
        }
    }

    @Test
    void defaultStsClient_idpCommunicationErrorThenSuccess_retriesAndReturnsCredentials() {
        sts.sequence(error(400, "IDPCommunicationError", "Couldn't reach the issuer"), sts.success(T0.plusSeconds(3600)));
        try (WebIdentityCredentialsProvider provider = builder().build()) {
            assertThat(provider.resolveCredentials()).isInstanceOf(AwsSessionCredentials.class);
            assertThat(sts.calls()).isEqualTo(2);
        }
    }

    @Test
    void defaultStsClient_accessDenied_failsAfterOneCallWithTheDiagnosis() {
        sts.fail(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
        try (WebIdentityCredentialsProvider provider = builder().build()) {
            assertThatThrownBy(provider::resolveCredentials)
                    .isInstanceOf(WebIdentityCredentialsException.class)
                    .hasMessageContaining("STS answered 403 AccessDenied")
                    .hasMessageContaining("Not authorized to perform sts:AssumeRoleWithWebIdentity")
                    .hasMessageContaining("trust policy");
            assertThat(sts.calls()).isEqualTo(1);
        }
    }

    @Test
    void concurrentCallers_noCredentialsYetWithSlowSts_shareOneStsCall() throws Exception {
        sts.server().stubFor(com.github.tomakehurst.wiremock.client.WireMock.post("/")
                .willReturn(sts.success(T0.plusSeconds(3600)).withFixedDelay(500)));
        int threads = 64;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (WebIdentityCredentialsProvider provider = builder().build()) {
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Future<AwsCredentials>> callers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                callers.add(pool.submit(() -> {
                    start.await();
                    AwsCredentials last = null;
                    for (int i = 0; i < 50; i++) {
                        last = provider.resolveCredentials();
                    }
                    return last;
                }));
            }
            Set<AwsCredentials> results = ConcurrentHashMap.newKeySet();
            for (Future<AwsCredentials> caller : callers) {
                results.add(caller.get(30, TimeUnit.SECONDS));
            }
            assertThat(results).hasSize(1);
            assertThat(sts.calls()).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void concurrentCallers_acrossPrefetchPointWithStsHeld_oneStsCallAndNoCallerWaits() throws Exception {
        // The refresh's STS call is held until the test releases it, after every caller has finished: a caller
        // that waited for the refresh could never finish. Decided by latches, not by how long calls took.
        CountDownLatch refreshInStsCall = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        InJvmSts heldSts = InJvmSts.answering((n, request) -> {
            if (n > 1) {
                refreshInStsCall.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return InJvmSts.issued(n, T0.plus(Duration.ofHours(n)));
        });
        int threads = 64;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (WebIdentityCredentialsProvider provider = WebIdentityCredentialsProvider.builder()
                .roleArn(ROLE_ARN)
                .tokenSource(TokenSources.file(tokenFile))
                .stsClient(heldSts)
                .clock(time.clock())
                .build()) {
            AwsCredentials first = provider.resolveCredentials();
            time.set(T0.plus(Duration.ofMinutes(56))); // past the prefetch point, before the stale point

            CyclicBarrier start = new CyclicBarrier(threads);
            Set<AwsCredentials> seen = ConcurrentHashMap.newKeySet();
            List<Future<?>> callers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                callers.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < 200; i++) {
                        seen.add(provider.resolveCredentials());
                    }
                    return null;
                }));
            }
            for (Future<?> caller : callers) {
                caller.get(30, TimeUnit.SECONDS); // a deadlock guard: a caller waiting for the held call never returns
            }

            assertThat(refreshInStsCall.await(30, TimeUnit.SECONDS)).as("the background refresh reached STS").isTrue();
            assertThat(release.getCount()).as("the refresh's STS call is still held").isEqualTo(1);
            // Nobody waited for the held STS call: every caller got the cached credentials at once.
            assertThat(seen).containsExactly(first);
            assertThat(heldSts.calls()).isEqualTo(2);

            release.countDown();
            // Past the first credentials' stale point a caller joins the refresh if it is still finishing, so
            // this is the refreshed credentials however the threads are scheduled.
            time.set(T0.plus(Duration.ofMinutes(59)).plusSeconds(30));
            assertThat(provider.resolveCredentials()).isNotSameAs(first)
                    .satisfies(c -> assertThat(c.accessKeyId()).isEqualTo("ASIAINJVM2"));
            assertThat(heldSts.calls()).isEqualTo(2);
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }
}
