package dev.keyless.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyless.testing.fleet.FleetSimulation;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The fleet simulation in reduced form: 500 pods, each one real refresher, restarted over 5 minutes and run for 2
 * simulated hours against an STS stand-in that throttles above a rate. The full form (10,000 pods, 24 hours,
 * with a plot) is {@code benchmarks/run.sh --only fleet}.
 */
class FleetSimulationTest {

    private static final int PODS = 500;
    private static final Duration HOURS = Duration.ofHours(2);
    /** The most a transient failure is backed off: the refresher's cap. */
    private static final long MAX_BACKOFF_SECONDS = 60;

    @Test
    void rollingRestart_underTheRateLimit_noThrottlingNoPodWaitsNothingLeftScheduled() {
        // 500 starts in 5 minutes are 1.7 calls/s on average and 6 in the busiest second (random starts bunch).
        FleetSimulation.Result r = FleetSimulation.run(FleetSimulation.Config.of(PODS, HOURS, 10));

        Figures.record("fleet-500-unthrottled", r.summary());
        assertThat(r.throttled()).as(r.summary()).isZero();
        assertThat(r.podsThatWaited()).as(r.summary()).isZero();
        assertThat(r.peakAfterRestart()).as("refreshes never bunch worse than the restart did: " + r.summary())
                .isLessThanOrEqualTo(r.peakCallsPerSecond(0, 300) + 2);
        // One call at start and one refresh every 52.5 to 55 minutes: three calls per pod in two hours.
        assertThat(r.stsCalls()).as(r.summary()).isLessThanOrEqualTo(3L * PODS);
        assertThat(r.tasksLeftAfterClose()).as("nothing scheduled once every refresher is closed").isZero();
    }

    @Test
    void rollingRestart_overTheRateLimit_everyPodServedWithinTheDrainTime_retriesBounded() {
        // 1 call/s: the restart asks for 500 credentials in 5 minutes, STS serves one a second.
        int limit = 1;
        FleetSimulation.Result r = FleetSimulation.run(FleetSimulation.Config.of(PODS, HOURS, limit));

        Figures.record("fleet-500-throttled", r.summary());
        long drainSeconds = PODS / limit;
        assertThat(r.longestWaitMillis())
                .as("no pod waits longer than STS needs to serve the whole fleet once, plus two of the longest "
                        + "backoffs: " + r.summary())
                .isLessThanOrEqualTo((drainSeconds + 2 * MAX_BACKOFF_SECONDS) * 1000);
        // A waiting pod retries after 1, 2, 4 ... s, then every 30 to 60 s: over the drain, at most ~7 + drain/30
        // calls each. A retry loop (or a backoff that forgot to double) would be far above.
        long retryBound = PODS * (7 + drainSeconds / 30);
        assertThat(r.throttled()).as("throttling answers: " + r.summary()).isLessThanOrEqualTo(retryBound);
        assertThat(r.waitQuantileMillis(1.0)).isEqualTo(r.longestWaitMillis());
        assertThat(r.tasksLeftAfterClose()).isZero();
    }

    @Test
    void rollingRestart_refreshesDriftApartWithinTwoRefreshes() {
        // Started within 5 minutes, the pods' first refreshes come in a 7.5-minute wave 52.5 to 60 minutes in
        // (jitter of up to half the prefetch time cannot spread them more). The refresh after it is spread over
        // the validity, so there is no second wave like the first.
        FleetSimulation.Result r = FleetSimulation.run(FleetSimulation.Config.of(PODS, HOURS, 0));
        int[] perMinute = r.callsPerMinute();
        int firstWave = Arrays.stream(perMinute, 45, 75).max().orElseThrow();
        int afterIt = Arrays.stream(perMinute, 75, perMinute.length).max().orElseThrow();

        String figures = "busiest minute of the first refresh wave " + firstWave + " calls, busiest minute after it "
                + afterIt + "; " + r.summary();
        Figures.record("fleet-500-spread", figures);
        assertThat(afterIt).as(figures).isLessThanOrEqualTo(firstWave / 2);
        assertThat(r.stsCalls()).as("one earlier refresh per pod at most").isLessThanOrEqualTo(3L * PODS);
    }
}
