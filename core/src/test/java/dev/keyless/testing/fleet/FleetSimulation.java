package dev.keyless.testing.fleet;

import dev.keyless.internal.refresh.RefreshFailure;
import dev.keyless.internal.refresh.Refresher;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.slf4j.helpers.NOPLogger;

/**
 * A fleet of pods against one account's STS, each pod one real {@link Refresher} (the machine behind every Keyless
 * provider, not a model of it), all on one {@link VirtualTime}: the pods start in a rolling restart, each at a
 * uniformly random moment of {@link Config#restartOver}, each asks for credentials as it starts, and the fleet then runs for
 * {@link Config#simulated}. STS is a stand-in that answers {@code Throttling} to every call beyond
 * {@link Config#stsCallsPerSecond} in a second, and otherwise credentials lasting {@link Config#session}; it answers
 * at once (in virtual time). Everything is drawn from seeded random sources: a run is reproducible.
 *
 * <p>A pod is <em>waiting</em> when it has no valid (not yet stale) credentials: from its start to its first
 * success, and whenever its credentials went stale before a refresh succeeded. The waits are exact, from the
 * refreshers' own events.
 *
 * <p>Not thread-safe: {@link #run(Config)} runs everything on the calling thread.
 */
public final class FleetSimulation {

    private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

    /** STS's answer above the rate: transient, like {@code FailureKind.STS_UNAVAILABLE}, which it maps to. */
    private static final RefreshFailure.Kind THROTTLING = previousOfSameKind -> true;

    private FleetSimulation() {
    }

    /**
     * What to simulate.
     *
     * @param pods how many pods, each with one provider
     * @param restartOver each pod starts at a random moment of this
     * @param simulated how long the fleet runs, from the first start
     * @param session how long STS's credentials last
     * @param prefetch the refreshers' prefetch time
     * @param stale the refreshers' stale time
     * @param stsCallsPerSecond STS's rate limit: calls beyond it in one second are throttled; 0 for none
     * @param jitter whether the refreshers draw jitter (Keyless's default); without, every draw is 0, so a refresh
     *     starts exactly at expiry less the prefetch time, as the AWS SDK's fixed prefetch does
     * @param seed seeds every random draw
     */
    public record Config(int pods, Duration restartOver, Duration simulated, Duration session, Duration prefetch,
                         Duration stale, int stsCallsPerSecond, boolean jitter, long seed) {

        /**
         * Keyless's defaults (prefetch 5 min, stale 1 min, jitter on), one-hour sessions.
         *
         * @param pods how many pods
         * @param simulated how long the fleet runs
         * @param stsCallsPerSecond STS's rate limit, 0 for none
         * @return the configuration
         */
        public static Config of(int pods, Duration simulated, int stsCallsPerSecond) {
            return new Config(pods, Duration.ofMinutes(5), simulated, Duration.ofHours(1), Duration.ofMinutes(5),
                    Duration.ofMinutes(1), stsCallsPerSecond, true, 16);
        }

        /** @param on jitter on or off @return a copy with jitter on or off */
        public Config withJitter(boolean on) {
            return new Config(pods, restartOver, simulated, session, prefetch, stale, stsCallsPerSecond, on, seed);
        }

        /** @param limit the rate limit, 0 for none @return a copy with STS's rate limit */
        public Config withStsCallsPerSecond(int limit) {
            return new Config(pods, restartOver, simulated, session, prefetch, stale, limit, jitter, seed);
        }
    }

    /**
     * What happened.
     *
     * @param config what was simulated
     * @param callsPerSecond STS calls in each second from the first start, throttled ones included
     * @param throttledPerSecond throttled calls in each second
     * @param waitMillis each pod's total time without valid credentials
     * @param tasksLeftAfterClose tasks still scheduled after every refresher was closed
     */
    public record Result(Config config, int[] callsPerSecond, int[] throttledPerSecond, long[] waitMillis,
                         int tasksLeftAfterClose) {

        /** @return STS calls in all, throttled ones included */
        public long stsCalls() {
            return Arrays.stream(callsPerSecond).asLongStream().sum();
        }

        /** @return throttled calls in all */
        public long throttled() {
            return Arrays.stream(throttledPerSecond).asLongStream().sum();
        }

        /**
         * @param from the first second, counted from the first start
         * @param to the second after the last
         * @return the most STS calls in one second in {@code [from, to)}
         */
        public int peakCallsPerSecond(long from, long to) {
            int peak = 0;
            for (long s = Math.max(0, from); s < Math.min(to, callsPerSecond.length); s++) {
                peak = Math.max(peak, callsPerSecond[(int) s]);
            }
            return peak;
        }

        /** @return the most STS calls in one second once the restart is over */
        public int peakAfterRestart() {
            return peakCallsPerSecond(config.restartOver.toSeconds(), callsPerSecond.length);
        }

        /**
         * @param q the quantile, 0 to 1
         * @param from the first second
         * @param to the second after the last
         * @return that quantile of the per-second call counts in {@code [from, to)}
         */
        public int callsPerSecondQuantile(double q, long from, long to) {
            int[] window = Arrays.copyOfRange(callsPerSecond, (int) Math.max(0, from),
                    (int) Math.min(to, callsPerSecond.length));
            Arrays.sort(window);
            return window.length == 0 ? 0 : window[(int) Math.min(window.length - 1, Math.floor(q * window.length))];
        }

        /** @return STS calls per second averaged over the second half of the run, when the restart is long past */
        public double meanCallsPerSecondSecondHalf() {
            int half = callsPerSecond.length / 2;
            return Arrays.stream(callsPerSecond, half, callsPerSecond.length).average().orElse(0);
        }

        /** @return how many pods were ever without valid credentials */
        public int podsThatWaited() {
            return (int) Arrays.stream(waitMillis).filter(w -> w > 0).count();
        }

        /** @return the longest total wait of any pod, in milliseconds */
        public long longestWaitMillis() {
            return Arrays.stream(waitMillis).max().orElse(0);
        }

        /**
         * @param q the quantile, 0 to 1
         * @return that quantile of the pods' total waits, in milliseconds
         */
        public long waitQuantileMillis(double q) {
            long[] sorted = waitMillis.clone();
            Arrays.sort(sorted);
            return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
        }

        /**
         * STS calls per minute, for a plot.
         *
         * @return calls in each minute from the first start
         */
        public int[] callsPerMinute() {
            int[] perMinute = new int[(callsPerSecond.length + 59) / 60];
            for (int s = 0; s < callsPerSecond.length; s++) {
                perMinute[s / 60] += callsPerSecond[s];
            }
            return perMinute;
        }

        /** @return one line with the key figures */
        public String summary() {
            return String.format(Locale.ROOT, "%d pods, restart over %s, %s simulated, jitter %s, STS limit %s: "
                            + "%d STS calls (%d throttled); peak %d calls/s during the restart, %d after it; "
                            + "second half: mean %.2f/s, p99 %d/s; %d pods waited, longest %d ms, p99 %d ms",
                    config.pods, config.restartOver, config.simulated, config.jitter ? "on" : "off",
                    config.stsCallsPerSecond == 0 ? "none" : config.stsCallsPerSecond + "/s", stsCalls(), throttled(),
                    peakCallsPerSecond(0, config.restartOver.toSeconds()), peakAfterRestart(),
                    meanCallsPerSecondSecondHalf(),
                    callsPerSecondQuantile(0.99, callsPerSecond.length / 2, callsPerSecond.length), podsThatWaited(),
                    longestWaitMillis(), waitQuantileMillis(0.99));
        }
    }

