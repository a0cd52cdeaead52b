package dev.keyless.benchmarks.suite;

import dev.keyless.benchmarks.Contender;
import dev.keyless.benchmarks.RefreshUnderLoadBenchmark;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import software.amazon.awssdk.core.util.VersionInfo;

/**
 * Writes {@code BENCHMARKS.md}: the machine, a table of targets with Keyless's figure, the SDK's and the ratio, the
 * details of every benchmark, and how each was measured. Everything from {@link #ANALYSIS_MARKER} on in the
 * previous file is written by hand and kept.
 */
final class Report {

    /** The line after which {@code BENCHMARKS.md} is written by hand and kept by every run. */
    static final String ANALYSIS_MARKER =
            "<!-- Everything below this line is written by hand; benchmarks/run.sh keeps it as it is. -->";

    static final List<String> HOT_PATH_SDKS = List.of("sdk", "sdkAsync", "sdkFile", "sdkFileAsync");
    static final List<String> REFRESH_PROVIDERS = List.of("keyless", "sdk", "sdkAsync", "static");
    static final List<String> START_PROVIDERS = List.of("keyless", "sdk", "sdkFile");
    static final int[] PAUSES = {1000, 0};

    /** Hot path: Keyless's time per call at most half the SDK's. */
    static final double HOT_PATH_RATIO_TARGET = 0.5;
    /** Hot path: below this, bytes per call are JMH's own noise; one object per call is at least 16 bytes. */
    static final double ZERO_BYTES_THRESHOLD = 0.1;
    /** Refresh: the slowest caller, at most. */
    static final long MAX_LATENCY_TARGET_NANOS = 1_000_000;
    /** Cold start: Keyless no slower than the SDK. */
    static final double COLD_START_RATIO_TARGET = 1.0;
    /** Footprint: 1 MB read strictly, as 10^6 bytes. */
    static final long FOOTPRINT_TARGET_BYTES = 1_000_000;

    private final Machine machine;
    private final String loadAfter;
    private final String revision;
    private final Instant finished;
    private final Duration total;
    private final Duration benchmarking;
    private final boolean quick;
    private final Results r;
    private final StringBuilder md = new StringBuilder();

    Report(Machine machine, String loadAfter, String revision, Instant finished, Duration total, Duration benchmarking,
           boolean quick, Results results) {
        this.machine = machine;
        this.loadAfter = loadAfter;
        this.revision = revision;
        this.finished = finished;
        this.total = total;
        this.benchmarking = benchmarking;
        this.quick = quick;
        this.r = results;
    }

    /**
     * The whole file.
     *
     * @param previous the file as it was, or empty
     * @return the new file
     */
    String markdown(String previous) {
        header();
        targets();
        hotPath();
        refresh();
        serve();
        starts();
        footprint();
        for (String part : Scale.PARTS) {
            String kept = Scale.section(previous, part);
            if (kept != null) {
                line(kept);
                line();
            }
        }
        method();
        int kept = previous.indexOf(ANALYSIS_MARKER);
        md.append('\n');
        if (kept >= 0) {
            md.append(previous.substring(kept));
        } else {
            md.append(ANALYSIS_MARKER).append("\n\n## Analysis\n\nNot written yet.\n");
        }
        return md.toString();
    }

    private void header() {
        line("# Benchmarks");
        line();
        line("Keyless's `WebIdentityCredentialsProvider` side by side with the AWS SDK's own providers for the same job, "
                + "in the same JMH run, sharing one `StsClient` and one token file, against one STS stub on loopback. "
                + "Written by `benchmarks/run.sh` at " + finished.truncatedTo(ChronoUnit.SECONDS) + " from commit `"
                + revision + "`; the Analysis at the end is written by hand and kept across runs.");
        line();
        if (quick) {
            line("> **QUICK RUN** (`--quick`): every benchmark shortened to check that the suite works. These figures "
                    + "are not for comparison.");
            line();
        }
        line("> **Noisy machine.** " + machine.cores() + " cores shared with other engineers' builds and tests; load "
                + "average (1/5/15 min) " + machine.loadAverage() + " at the start, " + loadAfter + " at the end. "
                + "Single runs here move by tens of percent: read the ratios and the orders of magnitude, not the "
                + "last digit.");
        line();
        line("## Machine");
        line();
        line("| | |");
        line("|---|---|");
        line("| CPU | " + machine.cpuModel() + ", " + machine.cores() + " cores available to the JVM |");
        line("| Memory | " + machine.memory() + " |");
        line("| OS | " + machine.os() + " |");
        line("| JDK | " + machine.jdk() + " |");
        line("| JMH | " + org.openjdk.jmh.util.Version.getPlainVersion() + " |");
        line("| AWS SDK for Java | " + VersionInfo.SDK_VERSION + " |");
        line("| Wall time | " + seconds(total) + " in all (build, footprint, benchmarks), of which "
                + seconds(benchmarking) + " benchmarks |");
        line();
    }

