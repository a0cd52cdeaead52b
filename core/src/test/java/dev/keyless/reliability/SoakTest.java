package dev.keyless.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyless.WebIdentityCredentialsException;
import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.testing.FakeTime;
import dev.keyless.testing.InJvmSts;
import dev.keyless.testing.TestTokens;
import dev.keyless.token.WebIdentityToken;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BinaryOperator;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * 24 simulated hours of 16 threads calling {@code resolveCredentials()} while STS fails 10% of calls, answers
 * with random latency, and is down for 75 minutes. The clock is frozen while a caller is inside a call (a
 * read lock), so every verdict is exact; the driver moves time one second per step and runs due refreshes.
 *
 * <p>What a user is promised, and this test asserts:
 * <ul>
 *   <li>Failures happen only while no valid credentials could exist: in the first {@link #RECOVERY_BOUND} of the
 *       run (the very first STS call may be throttled), or from the outage's start to {@link #RECOVERY_BOUND}
 *       after its end. The outage is longer than a session, so whatever the provider's schedule, the credentials
 *       it holds when the outage starts go stale inside it: at least one failure there is certain, and
 *       asserted, so the fault was really exercised.</li>
 *   <li>Nobody fails while credentials STS issued are still valid, and no credentials within {@code staleTime}
 *       of expiry are handed out.</li>
 *   <li>Recovery: the first success after the outage comes within {@link #RECOVERY_BOUND} of its end. The
 *       transient backoff is capped at one minute, so that is at least five attempts, each refused by the 10%
 *       throttling with probability 0.1.</li>
 *   <li>At least as many credentials are issued as refreshing {@code prefetchTime} before expiry requires over
 *       the hours STS was up, and no more STS calls are made than the budget (no tight loop).</li>
 * </ul>
 * A provider that stops retrying after its first failure, retries in a loop, or hands out stale credentials fails
 * this test; docs/reliability.md lists the breaks tried.
 */
class SoakTest {

    private static final long SEED = 20261125L;
    private static final Instant T0 = Instant.parse("2026-11-25T00:00:00Z");
    private static final Duration SIMULATED = Duration.ofHours(24);
    private static final Duration STEP = Duration.ofSeconds(1);
    private static final Duration SESSION = Duration.ofHours(1);
    private static final Duration PREFETCH = Duration.ofMinutes(5);
    private static final Duration STALE = Duration.ofMinutes(1);
    /** The provider's documented cap on the transient backoff. */
    private static final Duration MAX_TRANSIENT_BACKOFF = Duration.ofMinutes(1);
    /** Longer than a session: the credentials held when it starts cannot outlive it. */
    private static final Duration OUTAGE = Duration.ofMinutes(75);
    private static final Instant OUTAGE_START = T0.plus(Duration.ofHours(12)).plus(Duration.ofMinutes(10));
    private static final Instant OUTAGE_END = OUTAGE_START.plus(OUTAGE);
    /** Five capped backoffs: how long after STS comes back (or after start) callers may still fail. */
    private static final Duration RECOVERY_BOUND = MAX_TRANSIENT_BACKOFF.multipliedBy(5);
    private static final int CALLERS = 16;

    private final FakeTime time = new FakeTime(T0);
    private final ReentrantReadWriteLock clockLock = new ReentrantReadWriteLock(true);
    private final Random random = new Random(SEED);
    private final AtomicLong stsCalls = new AtomicLong();
    private final AtomicLong stsFailures = new AtomicLong();
    private final AtomicLong issued = new AtomicLong();
    /** The expiry of the newest credentials STS has issued: the oracle for "valid credentials existed". */
    private final AtomicReference<Instant> newestIssued = new AtomicReference<>(Instant.MIN);

    /** An in-JVM STS: random failures, an outage, and up to 2 ms of real latency so calls overlap. */
    private final InJvmSts sts = InJvmSts.answering((call, request) -> {
        stsCalls.incrementAndGet();
        Instant now = time.now();
        int roll;
        synchronized (random) {
            roll = random.nextInt(100);
            LockSupport.parkNanos(random.nextInt(2_000_000));
        }
        if (inOutage(now)) {
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
        issued.incrementAndGet();
        newestIssued.accumulateAndGet(expiration, LATER);
        return InJvmSts.issued(call, expiration);
    });

    private static final BinaryOperator<Instant> LATER = (a, b) -> a.isAfter(b) ? a : b;
    private static final BinaryOperator<Instant> EARLIER = (a, b) -> a.isBefore(b) ? a : b;

    private static boolean inOutage(Instant t) {
        return !t.isBefore(OUTAGE_START) && t.isBefore(OUTAGE_END);
    }

    /** Whether a failure at {@code t} is one the user was told to expect: no valid credentials could exist. */
    private static boolean failureExcused(Instant t) {
        return t.isBefore(T0.plus(RECOVERY_BOUND))
                || (!t.isBefore(OUTAGE_START) && !t.isAfter(OUTAGE_END.plus(RECOVERY_BOUND)));
    }

    private record Tally(long calls, long successes, long failures, long failuresInOutage, Instant firstSuccessAfterOutage,
                         List<String> violations) {
    }

    @Test
    void twentyFourHours_tenPercentFailuresAndAnOutage_failsOnlyInTheOutageAndRecoversWithinBound() throws Exception {
        WebIdentityCredentialsProvider provider = WebIdentityCredentialsProvider.builder()
                .roleArn("arn:aws:iam::123456789012:role/soak")
                .tokenSource(() -> WebIdentityToken.of(TestTokens.gke(time.now(), Duration.ofHours(1)), "soak"))
                .roleSessionName("soak")
                .stsClient(sts)
                .prefetchTime(PREFETCH)
                .staleTime(STALE)
                .clock(time.clock())
                .scheduler(time.scheduler())
                // The refresh and backoff jitter replay from SEED too, like STS's failures and latencies.
                .jitter(new SplittableRandom(SEED))
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
        long failures = 0;
        long failuresInOutage = 0;
        Instant firstSuccessAfterOutage = Instant.MAX;
        List<String> violations = new ArrayList<>();
        for (Future<Tally> future : tallies) {
            Tally tally = future.get();
            calls += tally.calls();
            successes += tally.successes();
            failures += tally.failures();
            failuresInOutage += tally.failuresInOutage();
            firstSuccessAfterOutage = EARLIER.apply(firstSuccessAfterOutage, tally.firstSuccessAfterOutage());
            violations.addAll(tally.violations());
        }
        // Refreshing between prefetchTime and 1.5 x prefetchTime before expiry is one issue per 52.5 to 55 minutes
        // while STS is up; 10% throttling adds a few calls (half as many again is generous); the outage is retried at most once per half of the capped
        // backoff, plus the ramp up to the cap.
        Duration stsUp = SIMULATED.minus(OUTAGE).minus(RECOVERY_BOUND);
        long expectedIssued = stsUp.toMinutes() / SESSION.minus(PREFETCH).toMinutes();
        long refreshes = SIMULATED.toMinutes() / SESSION.minus(PREFETCH.multipliedBy(3).dividedBy(2)).toMinutes();
        long budget = refreshes + refreshes / 2
                + OUTAGE.toSeconds() / MAX_TRANSIENT_BACKOFF.dividedBy(2).toSeconds() + 10;
        Duration recovery = firstSuccessAfterOutage.equals(Instant.MAX) ? null
                : Duration.between(OUTAGE_END, firstSuccessAfterOutage);
        String figures = String.format("%d resolveCredentials() calls over %s simulated, %d succeeded, %d failed "
                        + "(%d inside the %s outage), recovered %s after it (bound %s), %d violations; "
                        + "STS calls %d (%d failed, %d issued; at least %d expected), budget %d; seed %d",
                calls, SIMULATED, successes, failures, failuresInOutage, OUTAGE, recovery, RECOVERY_BOUND,
                violations.size(), stsCalls.get(), stsFailures.get(), issued.get(), expectedIssued, budget, SEED);
        Figures.record("soak", figures);
        assertThat(violations).as(figures).isEmpty();
        assertThat(calls).as(figures).isGreaterThan(100_000);
        assertThat(failuresInOutage).as("the outage must really have been felt: " + figures).isPositive();
        assertThat(recovery).as("recovery after the outage: " + figures).isNotNull()
                .isLessThanOrEqualTo(RECOVERY_BOUND);
        assertThat(issued.get()).as(figures).isGreaterThanOrEqualTo(expectedIssued);
        assertThat(stsCalls.get()).as(figures).isLessThanOrEqualTo(budget);
    }

    private Tally call(WebIdentityCredentialsProvider provider, AtomicBoolean running) {
        long calls = 0;
        long successes = 0;
        long failures = 0;
        long failuresInOutage = 0;
        Instant firstSuccessAfterOutage = Instant.MAX;
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
                    if (!now.isBefore(OUTAGE_END) && firstSuccessAfterOutage.equals(Instant.MAX)) {
                        firstSuccessAfterOutage = now;
                    }
                } catch (WebIdentityCredentialsException e) {
                    failures++;
                    if (inOutage(now)) {
                        failuresInOutage++;
                    }
                    if (validExisted) {
                        violations.add(now + ": failed while credentials valid until " + newestIssued.get()
                                + " existed: " + e.getMessage());
                    } else if (!failureExcused(now)) {
                        violations.add(now + ": failed outside the outage and its recovery bound (" + OUTAGE_START
                                + " to " + OUTAGE_END.plus(RECOVERY_BOUND) + "): " + e.getMessage());
                    }
                }
            } finally {
                clockLock.readLock().unlock();
            }
            if (violations.size() > 10) {
                break;
            }
        }
        return new Tally(calls, successes, failures, failuresInOutage, firstSuccessAfterOutage, violations);
    }
}
