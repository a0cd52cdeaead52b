package dev.keyless.benchmarks.suite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyless.benchmarks.RefreshUnderLoadBenchmark;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class SuiteTest {

    @Test
    void merge_sumsCountsAndKeepsEachJvmsSlowestCall() {
        Properties first = jvm(1000, 4, 4, 180_000_000L, 1, "180.0 ms, 30 ms into the measurement");
        Properties second = jvm(3000, 5, 4, 150_000L, 0, "");

        Results.Refresh merged = Suite.merge("keyless", 1000, 57_000, List.of(first, second));

        assertThat(merged.calls()).isEqualTo(4000);
        assertThat(merged.stsCalls()).isEqualTo(9);
        assertThat(merged.refreshes()).isEqualTo(8);
        assertThat(merged.jvmMaxNanos()).containsExactly(180_000_000L, 150_000L);
        assertThat(merged.maxNanos()).isEqualTo(180_000_000L);
        assertThat(merged.over1ms()).isEqualTo(1);
        assertThat(merged.slowestCalls()).containsExactly("180.0 ms, 30 ms into the measurement", "");
        assertThat(merged.p99Nanos()).isBetween(100L, 125L);
    }

    private static Properties jvm(long calls, int stsCalls, int refreshes, long max, int over1ms, String slowest) {
        long[] histogram = new long[RefreshUnderLoadBenchmark.Caller.BUCKETS];
        histogram[RefreshUnderLoadBenchmark.Caller.bucket(100)] = calls;
        StringBuilder counts = new StringBuilder();
        for (long c : histogram) {
            counts.append(counts.length() == 0 ? "" : ",").append(c);
        }
        Properties p = new Properties();
        p.setProperty("histogram", counts.toString());
        p.setProperty("calls", Long.toString(calls));
        p.setProperty("callsOver1ms", Integer.toString(over1ms));
        p.setProperty("callsOver1msDuringRefresh", "0");
        p.setProperty("callsOver100ms", Integer.toString(over1ms));
        p.setProperty("stsCalls", Integer.toString(stsCalls));
        p.setProperty("refreshes", Integer.toString(refreshes));
        p.setProperty("maxStsCallsPerRefresh", "1");
        p.setProperty("credentialsSeen", Integer.toString(refreshes + 1));
        p.setProperty("jvmThreadsAtStart", "76");
        p.setProperty("jvmThreadsPeak", "76");
        p.setProperty("maxNanos", Long.toString(max));
        p.setProperty("maxOverlapsStsCall", "false");
        p.setProperty("slowestCalls", slowest);
        return p;
    }
}
