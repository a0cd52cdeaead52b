package dev.keyless.internal.refresh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyless.testing.FakeTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The refresh machinery on its own, with an injected clock, scheduler and random source: every rule in
 * {@link Refresher}'s javadoc, each with the break it would catch.
 */
class RefresherTest {

    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private static final Duration HOUR = Duration.ofHours(1);
    private static final Duration PREFETCH = Duration.ofMinutes(5);
    private static final Duration STALE = Duration.ofMinutes(1);

    /** Transient failures retry soon; configuration failures rarely. */
    private enum Kind implements RefreshFailure.Kind {
        TRANSIENT, CONFIGURATION;

        @Override
        public boolean retrySoon(int previousOfSameKind) {
            return this == TRANSIENT;
        }
    }

    private final FakeTime time = new FakeTime(T0);
    private final AtomicInteger fetches = new AtomicInteger();
    private final List<String> events = new ArrayList<>();
    private volatile Supplier<Refresher.Fetched<String>> answer = () -> value(HOUR);
    private Refresher<String> refresher;

    @AfterEach
    void close() {
        if (refresher != null) {
            refresher.close();
        }
    }

    private Refresher.Fetched<String> value(Duration ttl) {
        return new Refresher.Fetched<>("v" + fetches.get(), time.now().plus(ttl));
    }

    private static RefreshFailure failure(Kind kind) {
        return new RefreshFailure(kind, "fetch failed (" + kind + ").",
                () -> new IllegalStateException("fetch failed (" + kind + ")"));
    }

    private Refresher.Builder<String> builder() {
        return Refresher.<String>builder()
                .name("test")
                .clock(time.clock())
                .executors(time.scheduler(), time.scheduler())
                .times(PREFETCH, STALE)
                .random(new Random(7))
                .closedException(() -> new IllegalStateException("closed"))
                .staleOnArrival(what -> new RefreshFailure(Kind.TRANSIENT, "stale: " + what,
                        () -> new IllegalStateException("stale: " + what)))
                .listener(new Refresher.Listener<>() {
                    @Override
                    public void succeeded(String value, Instant expiresAt, Instant nextRefreshAt, Duration took) {
                        events.add("succeeded " + value);
                    }

                    @Override
                    public void failed(RefreshFailure failure, Instant nextAttemptAt, Duration took) {
                        events.add("failed " + failure.kind() + " next " + Duration.between(time.now(), nextAttemptAt));
                    }
                })
                .fetcher(() -> {
                    fetches.incrementAndGet();
                    return answer.get();
                });
    }

    private Refresher<String> refresher() {
        refresher = builder().build();
        return refresher;
    }

    @Test
    void get_firstCall_fetchesOnTheCallingThreadAndCaches() {
        Refresher<String> r = refresher();

        assertThat(r.get()).isEqualTo("v1");
        assertThat(r.get()).isEqualTo("v1");
        assertThat(fetches).hasValue(1);
        assertThat(events).containsExactly("succeeded v1");
    }

    @Test
    void get_inThePrefetchWindow_servesCachedAndRefreshesOnceInTheBackground() {
        Refresher<String> r = refresher();
        r.get();
        time.set(T0.plus(HOUR).minus(PREFETCH).plusSeconds(1));

        for (int i = 0; i < 100; i++) {
            assertThat(r.get()).as("callers never wait while the value is valid").isEqualTo("v1");
        }
        assertThat(fetches).as("nothing fetched on the callers' threads").hasValue(1);
        time.runDue();

        assertThat(fetches).as("one background refresh, however many callers").hasValue(2);
        assertThat(r.get()).isEqualTo("v2");
    }

    @Test
    void backgroundCheck_refreshesBeforeExpiryWithoutAnyCaller() {
        Refresher<String> r = refresher();
        r.get();

        time.advance(HOUR.minus(STALE));

        assertThat(fetches).as("the scheduled check refreshed inside [expiry - prefetch - jitter, expiry - prefetch]")
                .hasValue(2);
        assertThat(r.validOrNull()).isEqualTo("v2");
    }

    @Test
    void get_afterStaleTime_neverReturnsTheOldValue() {
        Refresher<String> r = refresher();
        r.get();
        answer = () -> {
            throw new RuntimeException("unreachable");
        };
        time.set(T0.plus(HOUR).minus(STALE));

        assertThat(r.validOrNull()).isNull();
        assertThatThrownBy(r::get).hasMessage("unreachable");
    }

    @Test
    void get_manyCallersWithNothingCached_shareOneFetch() throws Exception {
        CountDownLatch fetching = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        answer = () -> {
            fetching.countDown();
            await(release);
            return value(HOUR);
        };
        Refresher<String> r = refresher();
        ExecutorService callers = Executors.newFixedThreadPool(64);
        try {
            List<Future<String>> results = new ArrayList<>();
            results.add(callers.submit(r::get));
            assertThat(fetching.await(10, TimeUnit.SECONDS)).isTrue();
            for (int i = 1; i < 64; i++) {
                results.add(callers.submit(r::get));
            }
            release.countDown();
            for (Future<String> result : results) {
                assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo("v1");
            }
        } finally {
            callers.shutdownNow();
        }
        assertThat(fetches).hasValue(1);
    }

