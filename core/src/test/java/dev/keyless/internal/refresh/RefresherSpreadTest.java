package dev.keyless.internal.refresh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyless.testing.FakeTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The one wide draw per start: the first background refresh after a fetch that callers waited for plans the next
 * one anywhere from halfway through the validity to the prefetch point, so providers that started (or recovered)
 * together drift apart; every other refresh keeps the narrow jitter.
 */
class RefresherSpreadTest {

    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private static final Duration HOUR = Duration.ofHours(1);
    private static final Duration PREFETCH = Duration.ofMinutes(5);
    private static final Duration STALE = Duration.ofMinutes(1);
    private static final RefreshFailure.Kind TRANSIENT = previous -> true;

    /** A refresher with its own clock and seed; records when each success planned the next refresh. */
    private static final class Subject {
        final FakeTime time = new FakeTime(T0);
        final List<Instant> planned = new ArrayList<>();
        final List<Instant> fetchedAt = new ArrayList<>();
        final AtomicBoolean down = new AtomicBoolean();
        final Refresher<String> refresher;

        Subject(long seed) {
            refresher = Refresher.<String>builder()
                    .name("spread")
                    .fetcher(() -> {
                        if (down.get()) {
                            throw new RefreshFailure(TRANSIENT, "down", IllegalStateException::new);
                        }
                        fetchedAt.add(time.now());
                        return new Refresher.Fetched<>("v", time.now().plus(HOUR));
                    })
                    .clock(time.clock())
                    .executors(time.scheduler(), time.scheduler())
                    .times(PREFETCH, STALE)
                    .random(new Random(seed))
                    .listener(new Refresher.Listener<>() {
                        @Override
                        public void succeeded(String value, Instant expiresAt, Instant nextRefreshAt, Duration took) {
                            planned.add(nextRefreshAt);
                        }
                    })
                    .closedException(IllegalStateException::new)
                    .staleOnArrival(what -> new RefreshFailure(TRANSIENT, what, IllegalStateException::new))
                    .build();
        }
    }

    @Test
    void firstBackgroundRefresh_plansTheNextAnywhereFromHalfwayToThePrefetchPoint_laterOnesStayNarrow() {
        Duration earliestGap = Duration.ofDays(1);
        Duration latestGap = Duration.ZERO;
        for (long seed = 0; seed < 200; seed++) {
            Subject s = new Subject(seed);
            s.refresher.get();
            s.time.advance(Duration.ofHours(3));
            s.refresher.close();

            Instant first = s.fetchedAt.get(1);
            assertThat(Duration.between(T0, first)).as("the first refresh keeps the narrow jitter")
                    .isBetween(Duration.ofSeconds(3150), Duration.ofMinutes(55));
            Duration gap = Duration.between(first, s.planned.get(1));
            assertThat(gap).as("the next is planned from halfway (29.5 min) to the prefetch point (55 min)")
                    .isBetween(Duration.ofSeconds(1770), Duration.ofMinutes(55));
            earliestGap = gap.compareTo(earliestGap) < 0 ? gap : earliestGap;
            latestGap = gap.compareTo(latestGap) > 0 ? gap : latestGap;
            Instant third = s.fetchedAt.get(3);
            assertThat(Duration.between(s.fetchedAt.get(2), third)).as("then narrow again")
                    .isBetween(Duration.ofSeconds(3150), Duration.ofMinutes(55));
        }
        assertThat(earliestGap).as("spread over the whole window").isLessThan(Duration.ofMinutes(32));
        assertThat(latestGap).isGreaterThan(Duration.ofMinutes(52));
    }

    @Test
    void afterTheValueWentStale_theRecoveryIsSpreadAgain() {
        Subject s = new Subject(42);
        s.refresher.get();
        s.time.advance(Duration.ofMinutes(50));
        s.down.set(true);
        s.time.advance(Duration.ofMinutes(30)); // stale at 59 min: callers would be waiting from then on
        s.down.set(false);
        s.time.advance(Duration.ofMinutes(2)); // the backoff ends; the recovering fetch is a waited-for one
        int recovered = s.fetchedAt.size() - 1;
        s.time.advance(Duration.ofHours(2));
        s.refresher.close();

        Instant recovery = s.fetchedAt.get(recovered);
        Instant next = s.fetchedAt.get(recovered + 1);
        assertThat(Duration.between(recovery, next)).as("the first refresh after recovering keeps the narrow jitter")
                .isBetween(Duration.ofSeconds(3150), Duration.ofMinutes(55));
        Duration gap = Duration.between(next, s.planned.get(recovered + 1));
        assertThat(gap).as("and spreads the one after it").isBetween(Duration.ofSeconds(1770), Duration.ofMinutes(55));
    }
}
