package dev.keyless.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.keyless.settings.Settings;
import dev.keyless.testing.FakeTime;
import dev.keyless.testing.TestTokens;
import dev.keyless.testing.TraceCapture;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * Path B against a real HTTP server on loopback playing the metadata server. Time is a {@link FakeTime}
 * moved by the source's own sleeps, so the 30-second retry budget passes instantly; only the
 * refused-connection test waits for real.
 */
class MetadataServerTokenSourceTest {

    private static final String AUDIENCE = "sts.amazonaws.com";
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private static final String JDK_HTTP_LOGGER = "sun.net.www.protocol.http.HttpURLConnection";

    private final FakeTime time = new FakeTime(Instant.parse("2030-01-01T00:00:00Z"));
    private final List<Duration> sleeps = new CopyOnWriteArrayList<>();
    private final List<FakeMetadataServer> servers = new ArrayList<>();
    private ListAppender<ILoggingEvent> logs;
    private Logger sourceLogger;

    @BeforeEach
    void captureLogs() {
        sourceLogger = (Logger) LoggerFactory.getLogger(MetadataServerTokenSource.class);
        sourceLogger.setLevel(Level.TRACE);
        logs = new ListAppender<>();
        logs.start();
        sourceLogger.addAppender(logs);
    }

    @AfterEach
    void stopServersAndLogs() {
        servers.forEach(FakeMetadataServer::close);
        sourceLogger.detachAppender(logs);
        sourceLogger.setLevel(null);
    }

    // --- success ---

    @Test
    void fetchToken_serverAnswers200WithMetadataFlavor_returnsTokenFromIdentityEndpoint() {
        String token = TestTokens.google(Instant.now(), AUDIENCE);
        FakeMetadataServer server = server(Answer.token(token + "\n"));

        WebIdentityToken fetched = source(server.hostAndPort()).fetchToken();

        assertThat(fetched.value()).isEqualTo(token);
        assertThat(fetched.claims().subject()).isEqualTo(TestTokens.GSA_UNIQUE_ID);
        assertThat(fetched.source()).isEqualTo("metadata server " + server.hostAndPort() + " (audience " + AUDIENCE + ")");
        assertThat(server.requests).singleElement().satisfies(request -> {
            assertThat(request.method).isEqualTo("GET");
            assertThat(request.path).isEqualTo("/computeMetadata/v1/instance/service-accounts/default/identity");
            assertThat(request.flavor).isEqualTo("Google");
            assertThat(request.query).containsEntry("audience", AUDIENCE).containsEntry("format", "full");
        });
        assertThat(sleeps).isEmpty();
    }

    @Test
    void fetchToken_audienceWithReservedCharacters_isUrlEncodedInQuery() {
        String audience = "https://example.com/aws?x=1&y=z b+c";
        FakeMetadataServer server = server(Answer.token(TestTokens.google(Instant.now(), audience)));

        WebIdentityToken fetched = new MetadataServerTokenSource(audience, env(server.hostAndPort()), time.clock(),
                this::sleep).fetchToken();

        assertThat(fetched.claims().audience()).containsExactly(audience);
        assertThat(server.requests).singleElement().satisfies(request -> {
            assertThat(request.query).containsEntry("audience", audience).containsEntry("format", "full");
            assertThat(request.query).hasSize(2);
        });
    }

