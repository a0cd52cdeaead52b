package dev.keyless.benchmarks.suite;

import dev.keyless.benchmarks.scale.FleetReport;
import dev.keyless.benchmarks.scale.ManyProviders;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * The scale parts of the suite, {@code providers} and {@code fleet}. Each writes its own section of
 * {@code BENCHMARKS.md} between markers ({@code <!-- providers:begin -->} ... {@code <!-- providers:end -->}),
 * replacing only that section, so running one part leaves every other figure as it was; {@link Report} carries
 * the sections over when it rewrites the file.
 */
final class Scale {

    static final List<String> PARTS = List.of("providers", "fleet");
    static final String[] CONTENDERS = {"keyless", "sdk", "sdkAsync"};
    static final int[] COUNTS = {1, 100, 1_000};

    private Scale() {
    }

    static String begin(String part) {
        return "<!-- " + part + ":begin (written by benchmarks/run.sh --only " + part + ") -->";
    }

    static String end(String part) {
        return "<!-- " + part + ":end -->";
    }

    /** The part's section in {@code text}, markers included, or {@code null}. */
    static String section(String text, String part) {
        int from = text.indexOf(begin(part));
        int to = text.indexOf(end(part));
        return from < 0 || to < from ? null : text.substring(from, to + end(part).length());
    }

    /**
     * {@code text} with the part's section replaced by {@code body}, or inserted before "## How it is measured"
     * (else before the hand-written analysis, else at the end).
     */
    static String splice(String text, String part, String body) {
        String block = begin(part) + "\n" + body.strip() + "\n" + end(part);
        String old = section(text, part);
        if (old != null) {
            return text.replace(old, block);
        }
        int at = text.indexOf("## How it is measured");
        if (at < 0) {
            at = text.indexOf(Report.ANALYSIS_MARKER);
        }
        if (at < 0) {
            return text + "\n" + block + "\n";
        }
        return text.substring(0, at) + block + "\n\n" + text.substring(at);
    }

    static void write(Path out, String part, String body) throws IOException {
        String previous = Files.exists(out) ? Files.readString(out) : "";
        Files.writeString(out, splice(previous, part, body), StandardCharsets.UTF_8);
    }

    /** The fleet simulation in full, its plot next to {@code out}'s {@code benchmarks/} folder. */
    static String fleet(Path out, boolean quick) throws IOException {
        System.out.println("Suite: fleet simulation" + (quick ? " (quick)" : "") + " ...");
        int pods = quick ? 1_000 : FleetReport.PODS;
        Duration simulated = quick ? Duration.ofHours(4) : FleetReport.SIMULATED;
        List<FleetReport.Run> runs = FleetReport.simulate(pods, simulated);
        Path root = out.toAbsolutePath().getParent();
        Path png = root.resolve("benchmarks").resolve("fleet-sts-calls.png");
        Files.createDirectories(png.getParent());
        FleetReport.plot(runs, png);
        return (quick ? "> **QUICK RUN**: " + pods + " pods, " + simulated.toHours() + " hours.\n\n" : "")
                + FleetReport.markdown(runs, root.relativize(png).toString().replace('\\', '/'));
    }

    /** N providers per fresh JVM, for each contender and count. */
    static String providers(Path work, boolean quick) throws IOException, InterruptedException {
        System.out.println("Suite: many providers in one JVM" + (quick ? " (quick)" : "") + " ...");
        Path dir = Files.createDirectories(work.resolve("providers"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Properties> rows = new ArrayList<>();
        for (int n : COUNTS) {
            for (String contender : CONTENDERS) {
                Path file = dir.resolve(contender + "-" + n + ".properties");
                Files.deleteIfExists(file);
                Process p = new ProcessBuilder(java, "-Xms1g", "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                        ManyProviders.class.getName(), contender, Integer.toString(n), file.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(work.resolve("providers-" + contender + "-" + n + ".log").toFile())
                        .start();
                if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                    throw new IllegalStateException("ManyProviders " + contender + " " + n + " failed; see "
                            + work.resolve("providers-" + contender + "-" + n + ".log"));
                }
                Properties props = new Properties();
                try (InputStream in = Files.newInputStream(file)) {
                    props.load(in);
                }
                rows.add(props);
                System.out.println("Suite:   " + contender + " × " + n + ": " + props);
            }
        }
        StringBuilder md = new StringBuilder();
        md.append("## Many providers in one JVM\n\n");
        md.append("1, 100 and 1,000 providers in one fresh JVM each (`-Xmx1g`), each for its own role, all on one "
                + "in-JVM STS (`InJvmSts` from core's test fixtures: 2 ms a call, credentials lasting 8 s; prefetch "
                + "4 s, stale 1 s, so every provider refreshes several times), used by 8 caller threads that call "
                + "every provider in turn for 12 s. Threads: live JVM threads before the providers were built "
                + "(the 8 callers included), and the most at any moment after. Heap: used heap after GC with every "
                + "provider built and holding credentials, less before, per provider. STS calls per refresh: calls "
                + "after the first fetch, divided by the distinct credentials callers were handed after it "
                + "(1.00: one call per refresh). After close: threads alive 2 s after every provider was closed that "
                + "were not there before, by name and state.\n\n");
        md.append("| provider | providers | threads before → peak | heap per provider | STS calls (first fetch + "
                + "refreshes) | STS calls per refresh | slowest call | left after close |\n");
        md.append("|---|---|---|---|---|---|---|---|\n");
        for (Properties r : rows) {
            long first = Long.parseLong(r.getProperty("stsCallsFirst"));
            long calls = Long.parseLong(r.getProperty("stsCalls"));
            int n = Integer.parseInt(r.getProperty("providers"));
            long seen = Long.parseLong(r.getProperty("credentialsSeen"));
            long refreshedSeen = Math.max(1, seen - n);
            md.append("| ").append(name(r.getProperty("contender"))).append(" | ").append(String.format(Locale.ROOT,
                    "%,d", n)).append(" | ").append(r.getProperty("threadsBefore")).append(" → ")
                    .append(r.getProperty("threadsPeak")).append(" | ")
                    .append(n == 1 ? "—" : String.format(Locale.ROOT, "%,d B",
                            Long.parseLong(r.getProperty("heapPerProvider"))))
                    .append(" | ").append(String.format(Locale.ROOT, "%,d + %,d", first, calls - first))
                    .append(" | ").append(String.format(Locale.ROOT, "%.2f", (double) (calls - first) / refreshedSeen))
                    .append(" | ").append(Report.duration(Long.parseLong(r.getProperty("slowestNanos"))))
                    .append(" | ").append(r.getProperty("leftAfterClose").equals("{}") ? "nothing"
                            : r.getProperty("leftAfterClose").replaceAll("[{}]", "").replace("=", " × "))
                    .append(" |\n");
        }
        return md.toString();
    }

    private static String name(String contender) {
        switch (contender) {
            case "keyless":
                return "Keyless";
            case "sdk":
                return "SDK";
            default:
                return "SDK, async";
        }
    }
}
