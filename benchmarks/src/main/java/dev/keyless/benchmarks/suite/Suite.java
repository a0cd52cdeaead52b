package dev.keyless.benchmarks.suite;

import dev.keyless.benchmarks.ColdStartBenchmark;
import dev.keyless.benchmarks.HotPathBenchmark;
import dev.keyless.benchmarks.RefreshUnderLoadBenchmark;
import dev.keyless.benchmarks.ServeBenchmark;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.Statistics;

/**
 * Runs every benchmark through JMH's API and writes {@code BENCHMARKS.md}. {@code benchmarks/run.sh} calls it with
 * the class paths for the footprint; run by hand:
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.keyless.benchmarks.suite.Suite --out BENCHMARKS.md \
 *     [--work DIR] [--sts-classpath FILE --keyless-classpath FILE] \
 *     [--only hot,refresh,serve,cold,warm,providers,fleet] [--quick] [--revision TEXT] [--started-at EPOCH_SECONDS]
 * </pre>
 *
 * <p>{@code providers} and {@code fleet} ({@link Scale}) each rewrite only their own section of the file; the JMH
 * parts rewrite the rest, and only when at least one of them runs.
 *
 * <p>{@code --quick} shortens every run to check that the suite works; its figures are not for comparison and the
 * report says so. JMH's own output goes to {@code WORK/*.log}.
 */
public final class Suite {

    private static final String JVM_HEAP_MIN = "-Xms1g";
    private static final String JVM_HEAP_MAX = "-Xmx1g";

    private final Map<String, String> args;
    private final Path work;
    private final boolean quick;
    private final Set<String> only;

    private Suite(Map<String, String> args) {
        this.args = args;
        this.work = Path.of(args.getOrDefault("work", "benchmarks/target/run"));
        this.quick = args.containsKey("quick");
        this.only = args.containsKey("only") ? new HashSet<>(Arrays.asList(args.get("only").split(","))) : null;
    }

    /**
     * Runs the suite.
     *
     * @param argv the options above
     * @throws Exception if a benchmark or the report fails
     */
    public static void main(String[] argv) throws Exception {
        Map<String, String> args = parse(argv);
        if (!args.containsKey("out")) {
            System.err.println("usage: Suite --out BENCHMARKS.md [--work DIR] [--sts-classpath FILE "
                    + "--keyless-classpath FILE] [--only hot,refresh,serve,cold,warm,providers,fleet] [--quick] "
                    + "[--revision TEXT] "
                    + "[--started-at EPOCH_SECONDS]");
            System.exit(2);
        }
        new Suite(args).run();
    }

    private void run() throws Exception {
        Files.createDirectories(work);
        Machine machine = Machine.describe();
        Instant suiteStart = Instant.now();
        Results results = new Results();
        if (runs("hot")) {
            hotPath(results);
        }
        if (runs("refresh")) {
            refresh(results);
        }
        if (runs("serve")) {
            serve(results);
        }
        if (runs("cold")) {
            coldStart(results);
        }
        if (runs("warm")) {
            warmStart(results);
        }
        if (args.containsKey("sts-classpath") && args.containsKey("keyless-classpath")) {
            results.footprint = Footprint.compare(Path.of(args.get("sts-classpath")),
                    Path.of(args.get("keyless-classpath")));
        }
        Instant end = Instant.now();
        Instant started = args.containsKey("started-at")
                ? Instant.ofEpochSecond(Long.parseLong(args.get("started-at"))) : suiteStart;
        Path out = Path.of(args.get("out"));
        if (Stream.of("hot", "refresh", "serve", "cold", "warm").anyMatch(this::runs)) {
            Report report = new Report(machine, Machine.loadAverageNow(), args.getOrDefault("revision", "unknown"),
                    end, Duration.between(started, end), Duration.between(suiteStart, end), quick, results);
            String previous = Files.exists(out) ? Files.readString(out) : "";
            Files.writeString(out, report.markdown(previous), StandardCharsets.UTF_8);
        }
        if (runs("providers")) {
            Scale.write(out, "providers", Scale.providers(work, quick));
        }
        if (runs("fleet")) {
            Scale.write(out, "fleet", Scale.fleet(out, quick));
        }
        Instant done = Instant.now();
        System.out.println("Suite: wrote " + out + " in " + Duration.between(suiteStart, done).toSeconds()
                + " s of benchmarks (" + Duration.between(started, done).toSeconds() + " s in all)");
    }

    private boolean runs(String part) {
        return only == null || only.contains(part);
    }