    @Test
    void fetchToken_serverRefusesConnectionsAtFirst_retriesUntilItListens() throws Exception {
        // Nothing listens on the port until the source has been refused twice: the server starts inside the
        // source's second backoff pause (the injected sleeper), so the order is decided, not timed.
        int refusalsBeforeListening = 2;
        int port;
        try (ServerSocket reserve = new ServerSocket(0, 1, LOOPBACK)) {
            port = reserve.getLocalPort();
        }
        String token = TestTokens.google(Instant.now(), AUDIENCE);
        AtomicReference<FakeMetadataServer> late = new AtomicReference<>();
        List<Duration> pauses = new CopyOnWriteArrayList<>();
        MetadataServerTokenSource source = new MetadataServerTokenSource(AUDIENCE,
                env(LOOPBACK.getHostAddress() + ":" + port), time.clock(), pause -> {
                    pauses.add(pause);
                    time.advance(pause);
                    if (pauses.size() == refusalsBeforeListening) {
                        try {
                            late.set(new FakeMetadataServer(port, Answer.token(token)));
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                });
        try {
            WebIdentityToken fetched = source.fetchToken();

            assertThat(fetched.value()).isEqualTo(token);
            assertThat(pauses).as("one backoff pause per refused connection").hasSize(refusalsBeforeListening);
            assertThat(late.get().requests).hasSize(1);
            assertThat(debugMessages()).anyMatch(m -> m.contains("ConnectException") && m.contains("attempt 1"))
                    .anyMatch(m -> m.contains("ConnectException") && m.contains("attempt 2"));
        } finally {
            if (late.get() != null) {
                late.get().close();
            }
        }
    }

    @Test
    void fetchToken_serverAnswers503Then200_retriesAndReturnsToken() {
        String token = TestTokens.google(Instant.now(), AUDIENCE);
        FakeMetadataServer server = server(Answer.status(503, "starting"), Answer.token(token));

        WebIdentityToken fetched = source(server.hostAndPort()).fetchToken();

        assertThat(fetched.value()).isEqualTo(token);
        assertThat(server.requests).hasSize(2);
        assertThat(sleeps).singleElement()
                .satisfies(d -> assertThat(d).isBetween(Duration.ofMillis(100), Duration.ofMillis(200)));
        assertThat(debugMessages()).singleElement().satisfies(m -> assertThat(m)
                .contains("attempt 1", "HTTP 503", "retrying in " + sleeps.get(0).toMillis() + " ms"));
    }

    @Test
    void fetchToken_serverAnswers429Then200_retriesAndReturnsToken() {
        String token = TestTokens.google(Instant.now(), AUDIENCE);
        FakeMetadataServer server = server(Answer.status(429, ""), Answer.token(token));

        WebIdentityToken fetched = source(server.hostAndPort()).fetchToken();

        assertThat(fetched.value()).isEqualTo(token);
        assertThat(server.requests).hasSize(2);
        assertThat(sleeps).hasSize(1);
    }

    // --- transient failures that last ---

    @Test
    void fetchToken_serverAlwaysAnswers500_failsTransientlyWhenBudgetIsSpent() {
        FakeMetadataServer server = server(Answer.status(500, "internal error"));
        Instant start = time.now();

        TokenSourceException e = fetchFailure(source(server.hostAndPort()));

        // Backoff: 0.1-0.2, 0.2-0.4, 0.4-0.8, 0.8-1.6 s, then 1.5-3 s each, capped at the 30-s budget.
        assertThat(server.requests).hasSizeBetween(12, 25);
        assertThat(sleeps).hasSize(server.requests.size() - 1);
        assertThat(Duration.between(start, time.now())).isEqualTo(Duration.ofSeconds(30));
        assertThat(e.retryable()).isTrue();
        assertThat(e.getMessage())
                .contains("http://" + server.hostAndPort()
                        + "/computeMetadata/v1/instance/service-accounts/default/identity")
                .contains("after " + server.requests.size() + " attempts in 30 s")
                .contains("HTTP 500 (\"internal error\")")
                .contains("hostNetwork", "Workload Identity", "--workload-metadata=GKE_METADATA")
                .doesNotContain("format=full");
        assertThat(debugMessages()).hasSize(server.requests.size() - 1);
    }

    @Test
    void fetchToken_hostNeverAnswers_failsNamingTheLastIoError() {
        int port = freePort();

        TokenSourceException e = fetchFailure(source(LOOPBACK.getHostAddress() + ":" + port));

        assertThat(e.retryable()).isTrue();
        assertThat(e.getMessage()).contains("ConnectException", "hostNetwork");
        assertThat(e.getCause()).isInstanceOf(java.net.ConnectException.class);
    }

    @Test
    void fetchToken_interruptedWhileWaitingToRetry_restoresInterruptAndFails() {
        FakeMetadataServer server = server(Answer.status(503, ""));
        MetadataServerTokenSource source = new MetadataServerTokenSource(AUDIENCE, env(server.hostAndPort()),
                time.clock(), d -> {
                    throw new InterruptedException();
                });

        TokenSourceException e = fetchFailure(source);

        assertThat(Thread.interrupted()).isTrue();
        assertThat(e.getMessage()).contains("Interrupted", "HTTP 503");
        assertThat(e.getCause()).isInstanceOf(InterruptedException.class);
        assertThat(server.requests).hasSize(1);
    }

    // --- answers that need a person ---

    @Test
    void fetchToken_serverRedirects302ToAnotherHost_doesNotFollow() {
        FakeMetadataServer other = server(Answer.token(TestTokens.google(Instant.now(), AUDIENCE)));
        FakeMetadataServer server = server(Answer.redirect("http://localhost:" + other.port()
                + "/computeMetadata/v1/instance/service-accounts/default/identity"));

        TokenSourceException e = fetchFailure(source(server.hostAndPort()));

        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("HTTP 302", "a redirect to localhost:" + other.port(), "never follows");
        assertThat(server.requests).hasSize(1);
        assertThat(other.requests).isEmpty();
    }

    @Test
    void fetchToken_serverAnswers404_explainsWorkloadIdentitySetupWithoutRetrying() {
        String gkeSays = "Your Kubernetes service account (checkout/checkout-api) is not annotated with a target "
                + "Google service account, which is a requirement for retrieving Identity Tokens using Workload "
                + "Identity.";
        FakeMetadataServer server = server(Answer.status(404, gkeSays + "\n"));

        TokenSourceException e = fetchFailure(source(server.hostAndPort()));

        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage())
                .contains("HTTP 404", gkeSays, "--workload-metadata=GKE_METADATA", "iam.gke.io/gcp-service-account",
                        "roles/iam.workloadIdentityUser", "does not support the identity endpoint");
        assertThat(server.requests).hasSize(1);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void fetchToken_serverAnswers403_explainsMetadataFlavorWithoutRetrying() {
        FakeMetadataServer server = server(Answer.status(403, ""));

        TokenSourceException e = fetchFailure(source(server.hostAndPort()));

        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("HTTP 403", "Metadata-Flavor: Google", "proxy", "concealment");
        assertThat(server.requests).hasSize(1);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void fetchToken_serverAnswersOther4xx_failsWithStatusWithoutRetrying() {
        FakeMetadataServer server = server(Answer.status(400, "non-empty audience parameter required"));

        TokenSourceException e = fetchFailure(source(server.hostAndPort()));

        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("HTTP 400", "non-empty audience parameter required",
                "GCE_METADATA_HOST (" + server.hostAndPort() + ")");
        assertThat(server.requests).hasSize(1);
    }

    @Test
    void fetchToken_answerFarLargerThanAToken_failsWithTheLimitWithoutRetrying() {
        FakeMetadataServer server = server(Answer.token("a".repeat(200_000)));

        TokenSourceException e = fetchFailure(source(server.hostAndPort()));

        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("cannot be an identity token", "more than 32768 bytes; the limit is 32768");
        assertThat(server.requests).hasSize(1);
    }

    @Test
    void fetchToken_binaryAnswer_saysItIsNotText() {
        FakeMetadataServer server = server(Answer.token("eyJ\u0000\u0001"));

        TokenSourceException e = fetchFailure(source(server.hostAndPort()));

        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("is not text").doesNotContain("Input length");
    }

    @Test
    void fetchToken_answer200WithoutMetadataFlavorHeader_isRejected() {
        FakeMetadataServer server = server(new Answer(200, Map.of(), TestTokens.google(Instant.now(), AUDIENCE)));

        TokenSourceException e = fetchFailure(source(server.hostAndPort()));

        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("without the response header Metadata-Flavor: Google",
                "not a Google metadata server");
        assertThat(server.requests).hasSize(1);
    }

    @Test
    void fetchToken_answerForAnotherAudience_isRefusedBeforeSts() {
        String other = TestTokens.google(Instant.now(), TestTokens.GSA_UNIQUE_ID);
        FakeMetadataServer server = server(Answer.token(other));

        TokenSourceException e = fetchFailure(source(server.hostAndPort()));

        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("another audience", "(" + AUDIENCE + ")", "aud=" + TestTokens.GSA_UNIQUE_ID)
                .doesNotContain("eyJ");
    }

    @Test
    void fetchToken_answer200WithSomethingElseThanAJwt_failsAsConfiguration() {
        FakeMetadataServer server = server(Answer.token("<html>captive portal</html>"));

        TokenSourceException e = fetchFailure(source(server.hostAndPort()));

        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("metadata server " + server.hostAndPort(), "cannot be sent to AWS STS");
    }

    // --- GCE_METADATA_HOST ---

    @ParameterizedTest
    @ValueSource(strings = {
        "x@169.254.169.254/path",
        "x@127.0.0.1:%d",
        "user:secret@127.0.0.1:%d",
        "http://127.0.0.1:%d",
        "127.0.0.1:%d/path",
        "127.0.0.1:%d/",
        "127.0.0.1:%d?audience=x",
        "127.0.0.1:%d#fragment",
        "127.0.0.1:%d\\path",
        " 127.0.0.1:%d",
        "127.0.0.1:%d\nHost: evil.example",
        "127.0.0.1:",
        "127.0.0.1:0",
        "127.0.0.1:99999",
        "127.0.0.1:port",
        "::1",
        "[::1",
        "[::1]:%d/x",
        "host_name:%d",
        "999.1.1.1"
    })
    void fetchToken_hostileMetadataHost_failsAsConfigurationWithoutAnyRequest(String template) {
        FakeMetadataServer server = server(Answer.token(TestTokens.google(Instant.now(), AUDIENCE)));
        String value = String.format(template, server.port());
        MetadataServerTokenSource source = source(value);

        TokenSourceException first = fetchFailure(source);
        TokenSourceException second = fetchFailure(source);

        assertThat(first.retryable()).isFalse();
        assertThat(first.getMessage()).contains("GCE_METADATA_HOST must be a bare host or host:port")
                .doesNotContain("x@", "secret");
        assertThat(second.getMessage()).isEqualTo(first.getMessage());
        assertThat(source.toString()).doesNotContain("secret");
        assertThat(server.requests).isEmpty();
        assertThat(warnings()).isEmpty();
    }

    @Test
    void construction_unusualMetadataHost_isAllowedButWarned() {
        // Built, never fetched: nothing is sent to evil.example.
        MetadataServerTokenSource source = source("evil.example");

        assertThat(source).hasToString("metadata server evil.example (audience " + AUDIENCE + ")");
        assertThat(warnings()).singleElement().satisfies(m -> assertThat(m)
                .contains("GCE_METADATA_HOST=evil.example", "neither metadata.google.internal", "trust"));
        assertThat(MetadataServerTokenSource.hostProblem("evil.example:8080")).isNull();
        assertThat(MetadataServerTokenSource.isWellKnownHost("evil.example")).isFalse();
        assertThat(MetadataServerTokenSource.isWellKnownHost("10.0.0.1")).isFalse();
        assertThat(MetadataServerTokenSource.isWellKnownHost("[fd00::1]")).isFalse();
        assertThat(MetadataServerTokenSource.isWellKnownHost("metadata.google.internal.evil.example")).isFalse();
        assertThat(MetadataServerTokenSource.isWellKnownHost("127.evil.example")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "metadata.google.internal",
        "METADATA.google.internal:80",
        "169.254.169.254",
        "169.254.169.254:80",
        "127.0.0.1:8080",
        "127.1.2.3",
        "[::1]:8080",
        "[0:0:0:0:0:0:0:1]",
        "localhost:8080"
    })
    void construction_expectedMetadataHost_isAcceptedWithoutWarning(String value) {
        MetadataServerTokenSource source = source(value);

        assertThat(MetadataServerTokenSource.hostProblem(value)).isNull();
        assertThat(source).hasToString("metadata server " + value + " (audience " + AUDIENCE + ")");
        assertThat(warnings()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  "})
    void construction_gceMetadataHostUnsetOrBlank_usesMetadataGoogleInternal(String value) {
        assertThat(source(null)).hasToString("metadata server metadata.google.internal (audience " + AUDIENCE + ")");
        assertThat(source(value)).hasToString("metadata server metadata.google.internal (audience " + AUDIENCE + ")");
        assertThat(warnings()).isEmpty();
    }

    @Test
    void metadataServer_factory_buildsThisSource() {
        assertThat(TokenSources.metadataServer(AUDIENCE)).isInstanceOf(MetadataServerTokenSource.class)
                .hasToString(new MetadataServerTokenSource(AUDIENCE, Settings.system()).toString());
    }

    // --- secrets ---

    @Test
    void fetchToken_serverEchoesTheToken_tokenNeverInMessagesOrLogs() {
        // Everything: the root logger at TRACE with java.util.logging bridged, so the JDK HTTP client's
        // (HttpURLConnection's) own request and response logs are captured too.
        try (TraceCapture capture = TraceCapture.start()) {
            serverEchoesTheToken(capture);
        }
    }

    private void serverEchoesTheToken(TraceCapture capture) {
        String token = TestTokens.google(Instant.now(), AUDIENCE);
        List<Answer> echoes = List.of(
                Answer.status(404, "no identity for " + token),
                Answer.status(403, token),
                Answer.status(400, "bad request " + token),
                Answer.redirect("http://localhost:1/steal?token=" + token),
                new Answer(200, Map.of(), token),
                new Answer(200, Map.of("Metadata-Flavor", "Google"), token + " trailing junk"));
        List<String> seen = new ArrayList<>();
        for (Answer echo : echoes) {
            TokenSourceException e = fetchFailure(source(server(echo).hostAndPort()));
            seen.addAll(messages(e));
        }
        TokenSourceException exhausted = fetchFailure(source(server(Answer.status(503, token)).hostAndPort()));
        seen.addAll(messages(exhausted));
        seen.addAll(logs.list.stream().map(ILoggingEvent::getFormattedMessage).collect(Collectors.toList()));
        // One exception, the JDK's and not Keyless's: at FINE, HttpURLConnection dumps every response header it
        // receives, so a hostile server's redirect that carries the token in its Location header reaches that
        // logger (docs/reliability.md: keep sun.net.www.protocol.http at INFO in production). Everything else,
        // Keyless's own loggers included, is checked.
        seen.addAll(capture.texts().stream().filter(text -> !(text.startsWith(JDK_HTTP_LOGGER + " ")
                && text.contains("sun.net.www.MessageHeader@") && text.contains("{Location: "))).toList());
        assertThat(capture.loggerNames()).as("loggers captured").contains(
                JDK_HTTP_LOGGER, MetadataServerTokenSource.class.getName());

        assertThat(seen).isNotEmpty().allSatisfy(text -> assertThat(text).doesNotContain(token).doesNotContain("eyJ"));
        assertThat(exhausted.getMessage()).contains("HTTP 503 (\"[token redacted]\")");
    }

    // --- helpers ---

    private MetadataServerTokenSource source(String gceMetadataHost) {
        return new MetadataServerTokenSource(AUDIENCE, env(gceMetadataHost), time.clock(), this::sleep);
    }

    private void sleep(Duration duration) {
        sleeps.add(duration);
        time.advance(duration);
    }

    private static Settings env(String gceMetadataHost) {
        return Settings.from(name -> null, name -> "GCE_METADATA_HOST".equals(name) ? gceMetadataHost : null);
    }

    private static TokenSourceException fetchFailure(TokenSource source) {
        TokenSourceException e = catchThrowableOfType(source::fetchToken, TokenSourceException.class);
        assertThat(e).as("fetchToken() should fail with a TokenSourceException").isNotNull();
        return e;
    }

    private static List<String> messages(Throwable e) {
        List<String> messages = new ArrayList<>();
        for (Throwable t = e; t != null; t = t.getCause()) {
            messages.add(String.valueOf(t.getMessage()));
            messages.add(t.toString());
        }
        return messages;
    }

    private List<String> warnings() {
        return logs.list.stream().filter(event -> event.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage).collect(Collectors.toList());
    }

    private List<String> debugMessages() {
        return logs.list.stream().filter(event -> event.getLevel() == Level.DEBUG)
                .map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains("retrying in"))
                .collect(Collectors.toList());
    }

    private FakeMetadataServer server(Answer... script) {
        try {
            FakeMetadataServer server = new FakeMetadataServer(0, script);
            servers.add(server);
            return server;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket reserve = new ServerSocket(0, 1, LOOPBACK)) {
            return reserve.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One scripted answer; an empty body is sent with no body at all. */
    private static final class Answer {
        final int status;
        final Map<String, String> headers;
        final String body;

        Answer(int status, Map<String, String> headers, String body) {
            this.status = status;
            this.headers = headers;
            this.body = body;
        }

        /** What the metadata server answers: 200, the token, {@code Metadata-Flavor: Google}. */
        static Answer token(String body) {
            return new Answer(200, Map.of("Metadata-Flavor", "Google", "Content-Type", "text/html"), body);
        }

        static Answer status(int status, String body) {
            return new Answer(status, Map.of("Metadata-Flavor", "Google"), body);
        }

        static Answer redirect(String location) {
            return new Answer(302, Map.of("Metadata-Flavor", "Google", "Location", location), "");
        }
    }

    /** What the server saw of one request. */
    private static final class Recorded {
        final String method;
        final String path;
        final Map<String, String> query;
        final String flavor;

        Recorded(HttpExchange exchange) {
            this.method = exchange.getRequestMethod();
            this.path = exchange.getRequestURI().getPath();
            String raw = exchange.getRequestURI().getRawQuery();
            this.query = new HashMap<>();
            if (raw != null) {
                Arrays.stream(raw.split("&")).map(pair -> pair.split("=", 2)).forEach(pair -> query.put(
                        URLDecoder.decode(pair[0], StandardCharsets.UTF_8),
                        pair.length == 2 ? URLDecoder.decode(pair[1], StandardCharsets.UTF_8) : ""));
            }
            this.flavor = exchange.getRequestHeaders().getFirst("Metadata-Flavor");
        }
    }

    /**
     * The JDK's HTTP server on loopback answering the identity endpoint from a script; the last answer
     * repeats.
     */
    private static final class FakeMetadataServer implements AutoCloseable {
        final List<Recorded> requests = new CopyOnWriteArrayList<>();
        private final ConcurrentLinkedDeque<Answer> script;
        private final HttpServer server;

        FakeMetadataServer(int port, Answer... script) throws IOException {
            this.script = new ConcurrentLinkedDeque<>(List.of(script));
            this.server = HttpServer.create(new InetSocketAddress(LOOPBACK, port), 0);
            server.createContext("/", this::answer);
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        String hostAndPort() {
            return LOOPBACK.getHostAddress() + ":" + port();
        }

        private void answer(HttpExchange exchange) throws IOException {
            requests.add(new Recorded(exchange));
            Answer answer = script.size() > 1 ? script.poll() : script.peek();
            answer.headers.forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
            byte[] body = answer.body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(answer.status, body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
