package dev.keyless.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RefreshUnderLoadBenchmarkTest {

    @Test
    void histogramBuckets_holdTheirValuesWithin25Percent() {
        for (long v = 1; v < 10_000_000_000L; v = v * 3 / 2 + 1) {
            int bucket = RefreshUnderLoadBenchmark.Caller.bucket(v);
            long max = RefreshUnderLoadBenchmark.Caller.bucketMax(bucket);
            assertThat(max).as("bucket %d of %d", bucket, v).isGreaterThanOrEqualTo(v).isLessThanOrEqualTo(v + v / 4 + 1);
            assertThat(bucket).isLessThan(RefreshUnderLoadBenchmark.Caller.BUCKETS);
        }
    }

    @Test
    void percentile_isTheBucketHoldingThatRank() {
        long[] histogram = new long[RefreshUnderLoadBenchmark.Caller.BUCKETS];
        for (int i = 0; i < 999; i++) {
            histogram[RefreshUnderLoadBenchmark.Caller.bucket(100)]++;
        }
        histogram[RefreshUnderLoadBenchmark.Caller.bucket(200_000_000)]++;

        assertThat(RefreshUnderLoadBenchmark.Caller.percentile(histogram, 1000, 0.99)).isBetween(100L, 125L);
        assertThat(RefreshUnderLoadBenchmark.Caller.percentile(histogram, 1000, 0.9999))
                .isBetween(200_000_000L, 250_000_000L);
    }
}