    private void targets() {
        line("## Targets");
        line();
        line("| what | Keyless | SDK | Keyless / SDK | target | |");
        line("|---|---|---|---|---|---|");
        for (int threads : new int[] {1, 4}) {
            Optional<Results.HotPath> k = r.hotPath("keyless", threads);
            Optional<Results.HotPath> sdk = fastestSdk(threads);
            if (k.isPresent() && sdk.isPresent()) {
                double ratio = k.get().nanos() / sdk.get().nanos();
                line("| hot path, " + threads + (threads == 1 ? " thread" : " threads") + " | " + ns(k.get().nanos())
                        + " | " + ns(sdk.get().nanos()) + " (`" + sdk.get().provider() + "`, the fastest SDK provider)"
                        + " | " + ratio(ratio) + " | ≤ " + HOT_PATH_RATIO_TARGET + " | "
                        + verdict(ratio <= HOT_PATH_RATIO_TARGET) + " |");
            }
        }
        Optional<Results.HotPath> k1 = r.hotPath("keyless", 1);
        Optional<Results.HotPath> k4 = r.hotPath("keyless", 4);
        if (k1.isPresent() && k4.isPresent()) {
            double worst = Math.max(k1.get().bytesPerCall(), k4.get().bytesPerCall());
            double sdkMin = r.hotPath.stream().filter(h -> HOT_PATH_SDKS.contains(h.provider()))
                    .mapToDouble(Results.HotPath::bytesPerCall).min().orElse(Double.NaN);
            double sdkMax = r.hotPath.stream().filter(h -> HOT_PATH_SDKS.contains(h.provider()))
                    .mapToDouble(Results.HotPath::bytesPerCall).max().orElse(Double.NaN);
            line("| hot path, allocation | " + bytesPerCall(worst) + " | " + bytesPerCall(sdkMin) + " to "
                    + bytesPerCall(sdkMax) + " | | 0 B/op | " + verdict(worst < ZERO_BYTES_THRESHOLD) + " |");
        }
        for (int pause : PAUSES) {
            Optional<Results.Refresh> k = r.refresh("keyless", pause);
            Optional<Results.Refresh> sdk = r.refresh("sdk", pause);
            Optional<Results.Refresh> control = r.refresh("static", pause);
            if (k.isEmpty() || sdk.isEmpty()) {
                continue;
            }
            String load = pause == 0 ? "64 spinning callers" : "64 callers, 1 ms apart";
            boolean exactlyOne = k.get().refreshes() > 0 && k.get().stsCalls() == k.get().refreshes()
                    && k.get().maxStsCallsPerRefresh() == 1;
            line("| refresh, " + load + ": STS calls per refresh | " + callsPerRefresh(k.get()) + " | "
                    + callsPerRefresh(sdk.get()) + " | | exactly 1 | " + verdict(exactlyOne) + " |");
            String controlNote = control.map(c -> " (control, a static provider: " + duration(c.maxNanos()) + ")")
                    .orElse("");
            line("| refresh, " + load + ": slowest caller | " + duration(k.get().maxNanos()) + controlNote + " | "
                    + duration(sdk.get().maxNanos()) + " | " + ratio((double) k.get().maxNanos() / sdk.get().maxNanos())
                    + " | < 1 ms | " + verdict(k.get().maxNanos() < MAX_LATENCY_TARGET_NANOS) + " |");
        }
        for (boolean warmClient : new boolean[] {true, false}) {
            Optional<Results.Start> k = r.coldStart("keyless", warmClient);
            Optional<Results.Start> sdk = r.coldStart("sdk", warmClient);
            if (k.isPresent() && sdk.isPresent()) {
                double ratio = k.get().medianMillis() / sdk.get().medianMillis();
                line("| cold start, " + (warmClient ? "STS client already used" : "STS client unused")
                        + " (median of " + k.get().samples() + " JVMs) | " + millis(k.get().medianMillis()) + " | "
                        + millis(sdk.get().medianMillis()) + " | " + ratio(ratio) + " | ≤ " + ratio(COLD_START_RATIO_TARGET)
                        + " | " + verdict(ratio <= COLD_START_RATIO_TARGET) + " |");
            }
        }
        if (r.footprint != null) {
            long net = r.footprint.netBytes();
            line("| footprint beyond `sts`, without google-auth-library | " + bytes(net) + " | (baseline) | | ≤ 1 MB "
                    + "(10⁶ B) | " + verdict(net <= FOOTPRINT_TARGET_BYTES) + " |");
        }
        // What the success path itself loads, beside the bytes on the class path: the cold start's class count.
        Optional<Results.Start> kClasses = r.coldStart("keyless", true);
        Optional<Results.Start> sdkClasses = r.coldStart("sdk", true);
        if (kClasses.isPresent() && sdkClasses.isPresent()
                && !Double.isNaN(kClasses.get().medianClassesLoaded())
                && !Double.isNaN(sdkClasses.get().medianClassesLoaded())) {
            line("| footprint: classes loaded by the first credentials, STS client already used (median) | "
                    + Math.round(kClasses.get().medianClassesLoaded()) + " | "
                    + Math.round(sdkClasses.get().medianClassesLoaded()) + " | "
                    + ratio(kClasses.get().medianClassesLoaded() / sdkClasses.get().medianClassesLoaded())
                    + " | (reported) | |");
        }
        line();
        line("Where a target is missed, the Analysis below says why and what would fix it.");
        line();
    }