    @Test
    void getAsync_withNothingCached_neverBlocksTheCaller() {
        Refresher<String> r = refresher();

        CompletableFuture<String> future = r.getAsync();

        assertThat(future).as("the fetch runs on the worker, not on this thread").isNotDone();
        time.runDue();
        assertThat(future).isCompletedWithValue("v1");
    }

    @Test
    void transientFailure_retriedAfterOneSecondOrLess_andCallersGetTheFailureMeanwhile() {
        Refresher<String> r = builder().fetcher(() -> {
            fetches.incrementAndGet();
            throw failure(Kind.TRANSIENT);
        }).build();
        refresher = r;

        assertThatThrownBy(r::get).hasMessage("fetch failed (TRANSIENT)");
        assertThatThrownBy(r::get).as("the gate answers at once").hasMessage("fetch failed (TRANSIENT)");
        assertThat(fetches).as("no second fetch before the backoff is over").hasValue(1);
        assertThat(nextAttemptIn(0)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));

        time.advance(Duration.ofSeconds(1));
        assertThat(fetches).as("retried by the scheduled check").hasValue(2);
        assertThat(nextAttemptIn(1)).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
    }

    @Test
    void configurationFailure_retriedAfterFiveToTenSeconds_backingOffToFiveMinutes() {
        refresher = builder().fetcher(() -> {
            fetches.incrementAndGet();
            throw failure(Kind.CONFIGURATION);
        }).build();

        assertThatThrownBy(refresher::get).hasMessage("fetch failed (CONFIGURATION)");
        assertThat(nextAttemptIn(0)).isBetween(Duration.ofSeconds(5), Duration.ofSeconds(10));

        time.advance(Duration.ofHours(2));

        long attempts = fetches.get();
        assertThat(attempts).as("capped at five minutes: at least 2 h / 5 min, never a tight loop")
                .isBetween(24L, 40L);
        assertThat(nextAttemptIn(events.size() - 1)).isBetween(Duration.ofMinutes(2).plusSeconds(30),
                Duration.ofMinutes(5));
    }

    @Test
    void failureWhileValid_servesCachedUntilStale_thenTheFailure() {
        refresher = builder().fetcher(() -> {
            if (fetches.incrementAndGet() == 1) {
                return value(HOUR);
            }
            throw failure(Kind.TRANSIENT);
        }).build();
        refresher.get();

        time.advance(HOUR.minus(STALE).minusSeconds(1));
        assertThat(refresher.get()).as("cached value while it is valid, despite failures").isEqualTo("v1");

        time.advance(Duration.ofSeconds(1));
        assertThatThrownBy(refresher::get).hasMessage("fetch failed (TRANSIENT)");
    }

    @Test
    void staleOnArrival_isAFailureNotAValue() {
        answer = () -> value(STALE);
        Refresher<String> r = refresher();

        assertThatThrownBy(r::get).hasMessageStartingWith("stale: the credentials expire at");
        assertThat(r.validOrNull()).isNull();
    }

    @Test
    void close_forgetsTheValueAndFailsEveryCall() {
        Refresher<String> r = refresher();
        r.get();

        r.close();

        assertThat(r.validOrNull()).isNull();
        assertThatThrownBy(r::get).hasMessage("closed");
        assertThat(r.getAsync()).isCompletedExceptionally();
        assertThat(time.pendingTasks()).as("no scheduled check left behind").isZero();
    }

    @Test
    void listenerThatThrows_doesNotBreakTheRefresh() {
        refresher = builder().listener(new Refresher.Listener<>() {
            @Override
            public void succeeded(String value, Instant expiresAt, Instant nextRefreshAt, Duration took) {
                throw new IllegalStateException("listener bug");
            }
        }).build();

        assertThat(refresher.get()).isEqualTo("v1");
    }

    @Test
    void jitter_withTheSameSeed_isReproducible() {
        assertThat(refreshTimes(42)).isEqualTo(refreshTimes(42)).isNotEqualTo(refreshTimes(43));
    }

    /** When the background refreshes of a day happen, for a given seed. */
    private List<Instant> refreshTimes(long seed) {
        FakeTime day = new FakeTime(T0);
        List<Instant> times = new ArrayList<>();
        Refresher<String> r = Refresher.<String>builder()
                .name("seeded")
                .clock(day.clock())
                .executors(day.scheduler(), day.scheduler())
                .times(PREFETCH, STALE)
                .random(new Random(seed))
                .closedException(IllegalStateException::new)
                .staleOnArrival(what -> failure(Kind.TRANSIENT))
                .fetcher(() -> {
                    times.add(day.now());
                    return new Refresher.Fetched<>("v", day.now().plus(HOUR));
                })
                .build();
        r.get();
        day.advance(Duration.ofHours(24));
        r.close();
        return times;
    }

    private Duration nextAttemptIn(int event) {
        String line = events.get(event);
        return Duration.parse(line.substring(line.indexOf(" next ") + 6));
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