    private void hotPath(Results results) throws RunnerException {
        ChainedOptionsBuilder options = options(HotPathBenchmark.class, "hotpath")
                .addProfiler(GCProfiler.class)
                .jvmArgsAppend(JVM_HEAP_MIN, JVM_HEAP_MAX);
        if (quick) {
            options.warmupIterations(1).warmupTime(TimeValue.milliseconds(300))
                    .measurementIterations(1).measurementTime(TimeValue.milliseconds(300));
        }
        for (RunResult r : run(options, "hot path: resolveCredentials() on cached credentials, 1 and 4 threads")) {
            Result<?> primary = r.getPrimaryResult();
            results.hotPath.add(new Results.HotPath(r.getParams().getParam("provider"), r.getParams().getThreads(),
                    primary.getScore(), primary.getScoreError(), secondary(r, "gc.alloc.rate.norm")));
        }
    }

    private void serve(Results results) throws RunnerException {
        ChainedOptionsBuilder options = options(ServeBenchmark.class, "serve").jvmArgsAppend(JVM_HEAP_MIN, JVM_HEAP_MAX);
        if (quick) {
            options.warmupIterations(1).warmupTime(TimeValue.milliseconds(500))
                    .measurementIterations(1).measurementTime(TimeValue.seconds(1));
        }
        for (RunResult r : run(options, "keyless serve: a cached answer over loopback, 1 and 64 clients")) {
            Result<?> primary = r.getPrimaryResult();
            results.serve.add(new Results.Serve(r.getParams().getParam("server"), r.getParams().getThreads(),
                    primary.getScore(), primary.getScoreError()));
        }
    }