    private void hotPath() {
        if (r.hotPath.isEmpty()) {
            return;
        }
        line("## Hot path");
        line();
        line("`resolveCredentials()` while valid credentials are cached. Mean time per call (± the 99.9% confidence "
                + "half-width JMH reports) and bytes allocated per call (`-prof gc`).");
        line();
        line("| provider | 1 thread | 4 threads | B/op, 1 thread | B/op, 4 threads | Keyless / this, 1 thread | 4 threads |");
        line("|---|---|---|---|---|---|---|");
        for (String provider : concat("keyless", HOT_PATH_SDKS)) {
            Optional<Results.HotPath> one = r.hotPath(provider, 1);
            Optional<Results.HotPath> four = r.hotPath(provider, 4);
            line("| " + Contender.of(provider).description() + " | "
                    + one.map(h -> ns(h.nanos()) + " ± " + ns(h.nanosError())).orElse("—") + " | "
                    + four.map(h -> ns(h.nanos()) + " ± " + ns(h.nanosError())).orElse("—") + " | "
                    + one.map(h -> bytesPerCall(h.bytesPerCall())).orElse("—") + " | "
                    + four.map(h -> bytesPerCall(h.bytesPerCall())).orElse("—") + " | "
                    + ratioTo(r.hotPath("keyless", 1), one) + " | " + ratioTo(r.hotPath("keyless", 4), four) + " |");
        }
        line();
    }

