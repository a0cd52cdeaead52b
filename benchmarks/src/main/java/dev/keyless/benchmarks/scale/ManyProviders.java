package dev.keyless.benchmarks.scale;

import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.benchmarks.fixture.TokenFile;
import dev.keyless.testing.InJvmSts;
import dev.keyless.token.TokenSources;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleWithWebIdentityCredentialsProvider;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityRequest;

/**
 * N providers of one kind in this JVM, each for its own role, all on one in-JVM STS (2 ms a call, credentials
 * lasting {@link #SESSION}), used by {@link #CALLERS} caller threads (each pausing {@link #PACE} after every pass
 * over its providers) for {@link #RUN} of real time: several
 * refreshes each. Writes live threads at peak, heap retained per provider, STS calls, credentials callers saw, the
 * slowest call, and the threads still alive after every provider was closed. Run once per fresh JVM:
 *
 * <pre>
 * java -cp benchmarks.jar dev.keyless.benchmarks.scale.ManyProviders keyless|sdk|sdkAsync N OUT.properties
 * </pre>
 */
public final class ManyProviders {

    /** Short real sessions, so that a run of seconds holds several refreshes. */
    static final Duration SESSION = Duration.ofSeconds(8);
    static final Duration PREFETCH = Duration.ofSeconds(4);
    static final Duration STALE = Duration.ofSeconds(1);
    static final Duration STS_LATENCY = Duration.ofMillis(2);
    static final Duration RUN = Duration.ofSeconds(12);
    static final Duration AFTER_CLOSE = Duration.ofSeconds(2);
    static final int CALLERS = 8;
    static final Duration PACE = Duration.ofMillis(1);

    private ManyProviders() {
    }

    /**
     * Runs one measurement.
     *
     * @param args contender, provider count, output file
     * @throws Exception if the measurement fails
     */
    public static void main(String[] args) throws Exception {
        String contender = args[0];
        int n = Integer.parseInt(args[1]);
        Path out = Path.of(args[2]);
        Properties p = measure(contender, n);
        try (OutputStream o = Files.newOutputStream(out)) {
            p.store(o, "ManyProviders " + contender + " " + n);
        }
        System.exit(0);
    }

    static Properties measure(String contender, int n) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        Path dir = Files.createTempDirectory("many-providers");
        Path tokenFile = TokenFile.write(dir, Duration.ofHours(1));
        InJvmSts sts = new InJvmSts(Clock.systemUTC(), SESSION, STS_LATENCY);
        ThreadPoolExecutor callers = (ThreadPoolExecutor) Executors.newFixedThreadPool(CALLERS);
        callers.prestartAllCoreThreads(); // the callers are part of the baseline
        Set<String> before = liveThreadNames();
        int threadsBefore = threads.getThreadCount();
        long heapBefore = usedHeapAfterGc(memory);
        threads.resetPeakThreadCount();

