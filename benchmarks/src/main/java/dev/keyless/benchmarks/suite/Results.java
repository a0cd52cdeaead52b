package dev.keyless.benchmarks.suite;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What a run of the {@link Suite} measured; a part not run stays empty. Not thread-safe. */
final class Results {

    /**
     * The hot path of one provider at one thread count.
     *
     * @param provider the contender id
     * @param threads calling threads
     * @param nanos mean ns per call
     * @param nanosError the 99.9% confidence half-width
     * @param bytesPerCall bytes allocated per call ({@code -prof gc}), or NaN
     */
    record HotPath(String provider, int threads, double nanos, double nanosError, double bytesPerCall) {
    }

    /**
     * Refresh under load, one provider, one pacing, over one or more JVMs.
     *
     * @param provider the contender id
     * @param pauseMicros the pause between a caller's calls
     * @param callsPerSecond JMH's throughput, all threads, mean over the JVMs
     * @param calls calls timed
     * @param jvmMaxNanos the slowest call in each JVM
     * @param maxOverlapsStsCall whether an STS call arrived while the slowest call of all was waiting
     * @param p99Nanos 99th percentile (upper bound of its bucket, within 25%)
     * @param p999Nanos 99.9th percentile
     * @param p9999Nanos 99.99th percentile
     * @param over1ms calls that took 1 ms or more
     * @param over1msDuringRefresh calls of 1 ms or more that overlapped a refresh (50 ms either side of an STS call)
     * @param slowestCalls each JVM's slowest calls of 1 ms or more, each with its start relative to the nearest STS
     *     call
     * @param over100ms calls that took 100 ms or more
     * @param stsCalls STS calls during the measurement
     * @param refreshes STS calls grouped into refreshes
     * @param maxStsCallsPerRefresh the most STS calls in one refresh
     * @param credentialsSeen distinct credentials callers got, summed over the JVMs
     * @param jvmThreadsAtStart live JVM threads when the measurement started (the most in any JVM)
     * @param jvmThreadsPeak the most live JVM threads during it
     */
    record Refresh(String provider, int pauseMicros, double callsPerSecond, long calls, List<Long> jvmMaxNanos,
                   boolean maxOverlapsStsCall, long p99Nanos, long p999Nanos, long p9999Nanos, long over1ms,
                   long over1msDuringRefresh, List<String> slowestCalls, long over100ms, int stsCalls, int refreshes,
                   int maxStsCallsPerRefresh, int credentialsSeen, int jvmThreadsAtStart, int jvmThreadsPeak) {

        /**
         * The slowest call in any JVM.
         *
         * @return nanoseconds
         */
        long maxNanos() {
            return jvmMaxNanos.stream().mapToLong(Long::longValue).max().orElse(0);
        }
    }

    /**
     * New provider to first credentials.
     *
     * @param provider the contender id
     * @param warmStsClient whether the shared client had made a call before
     * @param samples measured runs
     * @param medianMillis median
     * @param meanMillis mean
     * @param minMillis fastest
     * @param maxMillis slowest
     * @param medianClassesLoaded median classes loaded during the timed call, or NaN
     */
    record Start(String provider, boolean warmStsClient, long samples, double medianMillis, double meanMillis,
                 double minMillis, double maxMillis, double medianClassesLoaded) {
    }

    /**
     * One container-credentials GET answered over loopback.
     *
     * @param server {@code serve} (keyless serve) or {@code static} (the floor)
     * @param clients concurrent clients
     * @param micros mean µs per request, as each client sees it
     * @param microsError the 99.9% confidence half-width
     */
    record Serve(String server, int clients, double micros, double microsError) {
    }

    final List<HotPath> hotPath = new ArrayList<>();
    final List<Serve> serve = new ArrayList<>();
    final List<Refresh> refresh = new ArrayList<>();
    final List<Start> coldStart = new ArrayList<>();
    final List<Start> warmStart = new ArrayList<>();
    Footprint footprint;

    Optional<HotPath> hotPath(String provider, int threads) {
        return hotPath.stream().filter(h -> h.provider().equals(provider) && h.threads() == threads).findFirst();
    }

    Optional<Refresh> refresh(String provider, int pauseMicros) {
        return refresh.stream().filter(r -> r.provider().equals(provider) && r.pauseMicros() == pauseMicros)
                .findFirst();
    }

    Optional<Start> coldStart(String provider, boolean warmStsClient) {
        return coldStart.stream()
                .filter(s -> s.provider().equals(provider) && s.warmStsClient() == warmStsClient).findFirst();
    }

    Optional<Serve> serve(String server, int clients) {
        return serve.stream().filter(s -> s.server().equals(server) && s.clients() == clients).findFirst();
    }

    Optional<Start> warmStart(String provider) {
        return warmStart.stream().filter(s -> s.provider().equals(provider)).findFirst();
    }
}