    private void refresh() {
        if (r.refresh.isEmpty()) {
            return;
        }
        line("## Refresh under load");
        line();
        line("64 threads call one provider for 8 s of measurement after a 3 s warm-up (paced callers: in each of two "
                + "JVMs); the stub answers after "
                + RefreshUnderLoadBenchmark.STS_DELAY.toMillis() + " ms with credentials that last "
                + RefreshUnderLoadBenchmark.SESSION.toSeconds() + " s; every provider has prefetch "
                + RefreshUnderLoadBenchmark.PREFETCH.toSeconds() + " s and stale "
                + RefreshUnderLoadBenchmark.STALE.toSeconds() + " s. Percentiles are the upper bounds of 25%-wide "
                + "buckets. \"During a refresh\": from 50 ms before an STS call reached the stub to 50 ms after its "
                + "answer. JVM threads: live at the start of the measurement, and the most at any moment during it "
                + "(64 callers, JMH's own, the stub's and the providers' background threads).");
        for (int pause : PAUSES) {
            line();
            line(pause == 0
                    ? "**Spinning callers** (no pause: 64 runnable threads on " + machine.cores() + " cores, so a call "
                            + "can be preempted mid-way for as long as the scheduler likes):"
                    : "**Paced callers** (each parks " + pause + " µs between calls: spare CPU, so what is timed is "
                            + "mostly the provider):");
            line();
            line("| provider | calls | calls/s | STS calls | refreshes | most STS calls in one refresh | credentials "
                    + "seen | slowest call | slowest call overlapped an STS call | p99 | p99.9 | p99.99 | calls ≥ 1 ms "
                    + "(of which during a refresh) | calls ≥ 100 ms | JVM threads: at start, peak |");
            line("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            for (String provider : REFRESH_PROVIDERS) {
                r.refresh(provider, pause).ifPresent(x -> line("| " + Contender.of(provider).description() + " | "
                        + String.format(Locale.ROOT, "%,d", x.calls()) + " | "
                        + String.format(Locale.ROOT, "%,.0f", x.callsPerSecond()) + " | " + x.stsCalls() + " | "
                        + x.refreshes() + " | " + x.maxStsCallsPerRefresh() + " | " + x.credentialsSeen() + " | "
                        + slowest(x) + " | " + (x.maxOverlapsStsCall() ? "yes" : "no") + " | "
                        + duration(x.p99Nanos()) + " | " + duration(x.p999Nanos()) + " | " + duration(x.p9999Nanos())
                        + " | " + x.over1ms() + " (" + x.over1msDuringRefresh() + ") | " + x.over100ms() + " | "
                        + x.jvmThreadsAtStart() + ", "
                        + x.jvmThreadsPeak() + " |"));
            }
            if (pause > 0) {
                line();
                line("The paced calls of 1 ms or more (the ten slowest), by when they started relative to the nearest "
                        + "STS call's arrival at the stub:");
                line();
                for (String provider : REFRESH_PROVIDERS) {
                    r.refresh(provider, pause).ifPresent(x -> line("- `" + provider + "`: " + slowestCalls(x)));
                }
            }
        }
        line();
    }

    private void serve() {
        if (r.serve.isEmpty()) {
            return;
        }
        line("## keyless serve");
        line();
        line("What a process in the pod waits for when its SDK asks `keyless serve` for cached credentials: one "
                + "container-credentials `GET` over loopback with the `Authorization` header, from `HttpURLConnection` "
                + "(the AWS SDK for Java's container provider's client, keep-alive on), against the real `keyless serve` "
                + "command in its own JVM, and, as the floor, the same JDK server in its own JVM answering a fixed body "
                + "without looking at the request (`static`). Mean time per request as each client sees it; the 64 "
                + "clients share " + machine.cores() + " cores with both JVMs.");
        line();
        line("| server | 1 client | 64 clients |");
        line("|---|---|---|");
        for (String server : List.of("serve", "static")) {
            line("| `" + server + "` | " + micros(r.serve(server, 1)) + " | " + micros(r.serve(server, 64)) + " |");
        }
        line();
    }

    private static String micros(Optional<Results.Serve> s) {
        return s.map(x -> String.format(Locale.ROOT, "%,.0f µs ± %,.0f", x.micros(), x.microsError())).orElse("–");
    }

