package dev.keyless.benchmarks.scale;

import dev.keyless.testing.fleet.FleetSimulation;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Core's {@code FleetSimulation} in full: 10,000 pods, a 5-minute rolling restart, 24 simulated hours, with and
 * without jitter, with no rate limit and with one that the restart exceeds. Draws STS calls per second over time
 * (a PNG) and writes the figures as a Markdown section.
 */
public final class FleetReport {

    public static final int PODS = 10_000;
    public static final Duration SIMULATED = Duration.ofHours(24);
    /** A rate the restart (10,000 calls in 5 minutes, 33/s on average) exceeds. */
    static final int THROTTLED_LIMIT = 20;

    private FleetReport() {
    }

    /** One simulated configuration. */
    public record Run(String name, FleetSimulation.Result result, Duration took) {
    }

    /**
     * Runs every configuration.
     *
     * @param pods pods per run (10,000 in full)
     * @param simulated how long each run lasts (24 hours in full)
     * @return the runs
     */
    public static List<Run> simulate(int pods, Duration simulated) {
        List<Run> runs = new ArrayList<>();
        for (int limit : new int[] {0, THROTTLED_LIMIT}) {
            for (boolean jitter : new boolean[] {true, false}) {
                long start = System.nanoTime();
                FleetSimulation.Result r = FleetSimulation.run(
                        FleetSimulation.Config.of(pods, simulated, limit).withJitter(jitter));
                runs.add(new Run(jitter ? "Keyless" : "no jitter = SDK's fixed prefetch (model)", r,
                        Duration.ofNanos(System.nanoTime() - start)));
            }
        }
        return runs;
    }

    /**
     * Draws STS calls per second (averaged per minute) over the day, one line per unthrottled run.
     *
     * @param runs the runs
     * @param png where to write the plot
     * @throws IOException if it cannot be written
     */
    public static void plot(List<Run> runs, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(1200).height(500)
                .title("STS calls per second, " + String.format(Locale.ROOT, "%,d", runs.get(0).result().config().pods())
                        + " pods after a 5-minute rolling restart (per-minute average, no rate limit)")
                .xAxisTitle("hours since the restart began").yAxisTitle("STS calls per second").build();
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setMarkerSize(0);
        Color[] colors = {new Color(0x1f77b4), new Color(0xd62728)};
        int c = 0;
        for (Run run : runs) {
            if (run.result().config().stsCallsPerSecond() != 0) {
                continue;
            }
            int[] perMinute = run.result().callsPerMinute();
            double[] x = new double[perMinute.length];
            double[] y = new double[perMinute.length];
            for (int m = 0; m < perMinute.length; m++) {
                x[m] = m / 60.0;
                y[m] = perMinute[m] / 60.0;
            }
            XYSeries s = chart.addSeries(run.name(), x, y);
            s.setMarker(SeriesMarkers.NONE);
            s.setLineColor(colors[c++ % colors.length]);
            s.setLineStyle(new BasicStroke(1.2f));
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /**
     * The Markdown section.
     *
     * @param runs the runs
     * @param png the plot's path relative to BENCHMARKS.md
     * @return the section, from its heading
     */
    public static String markdown(List<Run> runs, String png) {
        StringBuilder md = new StringBuilder();
        FleetSimulation.Config first = runs.get(0).result().config();
        md.append("## Fleet: ").append(String.format(Locale.ROOT, "%,d", first.pods())).append(" pods against one "
                + "account's STS\n\n");
        md.append("Core's `FleetSimulation` (`core/src/test/java/dev/keyless/testing/fleet/`): every pod is one real "
                + "`Refresher`, the machine behind `WebIdentityCredentialsProvider`, all on one virtual clock. The pods "
                + "start at random moments of a " + first.restartOver().toMinutes() + "-minute rolling restart, each "
                + "fetching credentials as it starts, then run for " + first.simulated().toHours() + " simulated hours; "
                + "sessions last " + first.session().toMinutes() + " minutes, prefetch " + first.prefetch().toMinutes()
                + " minutes, stale " + first.stale().toMinutes() + " minute. STS answers at once, and `Throttling` to "
                + "every call beyond its limit in a second. \"No jitter\" draws every random number as 0: refreshes "
                + "at exactly expiry − 5 minutes, which is how the AWS SDK's fixed prefetch is modelled here (the "
                + "SDK's code does not run in the simulation). A pod *waits* while it has no valid credentials.\n\n");
        md.append("![STS calls per second over 24 hours](").append(png).append(")\n\n");
        md.append("| refresh timing | STS limit | STS calls | throttled | peak calls/s, restart | peak calls/s, "
                + "after it | hours 12–24: mean calls/s | p99 | max | pods that waited | longest wait | p99 wait "
                + "| simulated in |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Run run : runs) {
            FleetSimulation.Result r = run.result();
            int seconds = r.callsPerSecond().length;
            md.append("| ").append(run.name()).append(" | ")
                    .append(r.config().stsCallsPerSecond() == 0 ? "none" : r.config().stsCallsPerSecond() + "/s")
                    .append(" | ").append(String.format(Locale.ROOT, "%,d", r.stsCalls()))
                    .append(" | ").append(String.format(Locale.ROOT, "%,d", r.throttled()))
                    .append(" | ").append(r.peakCallsPerSecond(0, r.config().restartOver().toSeconds()))
                    .append(" | ").append(r.peakAfterRestart())
                    .append(" | ").append(String.format(Locale.ROOT, "%.2f", r.meanCallsPerSecondSecondHalf()))
                    .append(" | ").append(r.callsPerSecondQuantile(0.99, seconds / 2, seconds))
                    .append(" | ").append(r.peakCallsPerSecond(seconds / 2, seconds))
                    .append(" | ").append(String.format(Locale.ROOT, "%,d", r.podsThatWaited()))
                    .append(" | ").append(seconds(r.longestWaitMillis()))
                    .append(" | ").append(seconds(r.waitQuantileMillis(0.99)))
                    .append(" | ").append(String.format(Locale.ROOT, "%.1f s", run.took().toMillis() / 1000.0))
                    .append(" |\n");
        }
        md.append("\nEvery run ends with every refresher closed and nothing left scheduled (").append(
                runs.stream().mapToInt(r -> r.result().tasksLeftAfterClose()).sum()).append(" tasks left in all).\n");
        return md.toString();
    }

    private static String seconds(long millis) {
        return millis == 0 ? "0" : String.format(Locale.ROOT, "%.0f s", millis / 1000.0);
    }
}
