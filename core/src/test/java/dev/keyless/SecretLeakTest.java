package dev.keyless;

import static dev.keyless.testing.StsStub.ROLE_ARN;
import static dev.keyless.testing.StsStub.error;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import com.google.auth.oauth2.ServiceAccountCredentials;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.keyless.testing.FakeMetadataServer;
import dev.keyless.testing.StsStub;
import dev.keyless.testing.TestTokens;
import dev.keyless.testing.TokenEchoes;
import dev.keyless.testing.TraceCapture;
import dev.keyless.token.MetadataServerTokenSources;
import dev.keyless.token.TokenSource;
import dev.keyless.token.TokenSources;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.regions.Region;

/**
 * Every flow of the provider, success and failure, for every kind of token source (file, metadata server,
 * Google credentials), with every logger at TRACE, the root logger included and java.util.logging bridged (so
 * the JDK's HTTP logs too, and google-auth-library's request logs, which need GOOGLE_SDK_JAVA_LOGGING=true, set for
 * core's tests in its pom): no token, secret key or session token in any log line,
 * exception message or toString().
 */
class SecretLeakTest {

    @TempDir
    Path dir;

    private final List<String> seen = new ArrayList<>();
    private final List<String> secrets = new ArrayList<>();
    private TraceCapture capture;
    private StsStub sts;

    @BeforeEach
    void captureEverything() {
        capture = TraceCapture.start();
        sts = new StsStub();
    }

    @AfterEach
    void restore() {
        sts.close();
        capture.close();
    }

