package dev.keyless.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyless.WebIdentityCredentialsException;
import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.testing.FakeTime;
import dev.keyless.testing.TestTokens;
import dev.keyless.token.WebIdentityToken;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityRequest;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityResponse;
import software.amazon.awssdk.services.sts.model.AssumedRoleUser;
import software.amazon.awssdk.services.sts.model.Credentials;
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * 24 simulated hours of 16 threads calling {@code resolveCredentials()} while STS fails 10% of calls, answers
 * with random latency, and is down for 30 minutes. The clock is frozen while a caller is inside a call (a
 * read lock), so every verdict is exact; the driver moves time one second per step and runs due refreshes.
 */
class SoakTest {

    private static final Instant T0 = Instant.parse("2026-11-25T00:00:00Z");
    private static final Duration SIMULATED = Duration.ofHours(24);
    private static final Duration STEP = Duration.ofSeconds(1);
    private static final Duration SESSION = Duration.ofHours(1);
    private static final Duration STALE = Duration.ofMinutes(1);
    private static final Instant OUTAGE_START = T0.plus(Duration.ofHours(12)).plus(Duration.ofMinutes(10));
    private static final Instant OUTAGE_END = OUTAGE_START.plus(Duration.ofMinutes(30));
    private static final int CALLERS = 16;

    private final FakeTime time = new FakeTime(T0);
    private final ReentrantReadWriteLock clockLock = new ReentrantReadWriteLock(true);
    private final Random random = new Random(20261125);
    private final AtomicLong stsCalls = new AtomicLong();
    private final AtomicLong stsFailures = new AtomicLong();
    private final AtomicLong issued = new AtomicLong();
    /** The expiry of the newest credentials STS has issued: the oracle for "valid credentials existed". */
    private final AtomicReference<Instant> newestIssued = new AtomicReference<>(Instant.MIN);

    /** An in-JVM STS: random failures, an outage, and up to 2 ms of real latency so calls overlap. */
    private final StsClient sts = new StsClient() {
        @Override
        public AssumeRoleWithWebIdentityResponse assumeRoleWithWebIdentity(AssumeRoleWithWebIdentityRequest request) {
            stsCalls.incrementAndGet();
            Instant now = time.now();
            int roll;
            synchronized (random) {
                roll = random.nextInt(100);
                LockSupport.parkNanos(random.nextInt(2_000_000));
            }
            if (!now.isBefore(OUTAGE_START) && now.isBefore(OUTAGE_END)) {
                stsFailures.incrementAndGet();
                throw SdkClientException.create("Unable to execute HTTP request", new ConnectException("Connection refused"));
            }
            if (roll < 10) {
                stsFailures.incrementAndGet();
                throw (StsException) StsException.builder().statusCode(400).message("Rate exceeded")
                        .awsErrorDetails(AwsErrorDetails.builder().errorCode("Throttling").errorMessage("Rate exceeded")
                                .serviceName("Sts").build()).build();
            }
            Instant expiration = now.plus(SESSION);
            long n = issued.incrementAndGet();
            newestIssued.accumulateAndGet(expiration, (a, b) -> a.isAfter(b) ? a : b);
            return AssumeRoleWithWebIdentityResponse.builder()
                    .credentials(Credentials.builder().accessKeyId("ASIASOAK" + n).secretAccessKey("secret" + n)
                            .sessionToken("session" + n).expiration(expiration).build())
                    .assumedRoleUser(AssumedRoleUser.builder().assumedRoleId("AROASOAK:s")
                            .arn("arn:aws:sts::123456789012:assumed-role/soak/s").build())
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

    private record Tally(long calls, long successes, long legitimateFailures, List<String> violations) {
    }

    @Test
    void twentyFourHours_tenPercentFailuresAndAnOutage_neverFailsWhileValidAndNeverReturnsExpired() throws Exception {
        WebIdentityCredentialsProvider provider = WebIdentityCredentialsProvider.builder()
                .roleArn("arn:aws:iam::123456789012:role/soak")
                .tokenSource(() -> WebIdentityToken.of(TestTokens.gke(time.now(), Duration.ofHours(1)), "soak"))
                .roleSessionName("soak")
                .stsClient(sts)
                .staleTime(STALE)
                .clock(time.clock())
                .scheduler(time.scheduler())
                .build();
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
        List<Future<Tally>> tallies = new ArrayList<>();
        try {
            for (int i = 0; i < CALLERS; i++) {
                tallies.add(callers.submit(() -> call(provider, running)));
            }
            Instant end = T0.plus(SIMULATED);
            while (time.now().isBefore(end)) {
                clockLock.writeLock().lock();
                try {
                    time.set(time.now().plus(STEP));
                } finally {
                    clockLock.writeLock().unlock();
                }
                time.runDue();
            }
        } finally {
            running.set(false);
            callers.shutdown();
            // Every caller is done before close(): afterwards the provider hands out nothing, by design.
            callers.awaitTermination(1, TimeUnit.MINUTES);
            provider.close();
        }

        long calls = 0;
        long successes = 0;
        long legitimateFailures = 0;
        List<String> violations = new ArrayList<>();
        for (Future<Tally> future : tallies) {
            Tally tally = future.get();
            calls += tally.calls();
            successes += tally.successes();
            legitimateFailures += tally.legitimateFailures();
            violations.addAll(tally.violations());
        }
        // A refresh every ~55 minutes is 27 calls a day; 10% failures add a few; the 30-minute outage is retried
        // with backoff capped at one minute: at most ~45 more.
        long budget = 27 + 15 + 45;
        String figures = String.format("%d resolveCredentials() calls over %s simulated, %d succeeded, %d failed "
                        + "with no valid credentials (the outage, when it outlasted them), %d violations; STS calls %d (%d failed, %d issued), budget %d",
                calls, SIMULATED, successes, legitimateFailures, violations.size(), stsCalls.get(), stsFailures.get(),
                issued.get(), budget);
        Figures.record("soak", figures);
        assertThat(violations).as(figures).isEmpty();
        assertThat(calls).as(figures).isGreaterThan(100_000);
        assertThat(stsCalls.get()).as(figures).isLessThanOrEqualTo(budget);
    }

    private Tally call(WebIdentityCredentialsProvider provider, AtomicBoolean running) {
        long calls = 0;
        long successes = 0;
        long legitimateFailures = 0;
        List<String> violations = new ArrayList<>();
        while (running.get()) {
            clockLock.readLock().lock();
            try {
                Instant now = time.now();
                boolean validExisted = newestIssued.get().isAfter(now.plus(STALE).plusSeconds(1));
                calls++;
                try {
                    AwsCredentials credentials = provider.resolveCredentials();
                    Instant expiration = credentials.expirationTime().orElseThrow();
                    if (!expiration.isAfter(now.plus(STALE))) {
                        violations.add(now + ": returned credentials expiring at " + expiration);
                    }
                    successes++;
                } catch (WebIdentityCredentialsException e) {
                    if (validExisted) {
                        violations.add(now + ": failed while credentials valid until " + newestIssued.get()
                                + " existed: " + e.getMessage());
                    } else {
                        legitimateFailures++;
                    }
                }
            } finally {
                clockLock.readLock().unlock();
            }
            if (violations.size() > 10) {
                break;
            }
        }
        return new Tally(calls, successes, legitimateFailures, violations);
    }
}