        List<AwsCredentialsProvider> providers = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            providers.add(build(contender, "arn:aws:iam::123456789012:role/tenant-" + i, "tenant-" + i, sts,
                    tokenFile));
        }
        callAll(callers, providers);
        long heapAfter = usedHeapAfterGc(memory);
        long callsAfterFirst = sts.calls();

        // Every caller calls every provider of its slice in turn, for RUN; each call timed.
        AtomicBoolean running = new AtomicBoolean(true);
        Map<String, Boolean> seen = new ConcurrentHashMap<>();
        long[] slowest = new long[CALLERS];
        List<Future<?>> loops = new ArrayList<>();
        for (int c = 0; c < CALLERS; c++) {
            int caller = c;
            loops.add(callers.submit(() -> {
                while (running.get()) {
                    for (int i = caller; i < providers.size(); i += CALLERS) {
                        long start = System.nanoTime();
                        AwsCredentials credentials = providers.get(i).resolveCredentials();
                        long took = System.nanoTime() - start;
                        slowest[caller] = Math.max(slowest[caller], took);
                        seen.putIfAbsent(credentials.accessKeyId(), Boolean.TRUE);
                    }
                    // Paced: 8 spinning threads on a small machine would time the OS scheduler, not the provider.
                    LockSupport.parkNanos(PACE.toNanos());
                }
            }));
        }
        Thread.sleep(RUN.toMillis());
        running.set(false);
        for (Future<?> f : loops) {
            f.get(1, TimeUnit.MINUTES);
        }
        int peak = threads.getPeakThreadCount();
        long stsCalls = sts.calls();

        providers.forEach(ManyProviders::close);
        callers.shutdown();
        callers.awaitTermination(1, TimeUnit.MINUTES);
        Thread.sleep(AFTER_CLOSE.toMillis());
        Map<String, Integer> left = new TreeMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && !before.contains(t.getName())) {
                String group = t.getName().replaceAll("[-_ ]?\\d+$", "") + " (" + t.getState().name().toLowerCase() + ")";
                left.merge(group, 1, Integer::sum);
            }
        }

        Properties p = new Properties();
        p.setProperty("contender", contender);
        p.setProperty("providers", Integer.toString(n));
        p.setProperty("threadsBefore", Integer.toString(threadsBefore));
        p.setProperty("threadsPeak", Integer.toString(peak));
        p.setProperty("heapPerProvider", Long.toString(Math.max(0, heapAfter - heapBefore) / n));
        p.setProperty("stsCallsFirst", Long.toString(callsAfterFirst));
        p.setProperty("stsCalls", Long.toString(stsCalls));
        p.setProperty("credentialsSeen", Integer.toString(seen.size()));
        long max = 0;
        for (long s : slowest) {
            max = Math.max(max, s);
        }
        p.setProperty("slowestNanos", Long.toString(max));
        p.setProperty("leftAfterClose", left.toString());
        p.setProperty("leftAfterCloseCount", Integer.toString(left.values().stream().mapToInt(i -> i).sum()));
        return p;
    }

    private static AwsCredentialsProvider build(String contender, String role, String session, InJvmSts sts,
            Path tokenFile) {
        switch (contender) {
            case "keyless":
                return WebIdentityCredentialsProvider.builder().roleArn(role).roleSessionName(session)
                        .tokenSource(TokenSources.file(tokenFile)).stsClient(sts)
                        .prefetchTime(PREFETCH).staleTime(STALE).build();
            case "sdk":
            case "sdkAsync":
                Supplier<AssumeRoleWithWebIdentityRequest> request = () -> AssumeRoleWithWebIdentityRequest.builder()
                        .roleArn(role).roleSessionName(session).webIdentityToken(read(tokenFile)).build();
                return StsAssumeRoleWithWebIdentityCredentialsProvider.builder().stsClient(sts)
                        .refreshRequest(request).asyncCredentialUpdateEnabled(contender.equals("sdkAsync"))
                        .prefetchTime(PREFETCH).staleTime(STALE).build();
            default:
                throw new IllegalArgumentException("Unknown contender '" + contender + "'; expected keyless, sdk or "
                        + "sdkAsync");
        }
    }

    private static void callAll(ExecutorService callers, List<AwsCredentialsProvider> providers) throws Exception {
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < CALLERS; c++) {
            int caller = c;
            done.add(callers.submit(() -> {
                for (int i = caller; i < providers.size(); i += CALLERS) {
                    providers.get(i).resolveCredentials();
                }
            }));
        }
        for (Future<?> f : done) {
            f.get(1, TimeUnit.MINUTES);
        }
    }

    private static long usedHeapAfterGc(MemoryMXBean memory) throws InterruptedException {
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    private static Set<String> liveThreadNames() {
        Set<String> names = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            names.add(t.getName());
        }
        return names;
    }

    private static void close(AwsCredentialsProvider provider) {
        if (provider instanceof AutoCloseable) {
            try {
                ((AutoCloseable) provider).close();
            } catch (Exception e) {
                throw new IllegalStateException("Could not close " + provider, e);
            }
        }
    }

    private static String read(Path tokenFile) {
        try {
            return Files.readString(tokenFile, StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
