package dev.keyless.token;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import com.google.auth.oauth2.UserCredentials;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.keyless.testing.TestTokens;
import java.io.File;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.URLDecoder;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GoogleCredentialsTokenSourceTest {

    private static final String AUDIENCE = TestTokens.GSA_UNIQUE_ID;

    /** Plays Google's OAuth token endpoint: answers a jwt-bearer assertion with the configured response. */
    private HttpServer tokenServer;
    private final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger status = new AtomicInteger(200);
    private final AtomicReference<String> body = new AtomicReference<>();

    @BeforeEach
    void startTokenServer() throws Exception {
        tokenServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        tokenServer.createContext("/token", exchange -> {
            requests.add(formFields(new String(exchange.getRequestBody().readAllBytes(), UTF_8)));
            byte[] response = body.get().getBytes(UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json; charset=UTF-8");
            exchange.sendResponseHeaders(status.get(), response.length);
            exchange.getResponseBody().write(response);
            exchange.close();
        });
        tokenServer.start();
    }

    @AfterEach
    void stopTokenServer() {
        tokenServer.stop(0);
    }

    @Test
    void fetchToken_serviceAccountKey_sendsSignedAssertionForAudienceAndWrapsGoogleToken() throws Exception {
        String idToken = TestTokens.google(Instant.now(), AUDIENCE);
        body.set("{\"id_token\": \"" + idToken + "\"}");
        TokenSource source = new GoogleCredentialsTokenSource(serviceAccount(), AUDIENCE);

        WebIdentityToken token = source.fetchToken();

        assertThat(requests).hasSize(1);
        assertThat(requests.get(0)).containsEntry("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer");
        SignedJWT assertion = SignedJWT.parse(requests.get(0).get("assertion"));
        assertThat(assertion.verify(new RSASSAVerifier(TestTokens.key().toRSAPublicKey()))).isTrue();
        assertThat(assertion.getJWTClaimsSet().getStringClaim("target_audience")).isEqualTo(AUDIENCE);
        assertThat(assertion.getJWTClaimsSet().getIssuer()).isEqualTo(TestTokens.GSA_EMAIL);

        assertThat(token.value()).isEqualTo(idToken);
        assertThat(token.claims().issuer()).isEqualTo(TestTokens.GOOGLE_ISSUER);
        assertThat(token.claims().subject()).isEqualTo(TestTokens.GSA_UNIQUE_ID);
        assertThat(token.claims().audience()).containsExactly(AUDIENCE);
        assertThat(token.claims().authorizedParty()).isEqualTo(TestTokens.GSA_UNIQUE_ID);
        assertThat(token.claims().email()).isEqualTo(TestTokens.GSA_EMAIL);
        assertThat(token.source()).isEqualTo("Google credentials (ServiceAccountCredentials "
                + TestTokens.GSA_EMAIL + ", audience " + AUDIENCE + ")");
    }

    @Test
    void fetchToken_calledTwice_mintsATokenEachTime() throws Exception {
        body.set("{\"id_token\": \"" + TestTokens.google(Instant.now(), AUDIENCE) + "\"}");
        TokenSource source = new GoogleCredentialsTokenSource(serviceAccount(), AUDIENCE);

        source.fetchToken();
        source.fetchToken();

        assertThat(requests).hasSize(2);
    }

    @Test
    void fetchToken_tokenForAnotherAudience_configurationFailureNamingClaimsNotToken() throws Exception {
        String other = TestTokens.google(Instant.now(), "32555940559.apps.googleusercontent.com");
        body.set("{\"id_token\": \"" + other + "\"}");
        TokenSource source = new GoogleCredentialsTokenSource(serviceAccount(), AUDIENCE);

        TokenSourceException e = catchThrowableOfType(TokenSourceException.class, source::fetchToken);

        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("not for the audience asked for",
                "aud=32555940559.apps.googleusercontent.com").doesNotContain("eyJ");
    }

    @Test
    void fetchToken_tokenForAnotherServiceAccount_configurationFailureBeforeSts() throws Exception {
        String other = TestTokens.sign(TestTokens.googleClaims(Instant.now(), AUDIENCE).subject("998877665544332211000")
                .claim("email", "payments@payments-prod.iam.gserviceaccount.com").build());
        body.set("{\"id_token\": \"" + other + "\"}");
        TokenSource source = new GoogleCredentialsTokenSource(serviceAccount(), AUDIENCE);

        TokenSourceException e = catchThrowableOfType(TokenSourceException.class, source::fetchToken);

        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("another service account", "payments@payments-prod.iam.gserviceaccount.com",
                "sub=998877665544332211000", TestTokens.GSA_EMAIL).doesNotContain("eyJ");
    }

    @Test
    void fetchToken_tokenServerAnswers500_transientFailureWithoutToken() throws Exception {
        status.set(500);
        // A hostile error body that echoes a token: it must not reach the message.
        String echoed = TestTokens.google(Instant.now(), AUDIENCE);
        body.set("{\"error\": \"internal\", \"error_description\": \"backend failed for " + echoed + "\"}");
        TokenSource source = new GoogleCredentialsTokenSource(serviceAccount(), AUDIENCE);

        TokenSourceException e = catchThrowableOfType(TokenSourceException.class, source::fetchToken);

        assertThat(e.retryable()).isTrue();
        assertThat(e.getMessage())
                .contains("ServiceAccountCredentials", TestTokens.GSA_EMAIL, "audience " + AUDIENCE)
                .doesNotContain(echoed)
                .doesNotContain("eyJ");
        assertThat(requests).isNotEmpty().allSatisfy(r -> assertThat(e.getMessage()).doesNotContain(r.get("assertion")));
        assertNoTokenInCauseChain(e);
    }

    @Test
    void fetchToken_credentialsCannotMintIdTokens_configurationFailureWithImpersonationFix() {
        TokenSource source = new GoogleCredentialsTokenSource(GoogleCredentials.create(new AccessToken("x", null)),
                AUDIENCE);

        TokenSourceException e = catchThrowableOfType(TokenSourceException.class, source::fetchToken);

        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage())
                .contains("com.google.auth.oauth2.GoogleCredentials", "IdTokenProvider",
                        "gcloud auth application-default login --impersonate-service-account=GSA_EMAIL",
                        "service-account key");
    }

    @Test
    void fetchToken_userCredentials_configurationFailureNamingThemWithoutSecrets() {
        UserCredentials user = UserCredentials.newBuilder().setClientId("client-id.apps.googleusercontent.com")
                .setClientSecret("d-FL95Q19q7MQmFpd7hHD0Ty").setRefreshToken("1//0refresh-token-value").build();
        TokenSource source = new GoogleCredentialsTokenSource(user, AUDIENCE);

        TokenSourceException e = catchThrowableOfType(TokenSourceException.class, source::fetchToken);

        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains("UserCredentials", "--impersonate-service-account=GSA_EMAIL")
                .doesNotContain("d-FL95Q19q7MQmFpd7hHD0Ty", "1//0refresh-token-value");
        assertThat(source.toString()).isEqualTo("Google credentials (UserCredentials, audience " + AUDIENCE + ")");
    }

    @Test
    void toString_namesTypeAccountAndAudienceOnly() throws Exception {
        TokenSource source = new GoogleCredentialsTokenSource(serviceAccount(), AUDIENCE);

        assertThat(source).hasToString("Google credentials (ServiceAccountCredentials " + TestTokens.GSA_EMAIL
                + ", audience " + AUDIENCE + ")");
        assertThat(source.toString()).doesNotContain("PRIVATE", "MII");
    }

    @Test
    void applicationDefault_lookupFails_notRememberedAndRetriedOnNextFetch() throws Exception {
        AtomicInteger lookups = new AtomicInteger();
        String idToken = TestTokens.google(Instant.now(), AUDIENCE);
        TokenSource source = new GoogleCredentialsTokenSource.ApplicationDefault(AUDIENCE, audience -> {
            if (lookups.incrementAndGet() == 1) {
                throw TokenSourceException.configurationFailure("Application Default Credentials are not configured", null);
            }
            return () -> WebIdentityToken.of(idToken, "Google credentials (test, audience " + audience + ")");
        });
        assertThat(source.toString()).contains("not yet looked up", AUDIENCE);

        assertThat(catchThrowableOfType(TokenSourceException.class, source::fetchToken))
                .hasMessageContaining("not configured");
        assertThat(source.fetchToken().value()).isEqualTo(idToken);
        assertThat(source.fetchToken().value()).isEqualTo(idToken);

        assertThat(lookups).hasValue(2);
    }

    @Test
    void applicationDefault_createdWithoutTouchingTheEnvironment() {
        AtomicInteger lookups = new AtomicInteger();

        new GoogleCredentialsTokenSource.ApplicationDefault(AUDIENCE, audience -> {
            lookups.incrementAndGet();
            return null;
        });
        TokenSources.applicationDefaultCredentials(AUDIENCE);

        assertThat(lookups).hasValue(0);
    }

    @Test
    void withoutGoogleAuthLibrary_tokenSourcesLoadsAndAdcFetchNamesTheDependency() throws Throwable {
        try (URLClassLoader isolated = classLoaderWithoutGoogleAuthLibrary()) {
            assertThat(catchThrowableOfType(ClassNotFoundException.class,
                    () -> Class.forName("com.google.auth.oauth2.GoogleCredentials", false, isolated))).isNotNull();
            Class<?> tokenSources = Class.forName("dev.keyless.token.TokenSources", true, isolated);
            assertThat(tokenSources.getClassLoader()).isSameAs(isolated);
            Class<?> tokenSourceType = Class.forName("dev.keyless.token.TokenSource", false, isolated);
            // Class.getMethod would resolve every signature of TokenSources, googleCredentials(GoogleCredentials, ..)
            // included; a method handle resolves just the one method, as a compiled call site does.
            MethodHandle adc = MethodHandles.publicLookup().findStatic(tokenSources, "applicationDefaultCredentials",
                    MethodType.methodType(tokenSourceType, String.class));
            MethodHandle fetch = MethodHandles.publicLookup().findVirtual(tokenSourceType, "fetchToken",
                    MethodType.methodType(Class.forName("dev.keyless.token.WebIdentityToken", false, isolated)));

            Object source = adc.invoke("aud");
            Throwable failure = catchThrowableOfType(Throwable.class, () -> fetch.invoke(source));

            assertThat(failure.getClass().getName()).isEqualTo(TokenSourceException.class.getName());
            assertThat(failure.getClass().getClassLoader()).isSameAs(isolated);
            assertThat(failure.getMessage()).contains("google-auth-library", "not on the classpath",
                    "com.google.auth:google-auth-library-oauth2-http");
            assertThat(failure.getClass().getMethod("retryable").invoke(failure)).isEqualTo(false);

            // Detection falls through to ADC and reports the missing library as the reason it does not fit.
            Class<?> settingsType = Class.forName("dev.keyless.settings.Settings", false, isolated);
            Function<String, String> unset = name -> null;
            Object noSettings = settingsType.getMethod("from", Function.class, Function.class).invoke(null, unset, unset);
            Constructor<?> detecting = Class.forName("dev.keyless.token.DetectingTokenSource", false, isolated)
                    .getDeclaredConstructor(String.class, settingsType, BooleanSupplier.class);
            detecting.setAccessible(true);
            Object detect = detecting.newInstance("aud", noSettings, (BooleanSupplier) () -> false);
            Throwable detectFailure = catchThrowableOfType(Throwable.class, () -> fetch.invoke(detect));
            assertThat(detectFailure.getMessage()).contains("AWS_WEB_IDENTITY_TOKEN_FILE", "GCE_METADATA_HOST",
                    "google-auth-library, which is not on the classpath");
        }
    }

    private static URLClassLoader classLoaderWithoutGoogleAuthLibrary() throws Exception {
        List<URL> urls = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!entry.isEmpty() && !Path.of(entry).getFileName().toString().startsWith("google-auth-library-")) {
                urls.add(Path.of(entry).toUri().toURL());
            }
        }
        assertThat(urls).anySatisfy(u -> assertThat(u.getPath()).endsWith("/classes/"));
        // The platform loader as parent: nothing from the application class path, so dev.keyless.* and
        // everything else load afresh from the filtered entries.
        return new URLClassLoader("without-google-auth", urls.toArray(URL[]::new),
                ClassLoader.getPlatformClassLoader());
    }

    private ServiceAccountCredentials serviceAccount() throws Exception {
        return ServiceAccountCredentials.newBuilder()
                .setClientEmail(TestTokens.GSA_EMAIL)
                .setClientId(TestTokens.GSA_UNIQUE_ID)
                .setPrivateKey(TestTokens.key().toRSAPrivateKey())
                .setPrivateKeyId(TestTokens.key().getKeyID())
                .setTokenServerUri(URI.create("http://127.0.0.1:" + tokenServer.getAddress().getPort() + "/token"))
                .build();
    }

    private static Map<String, String> formFields(String form) {
        Map<String, String> fields = new HashMap<>();
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            fields.put(URLDecoder.decode(pair.substring(0, eq), UTF_8), URLDecoder.decode(pair.substring(eq + 1), UTF_8));
        }
        return fields;
    }

    private static void assertNoTokenInCauseChain(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            assertThat(String.valueOf(t.getMessage())).doesNotContain("eyJ");
        }
    }
}