    private void refresh(Results results) throws IOException, RunnerException {
        Path dir = freshDirectory("refresh");
        List<RunResult> runs = new ArrayList<>();
        // Paced callers in two JVMs, so a one-off stall of the machine shows as one; spinning callers are the
        // scheduler's in any case (see the control), one JVM is enough.
        for (int pause : new int[] {1000, 0}) {
            ChainedOptionsBuilder options = options(RefreshUnderLoadBenchmark.class, "refresh-" + pause)
                    .param("pauseMicros", Integer.toString(pause))
                    .forks(pause > 0 && !quick ? 2 : 1)
                    .jvmArgsAppend(JVM_HEAP_MIN, JVM_HEAP_MAX,
                            "-D" + RefreshUnderLoadBenchmark.OUTPUT_DIR_PROPERTY + "=" + dir.toAbsolutePath());
            if (quick) {
                options.warmupIterations(0).measurementTime(TimeValue.seconds(3));
            }
            runs.addAll(run(options, "refresh under load: 64 " + (pause > 0 ? "paced" : "spinning")
                    + " callers, STS answering after 200 ms"));
        }
        for (RunResult r : runs) {
            String provider = r.getParams().getParam("provider");
            int pause = Integer.parseInt(r.getParams().getParam("pauseMicros"));
            List<Properties> jvms = new ArrayList<>();
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files.sorted()::iterator) {
                    if (f.getFileName().toString().startsWith("refresh-" + provider + "-" + pause + "-")) {
                        jvms.add(load(f));
                    }
                }
            }
            if (jvms.isEmpty()) {
                throw new IllegalStateException("No figures from refresh under load for " + provider + ", pause "
                        + pause + " in " + dir);
            }
            results.refresh.add(merge(provider, pause, r.getPrimaryResult().getScore(), jvms));
        }
    }

    /** One provider's figures from each JVM it ran in, as one. */
    static Results.Refresh merge(String provider, int pause, double callsPerSecond, List<Properties> jvms) {
        long[] histogram = new long[RefreshUnderLoadBenchmark.Caller.BUCKETS];
        long calls = 0;
        long over1ms = 0;
        long over1msDuringRefresh = 0;
        long over100ms = 0;
        int stsCalls = 0;
        int refreshes = 0;
        int maxPerRefresh = 0;
        int credentialsSeen = 0;
        int threadsAtStart = 0;
        int threadsPeak = 0;
        long max = -1;
        boolean maxOverlaps = false;
        List<Long> jvmMax = new ArrayList<>();
        List<String> slowest = new ArrayList<>();
        for (Properties p : jvms) {
            String[] counts = p.getProperty("histogram", "").split(",");
            for (int i = 0; i < counts.length && i < histogram.length; i++) {
                histogram[i] += counts[i].isEmpty() ? 0 : Long.parseLong(counts[i]);
            }
            calls += longOf(p, "calls");
            over1ms += longOf(p, "callsOver1ms");
            over1msDuringRefresh += longOf(p, "callsOver1msDuringRefresh");
            over100ms += longOf(p, "callsOver100ms");
            stsCalls += (int) longOf(p, "stsCalls");
            refreshes += (int) longOf(p, "refreshes");
            maxPerRefresh = Math.max(maxPerRefresh, (int) longOf(p, "maxStsCallsPerRefresh"));
            credentialsSeen += (int) longOf(p, "credentialsSeen");
            threadsAtStart = Math.max(threadsAtStart, (int) longOf(p, "jvmThreadsAtStart"));
            threadsPeak = Math.max(threadsPeak, (int) longOf(p, "jvmThreadsPeak"));
            long jvm = longOf(p, "maxNanos");
            jvmMax.add(jvm);
            if (jvm > max) {
                max = jvm;
                maxOverlaps = Boolean.parseBoolean(p.getProperty("maxOverlapsStsCall"));
            }
            slowest.add(p.getProperty("slowestCalls", ""));
        }
        return new Results.Refresh(provider, pause, callsPerSecond, calls, jvmMax, maxOverlaps,
                RefreshUnderLoadBenchmark.Caller.percentile(histogram, calls, 0.99),
                RefreshUnderLoadBenchmark.Caller.percentile(histogram, calls, 0.999),
                RefreshUnderLoadBenchmark.Caller.percentile(histogram, calls, 0.9999),
                over1ms, over1msDuringRefresh, slowest, over100ms, stsCalls, refreshes, maxPerRefresh,
                credentialsSeen, threadsAtStart, threadsPeak);
    }

    private void coldStart(Results results) throws IOException, RunnerException {
        Path dir = freshDirectory("coldstart");
        ChainedOptionsBuilder options = options(ColdStartBenchmark.class, "coldstart")
                .jvmArgsAppend(JVM_HEAP_MIN, JVM_HEAP_MAX,
                        "-D" + RefreshUnderLoadBenchmark.OUTPUT_DIR_PROPERTY + "=" + dir.toAbsolutePath());
        if (quick) {
            options.forks(2);
        }
        for (RunResult r : run(options, "cold start: new provider to first credentials, one per fresh JVM")) {
            String provider = r.getParams().getParam("provider");
            boolean warmClient = Boolean.parseBoolean(r.getParams().getParam("warmStsClient"));
            List<Double> classes = new ArrayList<>();
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    if (f.getFileName().toString().startsWith("coldstart-" + provider + "-" + warmClient + "-")) {
                        classes.add((double) longOf(load(f), "classesLoaded"));
                    }
                }
            }
            results.coldStart.add(start(r, provider, warmClient, median(classes)));
        }
    }

    private void warmStart(Results results) throws RunnerException {
        ChainedOptionsBuilder options = options(ColdStartBenchmark.class, "warmstart")
                .param("warmStsClient", "true")
                .forks(1)
                .warmupIterations(quick ? 3 : 30)
                .measurementIterations(quick ? 5 : 50)
                .jvmArgsAppend(JVM_HEAP_MIN, JVM_HEAP_MAX);
        for (RunResult r : run(options, "new provider to first credentials in a warm JVM")) {
            results.warmStart.add(start(r, r.getParams().getParam("provider"), true, Double.NaN));
        }
    }

    /** An empty directory under the work directory: no figures from an earlier run can be read by mistake. */
    private Path freshDirectory(String name) throws IOException {
        Path dir = Files.createDirectories(work.resolve(name));
        try (Stream<Path> old = Files.list(dir)) {
            for (Path p : (Iterable<Path>) old::iterator) {
                Files.delete(p);
            }
        }
        return dir;
    }

    private ChainedOptionsBuilder options(Class<?> benchmark, String log) {
        return new OptionsBuilder()
                .include("^" + Pattern.quote(benchmark.getName()) + "\\.")
                .shouldFailOnError(true)
                .output(work.resolve(log + ".log").toString());
    }

    private Collection<RunResult> run(ChainedOptionsBuilder options, String what) throws RunnerException {
        Instant start = Instant.now();
        System.out.println("Suite: " + what + (quick ? " (quick)" : "") + " ...");
        Collection<RunResult> results = new Runner(options.build()).run();
        System.out.println("Suite:   done in " + Duration.between(start, Instant.now()).toSeconds() + " s");
        return results;
    }

    private static Results.Start start(RunResult r, String provider, boolean warmClient, double medianClasses) {
        Statistics s = r.getPrimaryResult().getStatistics();
        return new Results.Start(provider, warmClient, s.getN(), s.getPercentile(50), s.getMean(), s.getMin(),
                s.getMax(), medianClasses);
    }

    private static double secondary(RunResult r, String suffix) {
        return r.getSecondaryResults().entrySet().stream().filter(e -> e.getKey().endsWith(suffix))
                .mapToDouble(e -> e.getValue().getScore()).findFirst().orElse(Double.NaN);
    }

    private static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static Properties load(Path file) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        return p;
    }

    private static long longOf(Properties p, String key) {
        String value = p.getProperty(key);
        if (value == null) {
            throw new IllegalStateException("The benchmark wrote no '" + key + "'");
        }
        return Long.parseLong(value);
    }

    private static Map<String, String> parse(String[] argv) {
        Map<String, String> args = new LinkedHashMap<>();
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("Unexpected argument '" + a + "'");
            }
            String key = a.substring(2);
            if (key.equals("quick")) {
                args.put(key, "true");
            } else if (i + 1 < argv.length) {
                args.put(key, argv[++i]);
            } else {
                throw new IllegalArgumentException("--" + key + " needs a value");
            }
        }
        return args;
    }
}