    private void starts() {
        if (!r.coldStart.isEmpty()) {
            line("## Cold start");
            line();
            line("A new provider to its first credentials, once per fresh JVM (JMH single-shot, no warm-up), the stub "
                    + "answering at once. \"STS client already used\": the shared client made one call before the "
                    + "clock started, so the time is the provider's own (its classes, construction, reading the "
                    + "token, one STS call); \"unused\": the timed call also pays the client's first-call costs. "
                    + "Classes loaded: by the JVM during the timed call.");
            line();
            line("| provider | STS client | JVMs | median | mean | min | max | classes loaded (median) | Keyless / this (median) |");
            line("|---|---|---|---|---|---|---|---|---|");
            for (boolean warmClient : new boolean[] {true, false}) {
                for (String provider : START_PROVIDERS) {
                    r.coldStart(provider, warmClient).ifPresent(s -> line("| " + Contender.of(provider).description()
                            + " | " + (warmClient ? "already used" : "unused") + " | " + s.samples() + " | "
                            + millis(s.medianMillis()) + " | " + millis(s.meanMillis()) + " | "
                            + millis(s.minMillis()) + " | " + millis(s.maxMillis()) + " | "
                            + (Double.isNaN(s.medianClassesLoaded()) ? "—"
                                    : String.format(Locale.ROOT, "%,.0f", s.medianClassesLoaded())) + " | "
                            + r.coldStart("keyless", warmClient)
                                    .map(k -> ratio(k.medianMillis() / s.medianMillis())).orElse("—") + " |"));
                }
            }
            line();
        }
        if (!r.warmStart.isEmpty()) {
            line("### New provider in a warm JVM");
            line();
            line("The same, repeated in one JVM after warm-up iterations: what building a provider and its first STS "
                    + "call cost once the classes are loaded.");
            line();
            line("| provider | iterations | median | mean | min | max | Keyless / this (median) |");
            line("|---|---|---|---|---|---|---|");
            for (String provider : START_PROVIDERS) {
                r.warmStart(provider).ifPresent(s -> line("| " + Contender.of(provider).description() + " | "
                        + s.samples() + " | " + millis(s.medianMillis()) + " | " + millis(s.meanMillis()) + " | "
                        + millis(s.minMillis()) + " | " + millis(s.maxMillis()) + " | "
                        + r.warmStart("keyless").map(k -> ratio(k.medianMillis() / s.medianMillis())).orElse("—")
                        + " |"));
            }
            line();
        }
    }

    private void footprint() {
        if (r.footprint == null) {
            return;
        }
        line("## Footprint");
        line();
        line("The jars on the runtime class path of an application that depends on `keyless-core` and not on that of "
                + "one that depends on `software.amazon.awssdk:sts` alone, both resolved by Maven "
                + "(`dependency:build-classpath`, runtime scope). google-auth-library is an optional dependency of "
                + "keyless-core, so neither has it.");
        line();
        line("| jar | bytes |");
        line("|---|---|");
        for (Footprint.Jar jar : r.footprint.added()) {
            line("| `" + jar.name() + "` | " + String.format(Locale.ROOT, "%,d", jar.bytes()) + " |");
        }
        for (Footprint.Jar jar : r.footprint.removed()) {
            line("| `" + jar.name() + "` (on the sts class path only) | "
                    + String.format(Locale.ROOT, "−%,d", jar.bytes()) + " |");
        }
        line("| **total** | **" + String.format(Locale.ROOT, "%,d", r.footprint.netBytes()) + "** |");
        line();
    }

    private void method() {
        line("## How it is measured");
        line();
        line("- Every provider is built by `benchmarks/src/main/java/dev/keyless/benchmarks/Contender.java`, for role "
                + "`arn:aws:iam::123456789012:role/checkout-s3-writer`, session `" + Contender.SESSION_NAME + "`, with "
                + "one `StsClient` per JVM (URLConnection transport, anonymous credentials, the SDK's default retries) "
                + "pointed at `LoopbackSts`, a JDK `HttpServer` on 127.0.0.1 answering `AssumeRoleWithWebIdentity` in "
                + "STS's XML. Each reads the same GKE-shaped token file on every refresh. `sdk`/`sdkAsync` are "
                + "`StsAssumeRoleWithWebIdentityCredentialsProvider` with a refresh-request supplier that reads the "
                + "file; `sdkFile`/`sdkFileAsync` are `StsWebIdentityTokenFileCredentialsProvider`, the SDK's "
                + "token-file provider, which wraps the former and reads the file itself.");
        line("- Hot path: JMH average time, " + "3 × 1 s warm-up, 5 × 1 s measurement, 1 fork per provider, `-prof gc`; "
                + "credentials last an hour, so no refresh is due.");
        line("- Refresh under load: JMH throughput mode with 64 threads, 1 × 3 s warm-up and 1 × 8 s measurement per "
                + "provider and pacing, paced callers in 2 JVMs (figures summed, the slowest call of either), spinning "
                + "callers in 1; each call timed with `System.nanoTime()`; STS calls counted by the stub, and "
                + "calls less than 750 ms apart counted as one refresh. Time is real (the SDK's providers take no "
                + "clock), compressed to seconds. `static` is a control that never refreshes.");
        line("- keyless serve: JMH average time, 3 × 1 s warm-up, 5 × 1 s measurement, 1 fork; the server JVMs run "
                + "with `-Xmx256m`, STS is the same stub, and serve's credentials last an hour (no refresh is due).");
        line("- Cold start: JMH single-shot, " + "one measurement per fresh JVM, 8 JVMs per provider and client state. "
                + "New provider in a warm JVM: 1 JVM, 30 warm-up and 50 measured iterations.");
        line("- Footprint: `benchmarks/run.sh` installs keyless-core into a scratch repository under "
                + "`benchmarks/target` and resolves the class paths of two throwaway projects, one on keyless-core "
                + "and one on sts.");
        line("- The benchmarks compile in the normal build (`./mvnw -B verify`) but never run there; "
                + "`benchmarks/run.sh` builds `benchmarks/target/benchmarks.jar` and runs them all. JMH's logs: "
                + "`benchmarks/target/run/*.log`.");
    }

