package dev.keyless.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyless.RefreshListener;
import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.internal.refresh.RefreshExecutors;
import dev.keyless.testing.FakeTime;
import dev.keyless.testing.InJvmSts;
import dev.keyless.testing.TestTokens;
import dev.keyless.token.WebIdentityToken;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/**
 * A thousand providers in one JVM, each for its own role, all on one STS: what a multi-tenant service holds. Each
 * refreshes on its own schedule with one scheduled task, the JVM's threads do not grow with their number, and once
 * they are closed nothing of theirs is scheduled or running.
 */
class ThousandProvidersTest {

    private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
    private static final Duration HOUR = Duration.ofHours(1);
    private static final int MANY = 1_000;
    /** Past every provider's prefetch point (55 minutes at the latest) and before its stale point (59). */
    private static final Duration TO_PREFETCH = Duration.ofMinutes(56);
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** One token for every provider, minted once: signing a thousand is not what is measured. */
    private static String token;
    private static ExecutorService callers;

    @BeforeAll
    static void setUp() {
        token = TestTokens.gke(T0, Duration.ofDays(1));
        callers = Executors.newFixedThreadPool(8);
    }

    @AfterAll
    static void tearDown() {
        callers.shutdownNow();
    }

    @Test
    void thousandProviders_injectedClockAndScheduler_eachRefreshesOnItsOwnWithOneTask_noneLeftAfterClose() {
        FakeTime time = new FakeTime(T0);
        InJvmSts sts = new InJvmSts(time.clock(), HOUR, Duration.ZERO);
        int threadsBefore = THREADS.getThreadCount();
        List<WebIdentityCredentialsProvider> providers = providers(MANY, sts, time, time.scheduler(), null);

        providers.forEach(WebIdentityCredentialsProvider::resolveCredentials);
        assertThat(sts.calls()).isEqualTo(MANY);
        assertThat(time.pendingTasks()).as("one scheduled check per provider").isEqualTo(MANY);

        time.advance(Duration.ofHours(3));

        for (WebIdentityCredentialsProvider p : providers) {
            // A refresh every 52.5 to 55 minutes (or, once, earlier: see Refresher): 3 to 6 in 3 hours.
            assertThat(sts.calls(p.roleArn())).as(p.roleArn()).isBetween(4L, 7L);
            AwsSessionCredentials c = (AwsSessionCredentials) p.resolveCredentials();
            assertThat(c.expirationTime().orElseThrow()).isAfter(time.now().plus(Duration.ofMinutes(1)));
        }
        assertThat(sts.roles()).isEqualTo(MANY);
        assertThat(sts.calls()).as("no call beyond the background refreshes").isLessThanOrEqualTo(7L * MANY);
        assertThat(time.pendingTasks()).as("still one task per provider, never piling up").isEqualTo(MANY);
        assertThat(THREADS.getThreadCount()).as("no thread of their own").isLessThanOrEqualTo(threadsBefore);

        providers.forEach(WebIdentityCredentialsProvider::close);
        assertThat(time.pendingTasks()).as("nothing scheduled after close").isZero();
        time.advance(Duration.ofHours(3));
        assertThat(sts.calls(providers.get(0).roleArn())).isLessThanOrEqualTo(7L);
    }

