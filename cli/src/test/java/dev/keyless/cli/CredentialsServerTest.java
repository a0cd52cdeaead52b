package dev.keyless.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.testing.FakeTime;
import dev.keyless.testing.StsStub;
import dev.keyless.testing.TestTokens;
import dev.keyless.token.TokenSources;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keyless serve}'s endpoint in this JVM, with STS faked by {@link StsStub} and requests from the JDK's HTTP
 * client sent exactly as the SDKs send them.
 */
class CredentialsServerTest {

    private static final Instant START = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.HOURS);
    private static final String IN_ONE_HOUR = START.plus(Duration.ofHours(1)).toString();
    private static final Duration TEST_WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final StsStub sts = new StsStub();
    private final FakeTime time = new FakeTime(START);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private WebIdentityCredentialsProvider provider;
    private AuthorizationToken authorization;
    private CredentialsServer server;

    @BeforeEach
    void start() throws Exception {
        Path tokenFile = Files.writeString(dir.resolve("web-identity-token"), TestTokens.gke(START,
                Duration.ofHours(3)));
        provider = WebIdentityCredentialsProvider.builder()
                .roleArn(StsStub.ROLE_ARN)
                .tokenSource(TokenSources.file(tokenFile))
                .stsEndpoint(sts.endpoint())
                .clock(time.clock())
                .build();
        authorization = AuthorizationToken.readOrCreate(dir.resolve("authorization-token"));
        server = start(provider, authorization, 4);
    }

    private CredentialsServer start(WebIdentityCredentialsProvider provider, AuthorizationToken token, int threads)
            throws Exception {
        CredentialsServer started = CredentialsServer.start(provider,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), "/credentials", "/healthz", token.value(),
                threads, TEST_WAIT, null);
        toClose.add(started);
        return started;
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        provider.close();
        sts.close();
    }

    private HttpResponse<String> get(URI uri, String authorizationHeader) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET();
        if (authorizationHeader != null) {
            request.header("Authorization", authorizationHeader);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> getCredentials() throws Exception {
        return get(server.credentialsUri(), Files.readString(authorization.file()));
    }

    @Test
    void credentials_withTheTokenFromTheFile_answersTheJsonTheSdksRead() throws Exception {
        sts.succeed(START.plus(Duration.ofHours(1)).plusMillis(250));

        HttpResponse<String> response = getCredentials();

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        Map<String, Object> json = JSONObjectUtils.parse(response.body());
        assertThat(json.keySet()).containsExactly("AccessKeyId", "SecretAccessKey", "Token", "Expiration", "AccountId");
        assertThat((String) json.get("AccessKeyId")).startsWith("ASIAKEYLESSTEST");
        assertThat((String) json.get("SecretAccessKey")).startsWith(StsStub.SECRET_PREFIX);
        assertThat((String) json.get("Token")).startsWith(StsStub.SESSION_TOKEN_PREFIX);
        assertThat(json.get("Expiration")).isEqualTo(IN_ONE_HOUR);
        assertThat(json.get("AccountId")).isEqualTo(StsStub.ACCOUNT_ID);
    }

    @Test
    void authorizationTokenFile_isRandomOwnerOnlyAndHasNoLineBreak() throws Exception {
        String token = Files.readString(authorization.file());
        AuthorizationToken other = AuthorizationToken.readOrCreate(dir.resolve("other"));

        assertThat(token).matches("[A-Za-z0-9_-]{43}").isNotEqualTo(other.value());
        assertThat(Files.getPosixFilePermissions(authorization.file()))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertThat(authorization.toString()).doesNotContain(token);
        assertThat(AuthorizationToken.readOrCreate(authorization.file()).value()).as("an existing file is reused")
                .isEqualTo(token);
    }

    @Test
    void credentials_missingWrongOrAnotherServersToken_refusedWithoutDetailAndCounted() throws Exception {
        sts.succeed(START.plus(Duration.ofHours(1)));
        AuthorizationToken otherToken = AuthorizationToken.readOrCreate(dir.resolve("other-serve-token"));
        start(provider, otherToken, 1);
        String own = Files.readString(authorization.file());

        HttpResponse<String> missing = get(server.credentialsUri(), null);
        HttpResponse<String> wrong = get(server.credentialsUri(), own.substring(1) + "x");
        HttpResponse<String> prefix = get(server.credentialsUri(), own.substring(0, 20));
        HttpResponse<String> replayed = get(server.credentialsUri(), Files.readString(otherToken.file()));

        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(List.of(wrong.statusCode(), prefix.statusCode(), replayed.statusCode())).containsOnly(403);
        assertThat(List.of(missing, wrong, prefix, replayed)).allSatisfy(r -> assertThat(r.body()).isEmpty());
        assertThat(server.missingAuthorization()).isEqualTo(1);
        assertThat(server.wrongAuthorization()).isEqualTo(3);
        assertThat(sts.calls()).as("no refused request reaches STS").isZero();
        assertThat(getCredentials().statusCode()).isEqualTo(200);
    }

    @Test
    void otherPathsAndMethods_404And405_andHealthNeverServesCredentials() throws Exception {
        sts.succeed(START.plus(Duration.ofHours(1)));
        String token = Files.readString(authorization.file());
        assertThat(getCredentials().statusCode()).isEqualTo(200);

        HttpResponse<String> other = get(server.credentialsUri().resolve("/credentials/x"), token);
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(server.credentialsUri())
                .header("Authorization", token).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> health = get(server.healthUri(), token);

        assertThat(other.statusCode()).isEqualTo(404);
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(JSONObjectUtils.parse(health.body())).containsEntry("status", "UP")
                .containsEntry("expiration", IN_ONE_HOUR);
        assertThat(other.body() + post.body() + health.body()).doesNotContain(StsStub.SECRET_PREFIX)
                .doesNotContain(StsStub.SESSION_TOKEN_PREFIX).doesNotContain("ASIA");
    }

    @Test
    void healthPort_answersTheHealthPathOnly_neverCredentials() throws Exception {
        sts.succeed(START.plus(Duration.ofHours(1)));
        CredentialsServer withProbes = CredentialsServer.start(provider,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), "/credentials", "/healthz",
                authorization.value(), 1, TEST_WAIT, new InetSocketAddress(0));
        toClose.add(withProbes);
        assertThat(get(withProbes.credentialsUri(), authorization.value()).statusCode()).isEqualTo(200);
        URI probes = URI.create("http://127.0.0.1:" + withProbes.healthAddress().getPort());

        HttpResponse<String> health = get(probes.resolve("/healthz"), null);
        HttpResponse<String> credentials = get(probes.resolve("/credentials"), authorization.value());

        assertThat(withProbes.healthAddress().getAddress().isAnyLocalAddress()).isTrue();
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(credentials.statusCode()).isEqualTo(404);
        assertThat(credentials.body()).doesNotContain(StsStub.SECRET_PREFIX).doesNotContain("ASIA");
    }

    @Test
    void health_downUntilCredentialsAreCached_andDownAgainOnceTheyExpireAndStsFails() throws Exception {
        sts.succeed(START.plus(Duration.ofHours(1)));
        sts.server().stubFor(post(urlEqualTo("/")).withRequestBody(containing("AssumeRoleWithWebIdentity"))
                .willReturn(sts.success(START.plus(Duration.ofHours(1))).withFixedDelay(300)));

        HttpResponse<String> starting = get(server.healthUri(), null);
        assertThat(starting.statusCode()).isEqualTo(503);
        assertThat(JSONObjectUtils.parse(starting.body())).containsEntry("status", "DOWN");
        assertThat(getCredentials().statusCode()).isEqualTo(200);
        assertThat(get(server.healthUri(), null).statusCode()).isEqualTo(200);

        sts.fail(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
        time.set(START.plus(Duration.ofHours(1)));
        assertThat(getCredentials().statusCode()).isEqualTo(503);
        HttpResponse<String> down = get(server.healthUri(), null);
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.body()).contains("\"DOWN\"").doesNotContain("AccessDenied");
    }

    @Test
    void credentials_stsRefuses_503WithTheProvidersDiagnosis() throws Exception {
        sts.fail(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");

        HttpResponse<String> response = getCredentials();

        assertThat(response.statusCode()).isEqualTo(503);
        Map<String, Object> json = JSONObjectUtils.parse(response.body());
        assertThat(json.get("Code")).isEqualTo("AccessDenied");
        assertThat((String) json.get("Message")).contains(StsStub.ROLE_ARN).doesNotContain("eyJ");
    }

    @Test
    void sixtyFourConcurrentClients_firstFetchAndAcrossARefresh_oneStsCallEach() throws Exception {
        server.close();
        server = start(provider, authorization, 16);
        sts.server().stubFor(post(urlEqualTo("/")).withRequestBody(containing("AssumeRoleWithWebIdentity"))
                .willReturn(sts.success(START.plus(Duration.ofHours(1))).withFixedDelay(500)));

        assertThat(sixtyFourAtOnce()).as("access key ids answered").hasSize(1);
        assertThat(sts.calls()).isEqualTo(1);

        // Past the stale time: nothing valid is cached, and the 64 share the one refresh.
        sts.server().stubFor(post(urlEqualTo("/")).withRequestBody(containing("AssumeRoleWithWebIdentity"))
                .willReturn(sts.success(START.plus(Duration.ofHours(2))).withFixedDelay(500)));
        time.set(START.plus(Duration.ofMinutes(59).plusSeconds(30)));

        assertThat(sixtyFourAtOnce()).hasSize(1);
        assertThat(sts.calls()).isEqualTo(2);
    }

    private Set<Object> sixtyFourAtOnce() throws Exception {
        String token = Files.readString(authorization.file());
        ExecutorService clients = Executors.newFixedThreadPool(64);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                // Each client its own connection, as 64 processes in a pod would have.
                HttpClient own = HttpClient.newHttpClient();
                answers.add(clients.submit(() -> {
                    go.await();
                    return own.send(HttpRequest.newBuilder(server.credentialsUri()).timeout(Duration.ofSeconds(20))
                            .header("Authorization", token).GET().build(), HttpResponse.BodyHandlers.ofString());
                }));
            }
            go.countDown();
            Set<Object> keys = new java.util.HashSet<>();
            for (Future<HttpResponse<String>> answer : answers) {
                HttpResponse<String> response = answer.get(30, TimeUnit.SECONDS);
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                keys.add(JSONObjectUtils.parse(response.body()).get("Expiration"));
            }
            return keys;
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void clientsThatConnectAndSendNothing_doNotBlockOthers() throws Exception {
        sts.succeed(START.plus(Duration.ofHours(1)));
        server.close();
        server = start(provider, authorization, 1);
        List<Socket> silent = new ArrayList<>();
        try {
            for (int i = 0; i < 16; i++) {
                Socket socket = new Socket();
                socket.connect(server.address(), 5_000);
                silent.add(socket);
            }

            // The client's own timeout bounds the test: were the only handler thread held, this would time out.
            assertThat(getCredentials().statusCode()).isEqualTo(200);
            assertThat(get(server.healthUri(), null).statusCode()).isEqualTo(200);
        } finally {
            for (Socket s : silent) {
                s.close();
            }
        }
    }

    @Test
    void clientThatSendsHalfARequest_isDisconnected_andTheOnlyThreadServesOthersAgain() throws Exception {
        sts.succeed(START.plus(Duration.ofHours(1)));
        server.close();
        server = start(provider, authorization, 1);
        try (Socket partial = new Socket()) {
            partial.connect(server.address(), 5_000);
            partial.setSoTimeout(30_000);
            OutputStream out = partial.getOutputStream();
            out.write("GET /credentials HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();

            HttpResponse<String> other = http.send(HttpRequest.newBuilder(server.credentialsUri())
                    .timeout(Duration.ofSeconds(20)).header("Authorization", authorization.value()).GET().build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(other.statusCode()).isEqualTo(200);
            InputStream in = partial.getInputStream();
            assertThat(in.readAllBytes()).as("the half request got no answer, only a closed connection").isEmpty();
        }
    }
}
