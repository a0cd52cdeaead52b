package dev.keyless.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;

/**
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

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

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

    /**
     * Creates the IAM role {@code roleName} in moto (if it is not there yet) with an inline policy allowing
     * {@code actions} on every resource. With {@link #enforceAuthentication(int) authentication enforced} moto
     * checks each request against the signing role's policies, and refuses requests of a role it does not know.
     * Call it before enforcing.
     *
     * @param roleName the role's name, the last part of its ARN
     * @param actions the actions to allow, such as {@code "s3:*"}
     */
    public void createRole(String roleName, String... actions) {
        putRole(roleName, "", actions);
    }

    /**
     * {@link #createRole(String, String...)}, with a trust policy that also lets {@code trustedPrincipalArn} call
     * {@code sts:AssumeRole}: a chained hop. Moto matches a trust policy's {@code Principal.AWS} against the
     * caller's ARN as written: for a role's session, name the session,
     * {@code arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION} (which IAM accepts too); moto refuses the role's own
     * ARN, which IAM would match.
     *
     * @param roleName the role's name, the last part of its ARN
     * @param trustedPrincipalArn who may assume the role with {@code sts:AssumeRole}
     * @param actions the actions to allow, such as {@code "s3:*"}
     */
    public void createRoleTrusting(String roleName, String trustedPrincipalArn, String... actions) {
        putRole(roleName, ",{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" + trustedPrincipalArn + "\"},"
                + "\"Action\":\"sts:AssumeRole\"}", actions);
    }

    private void putRole(String roleName, String moreTrust, String... actions) {
        String trust = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                + "\"Principal\":{\"Federated\":\"accounts.google.com\"},"
                + "\"Action\":\"sts:AssumeRoleWithWebIdentity\"}" + moreTrust + "]}";
        String allowed = Arrays.stream(actions).map(a -> "\"" + a + "\"").collect(Collectors.joining(","));
        String permissions = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                + "\"Action\":[" + allowed + "],\"Resource\":\"*\"}]}";
        Map<String, String> create = new LinkedHashMap<>();
        create.put("Action", "CreateRole");
        create.put("RoleName", roleName);
        create.put("AssumeRolePolicyDocument", trust);
        HttpResponse<String> created = iam(create);
        if (created.statusCode() != 200 && !created.body().contains("EntityAlreadyExists")) {
            throw new IllegalStateException("moto refused CreateRole " + roleName + ": " + created.statusCode() + " "
                    + created.body());
        }
        Map<String, String> put = new LinkedHashMap<>();
        put.put("Action", "PutRolePolicy");
        put.put("RoleName", roleName);
        put.put("PolicyName", "keyless-test");
        put.put("PolicyDocument", permissions);
        HttpResponse<String> policy = iam(put);
        if (policy.statusCode() != 200) {
            throw new IllegalStateException("moto refused PutRolePolicy on " + roleName + ": " + policy.statusCode()
                    + " " + policy.body());
        }
    }

    /**
     * Makes moto check every request's SigV4 signature against the credentials it issued, and the signer's IAM
     * policies, after {@code unauthenticatedRequests} more requests (moto's {@code /moto-api/reset-auth}). An
     * unsigned STS {@code AssumeRoleWithWebIdentity} counts as one; a forged or unknown key is refused with
     * 403. Closing the result turns enforcement off again, for the other tests sharing this moto.
     *
     * <p>Only for tests that run one at a time: the setting is global to the moto process.
     *
     * @param unauthenticatedRequests how many requests moto still lets through unchecked, counted from now
     * @return turns enforcement off when closed
     */
    public Enforcement enforceAuthentication(int unauthenticatedRequests) {
        resetAuth(String.valueOf(unauthenticatedRequests));
        return () -> resetAuth("inf");
    }

    /**
     * Asks moto's STS {@code GetCallerIdentity} who signs with {@code credentials}. With authentication enforced
     * moto checks the signature first, so a forged key fails here with a 403 {@code StsException}; moto's answer
     * for credentials it issued by assuming a role is {@code arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION}.
     *
     * @param credentials the credentials to sign with
     * @return the signer's ARN as moto sees it
     */
    public String callerArn(AwsCredentialsProvider credentials) {
        try (StsClient sts = StsClient.builder().endpointOverride(endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(credentials)
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build()) {
            return sts.getCallerIdentity().arn();
        }
    }

    /**
     * Credentials moto never issued, with an {@code ASIA} key id, a secret and a session token of the right
     * shapes: the control a test of "moto checks who signs" needs refused.
     *
     * @return forged session credentials
     */
    public static AwsCredentialsProvider forgedCredentials() {
        return StaticCredentialsProvider.create(AwsSessionCredentials.create("ASIAFORGEDKEYLESS000",
                "forgedSecretKeyForgedSecretKeyForgedSec", "forgedSessionToken"));
    }

    /** Authentication enforced until closed. */
    @FunctionalInterface
    public interface Enforcement extends AutoCloseable {
        @Override
        void close();
    }

    private void resetAuth(String count) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(endpoint().resolve("/moto-api/reset-auth"))
                .POST(HttpRequest.BodyPublishers.ofString(count)));
        if (response.statusCode() != 200) {
            throw new IllegalStateException("moto refused reset-auth " + count + ": " + response.statusCode() + " "
                    + response.body());
        }
    }

    /** An IAM query call; moto does not check the signature while authentication is not enforced. */
    private HttpResponse<String> iam(Map<String, String> parameters) {
        Map<String, String> form = new LinkedHashMap<>(parameters);
        form.put("Version", "2010-05-08");
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return send(HttpRequest.newBuilder(endpoint().resolve("/"))
                .header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
                // moto routes by the credential scope's service; the signature is not checked yet.
                .header("Authorization", "AWS4-HMAC-SHA256 Credential=admin/20260101/us-east-1/iam/aws4_request, "
                        + "SignedHeaders=host, Signature=0")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted calling " + EXECUTABLE, e);
        }
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
