package dev.keyless.benchmarks;

import dev.keyless.benchmarks.fixture.Rig;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * Refresh under load: 64 threads call {@code resolveCredentials()} on one provider while its credentials pass their
 * prefetch and stale points again and again, and the stub STS takes 200 ms to answer.
 *
 * <p>Time is real for every contender (the SDK's providers take no clock), so it is compressed: the stub's
 * credentials last {@link #SESSION 4 s}, every provider prefetches {@link #PREFETCH 2 s} and stops handing them
 * out {@link #STALE 1 s} before expiry. A refresh that starts at the prefetch point has 1 s to finish its 200 ms
 * call before the old credentials go stale; the 8-second measurement sees about four refreshes.
 *
 * <p>Each call is timed with {@link System#nanoTime()}. Callers either spin ({@code pauseMicros = 0}: 64 runnable
 * threads on this machine's cores, so what is timed includes the scheduler's preemption) or pause between calls
 * ({@code pauseMicros = 1000}, parked: ~64,000 calls a second in all, and spare CPU). The {@code static} control,
 * a provider that never refreshes, shows what the harness and the machine alone add.
 *
 * <p>The figures JMH cannot aggregate (maximum latency, STS calls per refresh) are written by the measurement
 * iteration to {@code refresh-PROVIDER-PAUSE-PID.properties} in the directory named by the system property
 * {@value #OUTPUT_DIR_PROPERTY}, or printed when it is not set.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(64)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 1, time = 8)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class RefreshUnderLoadBenchmark {

    /** How long the stub takes to answer. */
    public static final Duration STS_DELAY = Duration.ofMillis(200);
    /** How long the stub's credentials last. */
    public static final Duration SESSION = Duration.ofSeconds(4);
    /** Every provider's prefetch time. */
    public static final Duration PREFETCH = Duration.ofSeconds(2);
    /** Every provider's stale time. */
    public static final Duration STALE = Duration.ofSeconds(1);
    /** The system property naming the directory for the figures JMH cannot aggregate. */
    public static final String OUTPUT_DIR_PROPERTY = "keyless.bench.out";

    /**
     * STS calls closer together than this are counted as one refresh: a provider refreshes at the earliest 1.25 s
     * after the last one (Keyless: half the remaining validity; the SDK: 2 s).
     */
    static final long SAME_REFRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(750);

    /** How far either side of an STS call's arrival and answer a call still counts as during the refresh. */
    static final long REFRESH_MARGIN_MILLIS = 50;

    /**
     * Calls {@code resolveCredentials()} once, timed.
     *
     * @param load the shared provider
     * @param caller this thread's figures
     * @return the credentials
     */
    @Benchmark
    public AwsCredentials resolveCredentials(Load load, Caller caller) {
        long start = System.nanoTime();
        AwsCredentials credentials = load.credentials.resolveCredentials();
        long took = System.nanoTime() - start;
        caller.record(start, took, credentials, load);
        if (load.pauseNanos > 0) {
            LockSupport.parkNanos(load.pauseNanos);
        }
        return credentials;
    }

    /** The provider, the stub, and the figures of the iteration in progress. */
    @State(Scope.Benchmark)
    public static class Load {

        /** Which provider; see {@link Contender}. */
        @Param({"keyless", "sdk", "sdkAsync", "static"})
        public String provider;

        /** How long each caller parks between calls, 0 to spin. */
        @Param({"0", "1000"})
        public int pauseMicros;

        AwsCredentialsProvider credentials;
        long pauseNanos;
        final Set<Caller> callers = ConcurrentHashMap.newKeySet();
        final Set<String> keysSeen = ConcurrentHashMap.newKeySet();
        private Rig rig;
        private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        private int stsCallsBefore;
        private int threadsBefore;
        private long windowStart;

        /**
         * Starts the stub and primes the provider.
         *
         * @throws IOException if the stub cannot start
         */
        @Setup(Level.Trial)
        public void setUp() throws IOException {
            rig = Rig.start(STS_DELAY, SESSION);
            pauseNanos = TimeUnit.MICROSECONDS.toNanos(pauseMicros);
            credentials = Contender.of(provider).buildWith(rig.client(), rig.tokenFile(), PREFETCH, STALE);
            credentials.resolveCredentials();
        }

        /** Starts counting. */
        @Setup(Level.Iteration)
        public void startWindow() {
            keysSeen.clear();
            stsCallsBefore = rig.sts().calls();
            threadsBefore = threads.getThreadCount();
            threads.resetPeakThreadCount();
            windowStart = System.nanoTime();
        }

        /**
         * Writes the measurement iteration's figures.
         *
         * @param iteration which iteration ended
         */
        @TearDown(Level.Iteration)
        public void endWindow(IterationParams iteration) {
            long windowEnd = System.nanoTime();
            int peakThreads = threads.getPeakThreadCount();
            if (iteration.getType() != IterationType.MEASUREMENT) {
                return;
            }
            long[] stsCalls = rig.sts().callTimesSince(stsCallsBefore);
            Properties figures = figures(windowStart, windowEnd, stsCalls);
            figures.setProperty("jvmThreadsAtStart", Integer.toString(threadsBefore));
            figures.setProperty("jvmThreadsPeak", Integer.toString(peakThreads));
            String dir = System.getProperty(OUTPUT_DIR_PROPERTY);
            if (dir == null) {
                System.out.println();
                figures.forEach((k, v) -> System.out.println("    " + k + " = " + v));
                return;
            }
            Path file = Path.of(dir, "refresh-" + provider + "-" + pauseMicros + "-" + ProcessHandle.current().pid()
                    + ".properties");
            try (OutputStream out = Files.newOutputStream(file)) {
                figures.store(out, "RefreshUnderLoadBenchmark measurement iteration");
            } catch (IOException e) {
                throw new UncheckedIOException("Could not write " + file, e);
            }
        }

        /** Closes the provider and the stub. */
        @TearDown(Level.Trial)
        public void tearDown() {
            Contender.close(credentials);
            rig.close();
        }

        private Properties figures(long windowStart, long windowEnd, long[] stsCalls) {
            long calls = 0;
            long over1ms = 0;
            long over100ms = 0;
            long max = 0;
            long maxStart = 0;
            long[] histogram = new long[Caller.BUCKETS];
            for (Caller c : callers) {
                calls += c.calls;
                over1ms += c.over1ms;
                over100ms += c.over100ms;
                if (c.max > max) {
                    max = c.max;
                    maxStart = c.maxStart;
                }
                for (int i = 0; i < histogram.length; i++) {
                    histogram[i] += c.histogram[i];
                }
            }
            int refreshes = 0;
            int maxPerRefresh = 0;
            int inThisRefresh = 0;
            long previous = Long.MIN_VALUE;
            for (long t : stsCalls) {
                if (previous == Long.MIN_VALUE || t - previous > SAME_REFRESH_NANOS) {
                    refreshes++;
                    inThisRefresh = 0;
                }
                inThisRefresh++;
                maxPerRefresh = Math.max(maxPerRefresh, inThisRefresh);
                previous = t;
            }
            long slowDuringRefresh = 0;
            List<String> slowest = new ArrayList<>();
            for (Caller c : callers) {
                for (int i = 0; i < c.slowKept; i++) {
                    long start = c.slowStart[i];
                    long end = start + c.slowTook[i];
                    long nearest = nearest(stsCalls, start);
                    if (duringRefresh(stsCalls, start, end)) {
                        slowDuringRefresh++;
                    }
                    slowest.add(String.format(Locale.ROOT, "%.1f ms, %.0f ms into the measurement, %s",
                            c.slowTook[i] / 1e6, (start - windowStart) / 1e6, nearest == Long.MIN_VALUE
                                    ? "no STS call" : String.format(Locale.ROOT, "%+.1f ms from an STS call",
                                            (start - nearest) / 1e6)));
                }
            }
            slowest.sort(Comparator.comparingDouble((String x) -> Double.parseDouble(x.substring(0, x.indexOf(' '))))
                    .reversed());
            long worstStart = maxStart;
            long worstEnd = maxStart + max;
            boolean worstOverlapsSts = Arrays.stream(stsCalls).anyMatch(t -> t >= worstStart - 1_000_000 && t <= worstEnd);

            Properties p = new Properties();
            p.setProperty("provider", provider);
            p.setProperty("pauseMicros", Integer.toString(pauseMicros));
            p.setProperty("threads", Integer.toString(callers.size()));
            p.setProperty("windowNanos", Long.toString(windowEnd - windowStart));
            p.setProperty("calls", Long.toString(calls));
            p.setProperty("callsOver1ms", Long.toString(over1ms));
            p.setProperty("callsOver100ms", Long.toString(over100ms));
            p.setProperty("callsOver1msDuringRefresh", Long.toString(slowDuringRefresh));
            p.setProperty("slowestCalls", String.join("; ", slowest.subList(0, Math.min(10, slowest.size()))));
            p.setProperty("maxNanos", Long.toString(max));
            p.setProperty("maxOverlapsStsCall", Boolean.toString(worstOverlapsSts));
            p.setProperty("p99Nanos", Long.toString(Caller.percentile(histogram, calls, 0.99)));
            p.setProperty("p999Nanos", Long.toString(Caller.percentile(histogram, calls, 0.999)));
            p.setProperty("p9999Nanos", Long.toString(Caller.percentile(histogram, calls, 0.9999)));
            p.setProperty("histogram", Arrays.stream(histogram).mapToObj(Long::toString)
                    .collect(Collectors.joining(",")));
            p.setProperty("stsCalls", Integer.toString(stsCalls.length));
            p.setProperty("refreshes", Integer.toString(refreshes));
            p.setProperty("maxStsCallsPerRefresh", Integer.toString(maxPerRefresh));
            p.setProperty("credentialsSeen", Integer.toString(keysSeen.size()));
            return p;
        }
    }

    /** The STS call arrival closest to {@code t}, or {@link Long#MIN_VALUE} if there is none. */
    static long nearest(long[] stsCalls, long t) {
        long best = Long.MIN_VALUE;
        for (long a : stsCalls) {
            if (best == Long.MIN_VALUE || Math.abs(a - t) < Math.abs(best - t)) {
                best = a;
            }
        }
        return best;
    }

    /**
     * Whether a call from {@code start} to {@code end} overlaps a refresh: from {@value #REFRESH_MARGIN_MILLIS} ms
     * before an STS call arrives (the provider reads the token and sends the request) to the stub's delay plus as
     * much again after it (the answer is parsed and cached).
     */
    static boolean duringRefresh(long[] stsCalls, long start, long end) {
        long margin = TimeUnit.MILLISECONDS.toNanos(REFRESH_MARGIN_MILLIS);
        for (long a : stsCalls) {
            if (end >= a - margin && start <= a + STS_DELAY.toNanos() + margin) {
                return true;
            }
        }
        return false;
    }

    /**
     * One calling thread's figures for the iteration in progress: call count, maximum, and a histogram with four
     * buckets per power of two (values within 25%).
     */
    @State(Scope.Thread)
    public static class Caller {
        /** Histogram buckets: four per power of two up to 2^63 ns. */
        public static final int BUCKETS = 256;
        static final int SLOW_KEPT = 64;

        long calls;
        long over1ms;
        long over100ms;
        long max;
        long maxStart;
        final long[] histogram = new long[BUCKETS];
        /** Start and duration of this thread's first {@value #SLOW_KEPT} calls of 1 ms or more. */
        final long[] slowStart = new long[SLOW_KEPT];
        final long[] slowTook = new long[SLOW_KEPT];
        int slowKept;
        private String lastKey;

        /**
         * Clears the figures and registers with the shared state.
         *
         * @param load the shared state
         */
        @Setup(Level.Iteration)
        public void reset(Load load) {
            calls = 0;
            over1ms = 0;
            over100ms = 0;
            max = 0;
            maxStart = 0;
            slowKept = 0;
            lastKey = null;
            Arrays.fill(histogram, 0);
            load.callers.add(this);
        }

        void record(long start, long took, AwsCredentials credentials, Load load) {
            calls++;
            histogram[bucket(took)]++;
            if (took >= 1_000_000) {
                over1ms++;
                if (slowKept < SLOW_KEPT) {
                    slowStart[slowKept] = start;
                    slowTook[slowKept++] = took;
                }
                if (took >= 100_000_000) {
                    over100ms++;
                }
            }
            if (took > max) {
                max = took;
                maxStart = start;
            }
            String key = credentials.accessKeyId();
            if (key != lastKey) {
                lastKey = key;
                load.keysSeen.add(key);
            }
        }

        /**
         * The bucket that holds {@code nanos}.
         *
         * @param nanos a duration
         * @return its bucket
         */
        public static int bucket(long nanos) {
            long v = Math.max(1, nanos);
            int log2 = 63 - Long.numberOfLeadingZeros(v);
            if (log2 < 2) {
                return (int) v;
            }
            return Math.min(BUCKETS - 1, (log2 << 2) | (int) ((v >>> (log2 - 2)) & 3));
        }

        /**
         * The largest value bucket {@code b} holds.
         *
         * @param b a bucket
         * @return its upper bound
         */
        public static long bucketMax(int b) {
            if (b < 8) {
                return b;
            }
            int log2 = b >>> 2;
            long sub = b & 3;
            return ((4 + sub + 1) << (log2 - 2)) - 1;
        }

        /**
         * The value at quantile {@code q} of a histogram, as the upper bound of its bucket.
         *
         * @param histogram counts per bucket
         * @param count the sum of the counts
         * @param q the quantile, e.g. 0.999
         * @return the value, or 0 for an empty histogram
         */
        public static long percentile(long[] histogram, long count, double q) {
            long rank = (long) Math.ceil(q * count);
            long seen = 0;
            for (int b = 0; b < histogram.length; b++) {
                seen += histogram[b];
                if (seen >= rank && seen > 0) {
                    return bucketMax(b);
                }
            }
            return 0;
        }
    }
}
