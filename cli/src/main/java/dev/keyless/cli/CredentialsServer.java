package dev.keyless.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.keyless.WebIdentityCredentialsException;
import dev.keyless.internal.text.Json;
import dev.keyless.internal.text.Redaction;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * The container-credentials endpoint the AWS SDKs look for at {@code AWS_CONTAINER_CREDENTIALS_FULL_URI}: a
 * {@code GET} with the {@code Authorization} header the SDK reads from {@code AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE}
 * is answered with {@code AccessKeyId}, {@code SecretAccessKey}, {@code Token}, {@code Expiration} and, when known,
 * {@code AccountId}, from one credentials provider. A health path answers 200 while valid credentials are cached,
 * 503 otherwise, and never shows credentials.
 *
 * <p>Valid cached credentials are answered at once, through the provider's non-blocking
 * {@code resolveIdentity}; when there are none, a request waits up to {@code wait} for the provider's one shared
 * refresh, then gets a 503 whose JSON says why (the provider's messages never contain a token or key).
 *
 * <p>Thread-safe. Requests run on a fixed pool of daemon threads ({@code keyless-serve-N}) with a bounded queue,
 * beside the JDK server's own dispatcher thread; {@link #close()} stops both. The JDK server reads a request on a
 * pool thread only once bytes arrive, so a client that connects and sends nothing holds no thread, and one that
 * sends half a request is disconnected after {@value #MAX_REQUEST_SECONDS} seconds.
 */
final class CredentialsServer implements AutoCloseable {

    /** How long a request waits for a refresh when no valid credentials are cached: below the SDKs' timeouts. */
    static final Duration DEFAULT_WAIT = Duration.ofSeconds(1);

    private static final Logger log = LoggerFactory.getLogger(CredentialsServer.class);
    private static final int QUEUE = 1024;
    private static final int STOP_DELAY_SECONDS = 1;
    /** Seconds a client may take to send its request (loopback clients take microseconds). */
    static final String MAX_REQUEST_SECONDS = "5";

    static {
        // The JDK server reads a request on a pool thread once its first bytes arrive and by default waits forever
        // for the rest, so a client that sent half a request would hold a thread for good. The JDK reads this
        // once, when its first server starts; a -D on the command line wins.
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
            System.setProperty("sun.net.httpserver.maxReqTime", MAX_REQUEST_SECONDS);
        }
        // The JDK server writes headers and body separately; with Nagle's algorithm on, the body then waits for the
        // client's delayed ACK, some 40 ms on Linux, on every answer on a kept-alive connection.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final AwsCredentialsProvider provider;
    private final String credentialsPath;
    private final String healthPath;
    private final byte[] authorization;
    private final Duration wait;
    private final HttpServer server;
    private final HttpServer healthServer;
    private final ThreadPoolExecutor handlers;
    private final AtomicLong missingAuthorization = new AtomicLong();
    private final AtomicLong wrongAuthorization = new AtomicLong();
    private volatile Answer lastAnswer;

    private CredentialsServer(AwsCredentialsProvider provider, InetSocketAddress address, String credentialsPath,
            String healthPath, String authorizationToken, int threads, Duration wait, InetSocketAddress healthAddress)
            throws IOException {
        this.provider = provider;
        this.credentialsPath = credentialsPath;
        this.healthPath = healthPath;
        this.authorization = authorizationToken.getBytes(StandardCharsets.UTF_8);
        this.wait = wait;
        AtomicInteger n = new AtomicInteger();
        this.handlers = new ThreadPoolExecutor(threads, threads, 1, TimeUnit.MINUTES, new ArrayBlockingQueue<>(QUEUE),
                r -> {
                    Thread t = new Thread(r, "keyless-serve-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.server = HttpServer.create(address, 0);
        server.setExecutor(handlers);
        server.createContext("/", exchange -> handle(exchange, true));
        if (healthAddress != null) {
            try {
                this.healthServer = HttpServer.create(healthAddress, 0);
            } catch (IOException e) {
                server.stop(0);
                handlers.shutdownNow();
                throw e;
            }
            healthServer.setExecutor(handlers);
            healthServer.createContext("/", exchange -> handle(exchange, false));
            healthServer.start();
        } else {
            this.healthServer = null;
        }
        server.start();
    }

    /**
     * Binds {@code address} and starts answering.
     *
     * @param provider where the credentials come from; not closed by {@link #close()}
     * @param address a loopback address and port (port 0 picks a free one)
     * @param authorizationToken the exact {@code Authorization} header value a client must send
     * @param threads request-handling threads
     * @param wait how long a request waits for a refresh when no valid credentials are cached
     * @param healthAddress where to answer the health path, and only it, for probes that cannot reach loopback
     *     (the kubelet's); {@code null} for none
     * @throws java.net.BindException if a port is taken
     */
    static CredentialsServer start(AwsCredentialsProvider provider, InetSocketAddress address, String credentialsPath,
            String healthPath, String authorizationToken, int threads, Duration wait, InetSocketAddress healthAddress)
            throws IOException {
        return new CredentialsServer(provider, address, credentialsPath, healthPath, authorizationToken, threads, wait,
                healthAddress);
    }

    /** Where the server listens. */
    InetSocketAddress address() {
        return server.getAddress();
    }

    /** The {@code AWS_CONTAINER_CREDENTIALS_FULL_URI} for this server. */
    URI credentialsUri() {
        return uri(credentialsPath);
    }

    /** The health URI, for probes. */
    URI healthUri() {
        return uri(healthPath);
    }

    /** Where the health-only listener listens, or {@code null}. */
    InetSocketAddress healthAddress() {
        return healthServer == null ? null : healthServer.getAddress();
    }

    private URI uri(String path) {
        String host = address().getAddress().getHostAddress();
        return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + address().getPort() + path);
    }

    /** Requests refused for a missing {@code Authorization} header. */
    long missingAuthorization() {
        return missingAuthorization.get();
    }

    /** Requests refused for a wrong {@code Authorization} header. */
    long wrongAuthorization() {
        return wrongAuthorization.get();
    }

    private void handle(HttpExchange exchange, boolean loopback) {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            boolean credentials = loopback && credentialsPath.equals(path);
            if (!credentials && !healthPath.equals(path)) {
                respond(exchange, 404, error("NotFound", loopback ? "keyless serve answers GET " + credentialsPath
                        + " (credentials) and GET " + healthPath + " (health) only."
                        : "This port answers GET " + healthPath + " only."));
            } else if (!"GET".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "GET");
                respond(exchange, 405, error("MethodNotAllowed", "Only GET is answered here."));
            } else if (credentials) {
                credentials(exchange);
            } else {
                health(exchange);
            }
        } catch (IOException | RuntimeException e) {
            // A client that went away; nothing of the exchange is logged but what failed.
            log.debug("Request not answered: {}", e.getClass().getName());
        }
    }

    private void credentials(HttpExchange exchange) throws IOException {
        List<String> presented = exchange.getRequestHeaders().get("Authorization");
        if (presented == null || presented.isEmpty()) {
            refuse(exchange, 401, missingAuthorization, "without an Authorization header");
            return;
        }
        if (presented.size() != 1
                || !MessageDigest.isEqual(presented.get(0).strip().getBytes(StandardCharsets.UTF_8), authorization)) {
            refuse(exchange, 403, wrongAuthorization, "with a wrong Authorization header");
            return;
        }
        CompletableFuture<? extends AwsCredentialsIdentity> pending = provider.resolveIdentity();
        AwsCredentialsIdentity identity;
        try {
            identity = pending.isDone() ? pending.join() : pending.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            respond(exchange, 503, error("CredentialsNotReady", "No valid credentials yet: the refresh (token, then "
                    + "STS) has not finished within " + wait.toMillis() + " ms. The SDK retries; if this persists, "
                    + "the keyless serve log says why."));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            respond(exchange, 503, error("ShuttingDown", "keyless serve is stopping."));
            return;
        } catch (ExecutionException | CompletionException e) {
            unavailable(exchange, e.getCause() != null ? e.getCause() : e);
            return;
        } catch (RuntimeException e) {
            unavailable(exchange, e);
            return;
        }
        Answer answer = lastAnswer;
        if (answer == null || answer.identity != identity) {
            answer = new Answer(identity, json(identity));
            lastAnswer = answer;
        }
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        respond(exchange, 200, answer.body);
    }

    /** The credentials as the SDKs read them; built once per credentials, not once per request. */
    private static byte[] json(AwsCredentialsIdentity identity) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("AccessKeyId", identity.accessKeyId());
        json.put("SecretAccessKey", identity.secretAccessKey());
        if (identity instanceof AwsSessionCredentialsIdentity) {
            json.put("Token", ((AwsSessionCredentialsIdentity) identity).sessionToken());
        }
        // Whole seconds: STS's own precision, and what every SDK's ISO-8601 parser reads.
        identity.expirationTime().ifPresent(e -> json.put("Expiration", e.truncatedTo(ChronoUnit.SECONDS).toString()));
        identity.accountId().ifPresent(account -> json.put("AccountId", account));
        return Json.write(json).getBytes(StandardCharsets.UTF_8);
    }

    /** An answer and the credentials it is for; never logged (its {@code toString()} is Object's). */
    private static final class Answer {
        final AwsCredentialsIdentity identity;
        final byte[] body;

        Answer(AwsCredentialsIdentity identity, byte[] body) {
            this.identity = identity;
            this.body = body;
        }
    }

    private void unavailable(HttpExchange exchange, Throwable failure) throws IOException {
        String code = failure instanceof WebIdentityCredentialsException
                && ((WebIdentityCredentialsException) failure).stsErrorCode() != null
                ? ((WebIdentityCredentialsException) failure).stsErrorCode() : "CredentialsUnavailable";
        String message = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
        // The provider's messages are redacted already; scrubbing again costs nothing.
        respond(exchange, 503, error(code, Redaction.scrub(message)));
    }

    private void refuse(HttpExchange exchange, int status, AtomicLong counter, String why) throws IOException {
        long count = counter.incrementAndGet();
        // The first refusal of each kind is worth a warning; a flood is not worth a flood of lines.
        if (Long.toString(count).matches("10*")) {
            log.warn("Refused a credentials request {} ({} so far). Clients must send the token from the "
                    + "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE that keyless serve printed at start.", why, count);
        } else {
            log.debug("Refused a credentials request {} ({} so far)", why, count);
        }
        exchange.sendResponseHeaders(status, -1);
    }

    private void health(HttpExchange exchange) throws IOException {
        CompletableFuture<? extends AwsCredentialsIdentity> current = provider.resolveIdentity();
        Map<String, Object> json = new LinkedHashMap<>();
        boolean up = current.isDone() && !current.isCompletedExceptionally();
        json.put("status", up ? "UP" : "DOWN");
        if (up) {
            current.join().expirationTime().ifPresent(e -> json.put("expiration", e.truncatedTo(ChronoUnit.SECONDS)
                    .toString()));
        } else {
            json.put("reason", current.isDone() ? "The last refresh failed; the keyless serve log says why."
                    : "Fetching credentials.");
        }
        Map<String, Object> refused = new LinkedHashMap<>();
        refused.put("missingAuthorization", missingAuthorization.get());
        refused.put("wrongAuthorization", wrongAuthorization.get());
        json.put("refused", refused);
        respond(exchange, up ? 200 : 503, Json.write(json));
    }

    private static String error(String code, String message) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("Code", code);
        json.put("Message", message);
        return Json.write(json);
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        respond(exchange, status, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void respond(HttpExchange exchange, int status, byte[] bytes) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Stops accepting, lets credentials requests in progress finish (up to a second), and stops the threads. */
    @Override
    public void close() {
        if (healthServer != null) {
            healthServer.stop(0);
        }
        server.stop(STOP_DELAY_SECONDS);
        handlers.shutdownNow();
    }
}
