package dev.keyless.benchmarks;

import dev.keyless.benchmarks.fixture.LoopbackSts;
import dev.keyless.benchmarks.fixture.Rig;
import dev.keyless.benchmarks.fixture.StaticCredentialsServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

/**
 * What a process in the pod waits for when its SDK asks {@code keyless serve} for credentials that are cached: one
 * container-credentials {@code GET} over loopback, from 1 and from 64 concurrent clients, against the real
 * {@code keyless serve} command in its own JVM ({@code serve}) and, as the floor, the same JDK server answering a
 * fixed body without looking at the request ({@code static}, {@link StaticCredentialsServer}). The clients use
 * {@link HttpURLConnection}, as the AWS SDK for Java's container provider does, with its keep-alive cache.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class ServeBenchmark {

    private static final Pattern URI_LINE = Pattern.compile("AWS_CONTAINER_CREDENTIALS_FULL_URI=(\\S+)");
    private static final List<String> SERVER_JVM = List.of("-Xms256m", "-Xmx256m");

    /** {@code serve} (keyless serve) or {@code static} (the floor). */
    @Param({"serve", "static"})
    public String server;

    private Rig rig;
    private Process process;
    private URL url;
    private String authorization;

    /**
     * Starts STS, the server in its own JVM, and primes it with one request.
     *
     * @throws Exception if the server does not start or answer
     */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        rig = Rig.start(Duration.ZERO, Duration.ofHours(1));
        Path authorizationFile = rig.tokenFile().resolveSibling("authorization-token");
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(SERVER_JVM);
        command.addAll(List.of("-cp", System.getProperty("java.class.path")));
        if (server.equals("serve")) {
            command.addAll(List.of("dev.keyless.cli.Keyless", "serve", "--port", "0", "--role-arn",
                    LoopbackSts.ROLE_ARN, "--sts-endpoint", rig.sts().endpoint().toString(), "--token-file",
                    rig.tokenFile().toString(), "--authorization-token-file", authorizationFile.toString()));
        } else {
            Files.writeString(authorizationFile, "static-floor-checks-no-authorization");
            command.add(StaticCredentialsServer.class.getName());
        }
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        url = new URL(awaitUri(process.getInputStream()));
        authorization = Files.readString(authorizationFile);
        awaitHealthy(new URL(url, "/healthz"));
        if (get() < 100) {
            throw new IllegalStateException(server + " answered a short body");
        }
    }

    private static String awaitUri(InputStream output) throws IOException {
        BufferedReader lines = new BufferedReader(new InputStreamReader(output, StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        String line;
        while ((line = lines.readLine()) != null) {
            Matcher m = URI_LINE.matcher(line);
            if (m.find()) {
                // Keep draining, so the server never blocks on a full pipe.
                Thread drain = new Thread(() -> {
                    try {
                        output.transferTo(OutputStreamSink.INSTANCE);
                    } catch (IOException ignored) {
                        // The server stopped.
                    }
                }, "serve-output");
                drain.setDaemon(true);
                drain.start();
                return m.group(1);
            }
            seen.append(line).append('\n');
        }
        throw new IllegalStateException("The server exited before printing its URI:\n" + seen);
    }

    /** A fresh JVM's first STS call can outlast serve's one-second wait: wait for health, as the kubelet does. */
    private static void awaitHealthy(URL health) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            HttpURLConnection connection = (HttpURLConnection) health.openConnection();
            int status = connection.getResponseCode();
            (status < 400 ? connection.getInputStream() : connection.getErrorStream()).readAllBytes();
            if (status == 200) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException(health + " never answered 200");
    }

    /** Stops the server (SIGTERM, as the kubelet does) and STS. */
    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        rig.close();
    }

    private int get() throws IOException {
        HttpURLConnection connection = (HttpURLConnection) url.openConnection();
        connection.setConnectTimeout(5_000);
        connection.setReadTimeout(5_000);
        connection.setRequestProperty("Authorization", authorization);
        int status = connection.getResponseCode();
        if (status != 200) {
            throw new IllegalStateException(server + " answered HTTP " + status);
        }
        try (InputStream body = connection.getInputStream()) {
            return body.readAllBytes().length;
        }
    }

    /**
     * One client.
     *
     * @return the body's length
     * @throws IOException if the request fails
     */
    @Benchmark
    @Threads(1)
    public int oneClient() throws IOException {
        return get();
    }

    /**
     * Sixty-four clients at once, as a pod's processes and threads might be.
     *
     * @return the body's length
     * @throws IOException if the request fails
     */
    @Benchmark
    @Threads(64)
    public int sixtyFourClients() throws IOException {
        return get();
    }

    /** Discards. */
    private static final class OutputStreamSink extends java.io.OutputStream {
        static final OutputStreamSink INSTANCE = new OutputStreamSink();

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }
    }
}
