package dev.keyless.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * The GCE/GKE metadata server's identity endpoint, as a real HTTP server on loopback:
 * {@code GET /computeMetadata/v1/instance/service-accounts/default/identity?audience=AUD&format=full}.
 *
 * <p>Like the real one it answers only requests carrying {@code Metadata-Flavor: Google} (403 otherwise),
 * sends {@code Metadata-Flavor: Google} on every response, wants a non-empty {@code audience} (400
 * otherwise) and answers 404 for other paths. The token for an audience comes from a function you can
 * replace; by default a Path B token minted by {@link TestTokens#google(Instant, String)} for the audience
 * asked for. {@link #failNext(int...)} queues error statuses (429, 503, 404 ...) for the next requests.
 *
 * <p>Point a client at it with {@code GCE_METADATA_HOST=}{@link #hostAndPort()}. Thread-safe.
 */
public final class FakeMetadataServer implements AutoCloseable {

    public static final String IDENTITY_PATH = "/computeMetadata/v1/instance/service-accounts/default/identity";
    public static final String FLAVOR_HEADER = "Metadata-Flavor";
    public static final String FLAVOR = "Google";

    /** What one request asked for and got. No token is recorded. */
    public record Request(String method, String path, Map<String, String> query, boolean flavorHeader, int status) {
    }

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Deque<Integer> queuedFailures = new ArrayDeque<>();
    private volatile Function<String, String> tokens = audience -> TestTokens.google(Instant.now(), audience);

    private FakeMetadataServer(HttpServer server) {
        this.server = server;
    }

    /**
     * Starts a server on {@code 127.0.0.1} and a free port.
     *
     * @return the running server; close it when done
     */
    public static FakeMetadataServer start() {
        try {
            HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
            FakeMetadataServer fake = new FakeMetadataServer(http);
            http.createContext("/", fake::handle);
            http.start();
            return fake;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the fake metadata server on 127.0.0.1", e);
        }
    }

    /**
     * Replaces how tokens are made.
     *
     * @param tokensByAudience the compact JWT to serve for the requested audience
     * @return this server
     */
    public FakeMetadataServer tokens(Function<String, String> tokensByAudience) {
        this.tokens = Objects.requireNonNull(tokensByAudience, "tokensByAudience");
        return this;
    }

    /**
     * The next requests to the identity endpoint (with the right header) fail with these statuses, in order;
     * then service resumes.
     *
     * @param statuses HTTP statuses, for example {@code 503, 503, 429}
     * @return this server
     */
    public FakeMetadataServer failNext(int... statuses) {
        synchronized (queuedFailures) {
            for (int status : statuses) {
                queuedFailures.addLast(status);
            }
        }
        return this;
    }

    /**
     * The value for {@code GCE_METADATA_HOST}.
     *
     * @return {@code 127.0.0.1:PORT}
     */
    public String hostAndPort() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * The identity endpoint's URL for {@code audience} with {@code format=full}.
     *
     * @param audience the audience to ask for
     * @return the URL
     */
    public URI identityUri(String audience) {
        return URI.create("http://" + hostAndPort() + IDENTITY_PATH + "?audience="
                + URLEncoder.encode(audience, StandardCharsets.UTF_8) + "&format=full");
    }

    /**
     * How many requests arrived, whatever their path, header or outcome.
     *
     * @return the count
     */
    public int requestCount() {
        return requests.size();
    }

    /**
     * Every request so far, oldest first.
     *
     * @return a snapshot
     */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            boolean flavor = FLAVOR.equals(exchange.getRequestHeaders().getFirst(FLAVOR_HEADER));
            exchange.getResponseHeaders().set(FLAVOR_HEADER, FLAVOR);
            exchange.getResponseHeaders().set("Content-Type", "text/html");

            int status;
            String body;
            Integer queued;
            if (!flavor) {
                status = 403;
                body = "Missing Metadata-Flavor:Google header.";
            } else if (!IDENTITY_PATH.equals(path)) {
                status = 404;
                body = "Not Found";
            } else if (!"GET".equals(method)) {
                status = 405;
                body = "Method Not Allowed";
            } else if ((queued = nextFailure()) != null) {
                status = queued;
                body = "queued failure " + queued;
            } else if (query.getOrDefault("audience", "").isEmpty()) {
                status = 400;
                body = "non-empty audience parameter required";
            } else {
                status = 200;
                body = tokens.apply(query.get("audience"));
            }
            requests.add(new Request(method, path, Map.copyOf(query), flavor, status));
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private Integer nextFailure() {
        synchronized (queuedFailures) {
            return queuedFailures.pollFirst();
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> params = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            String[] kv = pair.split("=", 2);
            params.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                    kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
        }
        return params;
    }
}