    @Test
    void everyFlowAtTrace_noTokenSecretKeyOrSessionTokenAnywhere() throws Exception {
        Instant now = Instant.now();
        Path file = dir.resolve("token");
        String token = TestTokens.gke(now, Duration.ofHours(1));
        secrets.add(token);
        Files.writeString(file, token);

        // Success, with the credentials printed the way an application might.
        sts.succeed(now.plusSeconds(3600));
        run(file, provider -> {
            AwsCredentials credentials = provider.resolveCredentials();
            seen.add(credentials.toString());
            seen.add(provider.toString());
            seen.add(provider.toBuilder().toString());
            seen.add(provider.resolveIdentity().join().toString());
        });
        secrets.add(StsStub.SECRET_PREFIX);
        secrets.add(StsStub.SESSION_TOKEN_PREFIX);

        // Every STS error, through the default client (and its retries).
        for (String[] e : new String[][] {
            {"403", "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"},
            {"400", "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider"},
            {"400", "ExpiredTokenException", "Token expired: current date/time 1 must be before the expiration date/time 0"},
            {"400", "IDPRejectedClaim", "Rejected"},
            {"400", "IDPCommunicationError", "Couldn't reach the issuer"},
            {"400", "ValidationError", "1 validation error detected: Value '50000' at 'durationSeconds'"},
            {"400", "RegionDisabledException", "STS is not activated in this region"},
            {"400", "MalformedPolicyDocument", "bad policy"},
            {"400", "PackedPolicyTooLarge", "too large"},
            {"400", "Throttling", "Rate exceeded"},
            {"503", "ServiceUnavailable", "Service unavailable"},
        }) {
            sts.fail(Integer.parseInt(e[0]), e[1], e[2]);
            run(file, provider -> {
                expectFailure(provider::resolveCredentials);
                expectFailure(() -> provider.resolveIdentity().join());
            });
        }

        // Tokens STS would refuse, rejected locally.
        String hs256 = hs256Token();
        secrets.add(hs256);
        for (String bad : new String[] {hs256, token.substring(0, token.lastIndexOf('.')), token + " x",
            "\uFEFF" + TestTokens.gke(now.minusSeconds(7200), Duration.ofMinutes(10))}) {
            Files.writeString(file, bad);
            run(file, provider -> expectFailure(provider::resolveCredentials));
        }
        Files.delete(file);
        run(file, provider -> expectFailure(provider::resolveCredentials));

        for (ILoggingEvent event : capture.events()) {
            seen.add(event.getLoggerName() + " " + event.getFormattedMessage());
            for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                seen.add(t.getClassName() + ": " + t.getMessage());
            }
        }
        assertThat(capture.events()).as("TRACE logging was captured").hasSizeGreaterThan(20);
        for (String text : seen) {
            assertThat(text).doesNotContain("eyJ");
            for (String secret : secrets) {
                assertThat(text).doesNotContain(secret);
            }
        }
    }

    @Test
    void stsEchoesTheToken_exceptionsAndEveryLogStillHideIt() throws Exception {
        // AWS never echoes the token; a broken proxy or emulator might. The STS client Keyless builds redacts
        // error responses before the SDK reads them, so not even the SDK's own DEBUG logs carry it.
        Path file = dir.resolve("token");
        String token = TestTokens.gke(Instant.now(), Duration.ofHours(1));
        secrets.add(token);
        Files.writeString(file, token);
        sts.fail(400, "InvalidIdentityToken", "The token " + token + " is invalid");
        run(file, provider -> {
            expectFailure(provider::resolveCredentials);
            expectFailure(() -> provider.resolveIdentity().join());
        });
        capture.events().forEach(event -> {
            seen.add(event.getFormattedMessage());
            for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                seen.add(t.getClassName() + ": " + t.getMessage());
            }
        });
        assertThat(seen).anySatisfy(text -> assertThat(text).contains("[token redacted]"));
        for (String text : seen) {
            assertThat(text).doesNotContain("eyJ").doesNotContain(token);
        }
    }

    @Test
    void stsEchoesEverySegmentInEveryWay_noPieceOfTheTokenAnywhere() throws Exception {
        Path file = dir.resolve("token");
        String token = TestTokens.gke(Instant.now(), Duration.ofHours(1));
        Files.writeString(file, token);
        for (String code : new String[] {"InvalidIdentityToken", "AccessDenied", "IDPCommunicationError"}) {
            sts.fail(code.equals("AccessDenied") ? 403 : 400, code, TokenEchoes.message(token));
            run(file, provider -> {
                expectFailure(provider::resolveCredentials);
                expectFailure(() -> provider.resolveIdentity().join());
            });
        }
        capture.events().forEach(event -> {
            seen.add(event.getLoggerName() + " " + event.getFormattedMessage());
            for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                seen.add(t.getClassName() + ": " + t.getMessage());
            }
        });
        assertThat(seen).anySatisfy(text -> assertThat(text).contains("[token redacted]"));
        for (String text : seen) {
            TokenEchoes.assertNoPiece(text, token);
        }
    }

    @Test
    void metadataServerSource_everyFlowAtTrace_noTokenAnywhere_includingTheJdkHttpClientsLogs() {
        String audience = TestTokens.GSA_UNIQUE_ID;
        try (FakeMetadataServer metadata = FakeMetadataServer.start()) {
            metadata.tokens(aud -> remember(TestTokens.google(Instant.now(), aud)));
            TokenSource source = MetadataServerTokenSources.forHost(metadata.hostAndPort(), audience);

            sts.succeed(Instant.now().plusSeconds(3600));
            run(source, provider -> seen.add(provider.resolveCredentials().toString()));
            secrets.add(StsStub.SECRET_PREFIX);
            secrets.add(StsStub.SESSION_TOKEN_PREFIX);
            sts.fail(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
            run(source, provider -> expectFailure(provider::resolveCredentials));
            // The metadata server refuses (no retry for 404 and 403).
            metadata.failNext(404);
            run(source, provider -> expectFailure(provider::resolveCredentials));
            metadata.failNext(403);
            run(source, provider -> expectFailure(provider::resolveCredentials));
            // A token for another audience, refused by the source.
            metadata.tokens(aud -> remember(TestTokens.google(Instant.now(), "someone-else")));
            run(source, provider -> expectFailure(provider::resolveCredentials));
        }

        assertCapturedFrom("sun.net.www.protocol.http.HttpURLConnection", "dev.keyless.WebIdentityCredentialsProvider");
        assertNothingLeaked();
    }

    @Test
    void googleCredentialsSource_everyFlowAtTrace_noTokenAnywhere_includingGoogleAuthLibrarysLogs()
            throws Exception {
        String audience = TestTokens.GSA_UNIQUE_ID;
        AtomicInteger status = new AtomicInteger(200);
        AtomicReference<String> idToken = new AtomicReference<>(remember(TestTokens.google(Instant.now(), audience)));
        HttpServer oauth = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        oauth.createContext("/token", exchange -> {
            String form = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            // The signed assertion the library sends is a credential too.
            Matcher assertion = Pattern.compile("assertion=([^&]+)").matcher(form);
            if (assertion.find()) {
                remember(URLDecoder.decode(assertion.group(1), StandardCharsets.UTF_8));
            }
            byte[] body = (status.get() == 200 ? "{\"id_token\": \"" + idToken.get() + "\"}"
                    : "{\"error\": \"internal\", \"error_description\": \"backend failed for " + idToken.get() + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json; charset=UTF-8");
            exchange.sendResponseHeaders(status.get(), body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        oauth.start();
        try {
            TokenSource source = TokenSources.googleCredentials(ServiceAccountCredentials.newBuilder()
                    .setClientEmail(TestTokens.GSA_EMAIL)
                    .setClientId(TestTokens.GSA_UNIQUE_ID)
                    .setPrivateKey(TestTokens.key().toRSAPrivateKey())
                    .setPrivateKeyId(TestTokens.key().getKeyID())
                    .setTokenServerUri(URI.create("http://127.0.0.1:" + oauth.getAddress().getPort() + "/token"))
                    .build(), audience);

            sts.succeed(Instant.now().plusSeconds(3600));
            run(source, provider -> seen.add(provider.resolveCredentials().toString()));
            secrets.add(StsStub.SECRET_PREFIX);
            secrets.add(StsStub.SESSION_TOKEN_PREFIX);
            sts.fail(400, "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider");
            run(source, provider -> expectFailure(provider::resolveCredentials));
            // Google's token endpoint fails, echoing a token in its error body.
            status.set(500);
            run(source, provider -> expectFailure(provider::resolveCredentials));
        } finally {
            oauth.stop(0);
        }

        assertCapturedFrom("com.google.auth.oauth2.ServiceAccountCredentials", "sun.net.www.protocol.http.HttpURLConnection",
                "dev.keyless.WebIdentityCredentialsProvider");
        assertNothingLeaked();
    }

    private String remember(String secret) {
        secrets.add(secret);
        return secret;
    }

    /** Proves the capture reached these loggers, so "nothing leaked" is not "nothing was logged". */
    private void assertCapturedFrom(String... loggers) {
        assertThat(capture.loggerNames()).as("loggers captured at TRACE").contains(loggers);
    }

    private void assertNothingLeaked() {
        seen.addAll(capture.texts());
        assertThat(secrets).isNotEmpty();
        for (String text : seen) {
            // Never print the secret: a failing assertion would leak what it guards.
            assertThat(text.contains("eyJ")).as("eyJ in: %s", text.replace("eyJ", "e-y-J")).isFalse();
            for (String secret : secrets) {
                assertThat(text.contains(secret)).as("a secret in a log line or message").isFalse();
            }
        }
    }

    private void run(TokenSource source, Consumer<WebIdentityCredentialsProvider> flow) {
        try (WebIdentityCredentialsProvider provider = WebIdentityCredentialsProvider.builder()
                .roleArn(ROLE_ARN)
                .tokenSource(source)
                .region(Region.US_EAST_1)
                .stsEndpoint(sts.endpoint())
                .build()) {
            flow.accept(provider);
        }
    }

    private void run(Path file, Consumer<WebIdentityCredentialsProvider> flow) {
        run(TokenSources.file(file), flow);
    }

    private void expectFailure(Runnable call) {
        try {
            call.run();
            throw new AssertionError("expected a failure");
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                seen.add(t.toString());
                for (Throwable s : t.getSuppressed()) {
                    seen.add(s.toString());
                }
            }
        }
    }

    private static String hs256Token() throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256),
                TestTokens.gkeClaims(Instant.now(), Duration.ofHours(1)).build());
        jwt.sign(new MACSigner(new byte[32]));
        return jwt.serialize();
    }
}