    private Optional<Results.HotPath> fastestSdk(int threads) {
        return r.hotPath.stream().filter(h -> h.threads() == threads && HOT_PATH_SDKS.contains(h.provider()))
                .min(Comparator.comparingDouble(Results.HotPath::nanos));
    }

    private static String slowest(Results.Refresh x) {
        if (x.jvmMaxNanos().size() == 1) {
            return duration(x.maxNanos());
        }
        return duration(x.maxNanos()) + " (per JVM: "
                + x.jvmMaxNanos().stream().map(Report::duration).collect(Collectors.joining(", ")) + ")";
    }

    private static String slowestCalls(Results.Refresh x) {
        List<String> perJvm = x.slowestCalls();
        if (perJvm.size() == 1) {
            return perJvm.get(0).isEmpty() ? "none" : perJvm.get(0);
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < perJvm.size(); i++) {
            out.append(i == 0 ? "" : "; ").append("JVM ").append(i + 1).append(": ")
                    .append(perJvm.get(i).isEmpty() ? "none" : perJvm.get(i));
        }
        return out.toString();
    }

    private static String callsPerRefresh(Results.Refresh x) {
        return x.refreshes() == 0 ? "no refresh"
                : (x.maxStsCallsPerRefresh() == 1 && x.stsCalls() == x.refreshes() ? "1" : "up to " + x.maxStsCallsPerRefresh())
                        + " (" + x.stsCalls() + " calls, " + x.refreshes() + " refreshes)";
    }

    private static String ratioTo(Optional<Results.HotPath> keyless, Optional<Results.HotPath> other) {
        return keyless.isPresent() && other.isPresent() ? ratio(keyless.get().nanos() / other.get().nanos()) : "—";
    }

    private static List<String> concat(String first, List<String> rest) {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(first), rest.stream()).toList();
    }

    private static String verdict(boolean met) {
        return met ? "met" : "**missed**";
    }

    static String ns(double nanos) {
        return String.format(Locale.ROOT, nanos < 10 ? "%.2f ns" : "%.1f ns", nanos);
    }

    static String ratio(double ratio) {
        return String.format(Locale.ROOT, "%.2f", ratio);
    }

    static String bytesPerCall(double bytes) {
        if (Double.isNaN(bytes)) {
            return "—";
        }
        return bytes < ZERO_BYTES_THRESHOLD ? String.format(Locale.ROOT, "≈ 0 (%.3f) B/op", bytes)
                : String.format(Locale.ROOT, "%.0f B/op", bytes);
    }

    static String millis(double millis) {
        return String.format(Locale.ROOT, millis < 10 ? "%.2f ms" : "%.1f ms", millis);
    }

    static String duration(long nanos) {
        if (nanos < 1_000) {
            return nanos + " ns";
        }
        if (nanos < 1_000_000) {
            return String.format(Locale.ROOT, "%.0f µs", nanos / 1e3);
        }
        if (nanos < 1_000_000_000) {
            return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
        }
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }

    static String bytes(long bytes) {
        return String.format(Locale.ROOT, "%,d B (%.2f MB)", bytes, bytes / 1e6);
    }

    private static String seconds(Duration d) {
        return d.toMinutes() + " min " + d.toSecondsPart() + " s";
    }

    private void line(String text) {
        md.append(text).append('\n');
    }

    private void line() {
        md.append('\n');
    }
}