    /**
     * Runs the simulation.
     *
     * @param config what to simulate
     * @return the figures
     */
    public static Result run(Config config) {
        VirtualTime time = new VirtualTime(T0);
        long t0 = T0.toEpochMilli();
        int seconds = (int) config.simulated.toSeconds();
        int[] calls = new int[seconds];
        int[] throttled = new int[seconds];
        long sessionMillis = config.session.toMillis();
        long staleMillis = config.stale.toMillis();
        long end = t0 + config.simulated.toMillis();
        SplittableRandom seeds = new SplittableRandom(config.seed);
        List<Pod> pods = new ArrayList<>(config.pods);

        SplittableRandom starts = seeds.split();
        for (int i = 0; i < config.pods; i++) {
            Pod pod = new Pod(t0 + starts.nextLong(config.restartOver.toMillis()));
            pods.add(pod);
            String name = "pod-" + i;
            RandomGenerator random = config.jitter ? seeds.split() : Zero.INSTANCE;
            Refresher.Fetcher<Long> sts = () -> {
                long now = time.millis();
                int second = (int) ((now - t0) / 1000);
                boolean counted = second < seconds;
                if (counted) {
                    calls[second]++;
                }
                if (config.stsCallsPerSecond > 0 && counted && calls[second] > config.stsCallsPerSecond) {
                    throttled[second]++;
                    throw new RefreshFailure(THROTTLING, "Throttling: Rate exceeded",
                            () -> new IllegalStateException("Throttling: Rate exceeded"));
                }
                return new Refresher.Fetched<>(now, Instant.ofEpochMilli(now + sessionMillis));
            };
            time.scheduler().schedule(() -> {
                pod.refresher = Refresher.<Long>builder()
                        .name(name)
                        .fetcher(sts)
                        .clock(time.clock())
                        .executors(time.scheduler(), time.scheduler())
                        .times(config.prefetch, config.stale)
                        .random(random)
                        .listener(new Refresher.Listener<>() {
                            @Override
                            public void succeeded(Long value, Instant expiresAt, Instant nextRefreshAt, Duration took) {
                                pod.succeeded(time.millis(), expiresAt.toEpochMilli() - staleMillis);
                            }
                        })
                        .closedException(() -> new IllegalStateException("closed"))
                        .staleOnArrival(what -> new RefreshFailure(THROTTLING, what, IllegalStateException::new))
                        .logger(NOPLogger.NOP_LOGGER)
                        .build();
                try {
                    pod.refresher.get(); // the application's first AWS call
                } catch (RuntimeException e) {
                    // Throttled: the refresher retries on its own after its backoff; the pod waits meanwhile.
                }
            }, pod.startedAt - t0, TimeUnit.MILLISECONDS);
        }
        time.runUntil(end);

        long[] waits = new long[pods.size()];
        for (int i = 0; i < pods.size(); i++) {
            Pod pod = pods.get(i);
            pod.refresher.close();
            waits[i] = pod.waitedMillis + Math.max(0, end - pod.validUntil);
        }
        return new Result(config, calls, throttled, waits, time.pendingTasks());
    }

    /** One pod: when it started, until when its credentials are valid, and how long it has waited so far. */
    private static final class Pod {
        final long startedAt;
        long validUntil;
        long waitedMillis;
        Refresher<Long> refresher;

        Pod(long startedAt) {
            this.startedAt = startedAt;
            this.validUntil = startedAt;
        }

        void succeeded(long now, long staleAt) {
            if (now > validUntil) {
                waitedMillis += now - validUntil;
            }
            validUntil = staleAt;
        }
    }

    /** Draws 0 every time: no jitter, anywhere (refresh times and backoff alike). */
    private enum Zero implements RandomGenerator {
        INSTANCE;

        @Override
        public long nextLong() {
            return 0;
        }
    }
}
