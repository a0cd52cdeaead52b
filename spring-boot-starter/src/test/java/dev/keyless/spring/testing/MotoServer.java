package dev.keyless.spring.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Copied from core's test sources (core publishes no test-jar); keep the two in step.
 *
 * The real AWS emulator {@code moto_server} (STS, S3, SQS, ...) on loopback, started once per test JVM and
 * shared by every test class that uses it, stopped with its child processes when the JVM's tests are done.
 *
 * <pre>{@code
 * @ExtendWith(MotoServer.class)
 * class SomeTest {
 *     @Test
 *     void something(MotoServer moto) {
 *         S3Client s3 = S3Client.builder().endpointOverride(moto.endpoint())...
 *     }
 * }
 * }</pre>
 *
 * or {@code @RegisterExtension static final MotoServer moto = new MotoServer();}.
 *
 * <p>When {@code moto_server} is not on {@code PATH} the tests fail, never skip: a suite that silently stops
 * testing against a real peer is worse than a red one. Moto's output goes to
 * {@code target/moto-server-PORT.log}.
 *
 * <p>Moto keeps state for the life of the process, so tests must use names of their own (a random bucket or
 * queue name) rather than expect an empty account.
 */
public final class MotoServer implements BeforeAllCallback, ParameterResolver {

    /** Moto's default account, which it also reports for roles in that account. */
    public static final String ACCOUNT_ID = "123456789012";

    static final String EXECUTABLE = "moto_server";
    static final String INSTALL_HINT = "Install it with: pip install 'moto[server]' (Python 3), then make sure "
            + EXECUTABLE + " is on PATH for the JVM running the tests.";

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(MotoServer.class);
    private static final Duration STARTUP_DEADLINE = Duration.ofSeconds(30);
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);
    private static final int PORT_ATTEMPTS = 3;

    private volatile Running running;

    /** For JUnit ({@code @ExtendWith}) and {@code @RegisterExtension}; the server starts before the first class. */
    public MotoServer() {
    }

    /**
     * Where moto listens.
     *
     * @return {@code http://127.0.0.1:PORT}
     */
    public URI endpoint() {
        return running().endpoint;
    }

    /**
     * Moto's captured output so far, for a failure message.
     *
     * @return the log file's content
     */
    public String output() {
        return running().output();
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        start(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == MotoServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        start(extensionContext);
        return this;
    }

    private void start(ExtensionContext context) {
        // The root store outlives every test class and closes AutoCloseable values when the JVM's tests end.
        running = context.getRoot().getStore(NAMESPACE)
                .computeIfAbsent(Running.class, k -> Running.start(), Running.class);
    }

    private Running running() {
        Running r = running;
        if (r == null) {
            throw new IllegalStateException("moto_server has not been started: use @ExtendWith(MotoServer.class) "
                    + "or @RegisterExtension static, and ask for MotoServer as a parameter.");
        }
        return r;
    }

    /**
     * Finds {@code moto_server} on a {@code PATH}.
     *
     * @param path the {@code PATH} value, may be {@code null}
     * @return the executable
     * @throws IllegalStateException naming the install command if it is not there
     */
    static Path locate(String path) {
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path candidate = Path.of(dir, EXECUTABLE);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        throw new IllegalStateException(EXECUTABLE + " is not on PATH (" + path + "). The interop tests use the "
                + "moto AWS emulator as their STS, S3 and SQS and do not run without it. " + INSTALL_HINT);
    }

    /** One moto process and its log; closed by the root store. */
    private static final class Running implements AutoCloseable {
        private final Process process;
        private final URI endpoint;
        private final Path log;
        // Stops moto even if the JVM exits without JUnit closing the store (System.exit, a killed fork).
        private final Thread shutdownHook = new Thread(this::stop, "moto-server-shutdown");

        private Running(Process process, URI endpoint, Path log) {
            this.process = process;
            this.endpoint = endpoint;
            this.log = log;
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        }

        static Running start() {
            Path executable = locate(System.getenv("PATH"));
            IllegalStateException last = null;
            // A port found free can be taken before moto binds it; then moto exits and we try another.
            for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
                int port = freeLoopbackPort();
                Path log = Path.of("target", "moto-server-" + port + ".log").toAbsolutePath();
                Process process = launch(executable, port, log);
                Running running = new Running(process, URI.create("http://127.0.0.1:" + port), log);
                try {
                    running.awaitReady();
                    return running;
                } catch (IllegalStateException e) {
                    running.close();
                    if (!running.output().contains("Address already in use")) {
                        throw e;
                    }
                    last = e;
                }
            }
            throw last;
        }

        private static Process launch(Path executable, int port, Path log) {
            try {
                Files.createDirectories(log.getParent());
                ProcessBuilder pb = new ProcessBuilder(executable.toString(), "-H", "127.0.0.1", "-p",
                        String.valueOf(port))
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile());
                // Unbuffered, so the log explains a failure even if moto dies before flushing.
                pb.environment().put("PYTHONUNBUFFERED", "1");
                return pb.start();
            } catch (IOException e) {
                throw new IllegalStateException("Could not start " + executable + ". " + INSTALL_HINT, e);
            }
        }

        private void awaitReady() {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
            HttpRequest ping = HttpRequest.newBuilder(endpoint.resolve("/")).timeout(Duration.ofSeconds(2)).GET().build();
            long deadline = System.nanoTime() + STARTUP_DEADLINE.toNanos();
            IOException lastError = null;
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(EXECUTABLE + " exited with status " + process.exitValue()
                            + " before answering on " + endpoint + ". Its output (" + log + "):\n" + output());
                }
                try {
                    // Any HTTP answer means moto is serving; it answers GET / with 200.
                    http.send(ping, HttpResponse.BodyHandlers.discarding());
                    return;
                } catch (IOException e) {
                    lastError = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("Interrupted waiting for " + EXECUTABLE, e);
                }
                sleep(100);
            }
            throw new IllegalStateException(EXECUTABLE + " did not answer HTTP on " + endpoint + " within "
                    + STARTUP_DEADLINE.toSeconds() + " s. Its output (" + log + "):\n" + output(), lastError);
        }

        String output() {
            try {
                return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(no output)";
            } catch (IOException e) {
                return "(could not read " + log + ": " + e + ")";
            }
        }

        /** Stops moto and whatever it started; the pyenv shim or a reloader may sit between us and Python. */
        @Override
        public void close() {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // The hook is running or about to; stopping twice is harmless.
            }
            stop();
        }

        private void stop() {
            // Collect descendants first: once the parent is gone they are reparented and no longer ours.
            List<ProcessHandle> descendants = process.descendants().collect(Collectors.toList());
            process.destroy();
            descendants.forEach(ProcessHandle::destroy);
            try {
                if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                }
                for (ProcessHandle child : descendants) {
                    try {
                        child.onExit().get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (Exception e) {
                        child.destroyForcibly();
                    }
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                descendants.forEach(ProcessHandle::destroyForcibly);
                Thread.currentThread().interrupt();
            }
        }

        private static int freeLoopbackPort() {
            try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getByName("127.0.0.1"))) {
                return socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException("Could not find a free loopback port for " + EXECUTABLE, e);
            }
        }

        private static void sleep(long millis) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted waiting for " + EXECUTABLE, e);
            }
        }
    }
}