    @Test
    void sharedExecutors_oneVersusAThousandProviders_sameThreads_nothingLeftRunningAfterClose() throws Exception {
        ScheduledThreadPoolExecutor timer = (ScheduledThreadPoolExecutor) RefreshExecutors.timer();
        ThreadPoolExecutor worker = (ThreadPoolExecutor) RefreshExecutors.worker();
        int queuedBefore = timer.getQueue().size();

        int peakWithOne = peakThreadsOverRefreshes(1);
        int peakWithMany = peakThreadsOverRefreshes(MANY);

        String figures = "JVM threads at peak over 3 background refreshes per provider: " + peakWithOne
                + " with 1 provider, " + peakWithMany + " with " + MANY + "; worker pool at most "
                + worker.getMaximumPoolSize() + " threads";
        Figures.record("thousand-providers-threads", figures);
        assertThat(peakWithMany).as(figures).isLessThanOrEqualTo(peakWithOne + RefreshExecutors.MAX_WORKERS);
        assertThat(timer.getQueue().size()).as("no task of theirs left on the shared timer")
                .isLessThanOrEqualTo(queuedBefore);
        assertThat(worker.getActiveCount()).as("no refresh left running").isZero();

        // The shared threads end after a minute without work; shortened here so the test sees them go.
        long keepAlive = worker.getKeepAliveTime(TimeUnit.MILLISECONDS);
        try {
            worker.setKeepAliveTime(10, TimeUnit.MILLISECONDS);
            timer.setKeepAliveTime(10, TimeUnit.MILLISECONDS);
            // The timer's last thread stays while any task is queued; a provider another test left open keeps it.
            boolean timerIdle = timer.getQueue().isEmpty();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((worker.getPoolSize() > 0 || timerIdle && timer.getPoolSize() > 0) && System.nanoTime() < deadline) {
                Thread.yield();
            }
            assertThat(worker.getPoolSize()).as("refresh threads gone").isZero();
            if (timerIdle) {
                assertThat(timer.getPoolSize()).as("timer thread gone").isZero();
            }
        } finally {
            worker.setKeepAliveTime(keepAlive, TimeUnit.MILLISECONDS);
            timer.setKeepAliveTime(keepAlive, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * {@code n} providers on the JVM-wide executors (no scheduler given), each fetching once on a caller's thread
     * and then refreshing three times in the background, triggered by callers once the clock is past the prefetch
     * point; STS takes 2 ms per call, so refreshes overlap. Returns the JVM's peak thread count meanwhile.
     */
    private int peakThreadsOverRefreshes(int n) throws Exception {
        FakeTime time = new FakeTime(T0);
        InJvmSts sts = new InJvmSts(time.clock(), HOUR, Duration.ofMillis(2));
        Semaphore refreshed = new Semaphore(0);
        RefreshListener listener = new RefreshListener() {
            @Override
            public void refreshSucceeded(Succeeded event) {
                refreshed.release();
            }
        };
        List<WebIdentityCredentialsProvider> providers = providers(n, sts, time, null, listener);
        try {
            THREADS.resetPeakThreadCount();
            callAll(providers);
            assertThat(refreshed.tryAcquire(n, 30, TimeUnit.SECONDS)).isTrue();
            for (int cycle = 1; cycle <= 3; cycle++) {
                time.set(time.now().plus(TO_PREFETCH));
                callAll(providers);
                assertThat(refreshed.tryAcquire(n, 30, TimeUnit.SECONDS)).as("cycle " + cycle).isTrue();
            }
            assertThat(sts.calls()).as("exactly one STS call per provider per refresh").isEqualTo(4L * n);
            return THREADS.getPeakThreadCount();
        } finally {
            providers.forEach(WebIdentityCredentialsProvider::close);
        }
    }

    private static void callAll(List<WebIdentityCredentialsProvider> providers) throws Exception {
        List<Future<?>> done = new ArrayList<>();
        int slices = 8;
        for (int s = 0; s < slices; s++) {
            int slice = s;
            done.add(callers.submit(() -> {
                for (int i = slice; i < providers.size(); i += slices) {
                    providers.get(i).resolveCredentials();
                }
            }));
        }
        for (Future<?> f : done) {
            f.get(30, TimeUnit.SECONDS);
        }
    }

    private static List<WebIdentityCredentialsProvider> providers(int n, InJvmSts sts, FakeTime time,
            ScheduledExecutorService scheduler, RefreshListener listener) {
        List<WebIdentityCredentialsProvider> providers = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            WebIdentityCredentialsProvider.Builder b = WebIdentityCredentialsProvider.builder()
                    .roleArn("arn:aws:iam::123456789012:role/tenant-" + i)
                    .roleSessionName("tenant-" + i)
                    .tokenSource(() -> WebIdentityToken.of(token, "test"))
                    .stsClient(sts)
                    .clock(time.clock());
            if (scheduler != null) {
                b.scheduler(scheduler);
            }
            if (listener != null) {
                b.refreshListener(listener);
            }
            providers.add(b.build());
        }
        return providers;
    }
}
