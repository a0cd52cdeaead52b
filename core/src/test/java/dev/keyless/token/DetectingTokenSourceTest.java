package dev.keyless.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.keyless.settings.Settings;
import dev.keyless.testing.FakeMetadataServer;
import dev.keyless.testing.TestTokens;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class DetectingTokenSourceTest {

    private static final String AUDIENCE = TestTokens.GSA_UNIQUE_ID;
    private static final String NO_ADC = "Application Default Credentials are not configured (Your default "
            + "credentials were not found). Run gcloud auth application-default login "
            + "--impersonate-service-account=GSA_EMAIL, or set GOOGLE_APPLICATION_CREDENTIALS.";

    @TempDir
    Path dir;

    private final Map<String, String> env = new ConcurrentHashMap<>();
    private final AtomicInteger probes = new AtomicInteger();
    private final AtomicInteger adcLookups = new AtomicInteger();
    private volatile boolean onGoogleCloud;
    private volatile TokenSource adc;

    private final Logger logger = (Logger) LoggerFactory.getLogger(DetectingTokenSource.class);
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void captureLogs() {
        logs.start();
        logger.addAppender(logs);
    }

    @AfterEach
    void releaseLogs() {
        logger.detachAppender(logs);
    }

    private DetectingTokenSource detecting() {
        BooleanSupplier probe = () -> {
            probes.incrementAndGet();
            return onGoogleCloud;
        };
        Function<String, TokenSource> lookup = audience -> {
            adcLookups.incrementAndGet();
            if (adc == null) {
                throw TokenSourceException.configurationFailure(NO_ADC, null);
            }
            return adc;
        };
        return new DetectingTokenSource(AUDIENCE, Settings.from(env::get, env::get), probe, lookup);
    }

    @Test
    void fetchToken_tokenFileVariableSet_readsTheFile() throws Exception {
        String gke = TestTokens.gke(Instant.now(), Duration.ofHours(1));
        Path file = Files.writeString(dir.resolve("token"), gke);
        env.put("AWS_WEB_IDENTITY_TOKEN_FILE", file.toString());
        env.put("GCE_METADATA_HOST", "127.0.0.1:1");
        onGoogleCloud = true;
        DetectingTokenSource source = detecting();

        WebIdentityToken token = source.fetchToken();

        assertThat(token.value()).isEqualTo(gke);
        assertThat(token.claims().issuer()).isEqualTo(TestTokens.GKE_ISSUER);
        assertThat(source.chosen()).isInstanceOf(FileTokenSource.class);
        assertThat(source).hasToString("detected token source (file " + file + ")");
        assertThat(probes).hasValue(0);
        assertThat(adcLookups).hasValue(0);
    }

    @Test
    void fetchToken_tokenFileSystemProperty_winsOverVariable() throws Exception {
        Path property = Files.writeString(dir.resolve("from-property"), TestTokens.gke(Instant.now(), Duration.ofHours(1)));
        env.put("aws.webIdentityTokenFile", property.toString());
        env.put("AWS_WEB_IDENTITY_TOKEN_FILE", dir.resolve("from-variable").toString());
        DetectingTokenSource source = detecting();

        source.fetchToken();

        assertThat(source).hasToString("detected token source (file " + property + ")");
    }

    @Test
    void fetchToken_metadataHostAsSystemProperty_picksTheMetadataServerAndUsesThatHost() throws Exception {
        try (FakeMetadataServer server = FakeMetadataServer.start()
                .tokens(audience -> TestTokens.google(Instant.now(), audience))) {
            // Only a system property: the chosen source must ask the host it names, not metadata.google.internal.
            DetectingTokenSource source = new DetectingTokenSource(AUDIENCE,
                    Settings.from(Map.of("GCE_METADATA_HOST", server.hostAndPort())::get, name -> null), () -> false,
                    audience -> {
                        throw TokenSourceException.configurationFailure(NO_ADC, null);
                    });

            WebIdentityToken token = source.fetchToken();

            assertThat(token.claims().audience()).containsExactly(AUDIENCE);
            assertThat(server.requestCount()).isEqualTo(1);
            assertThat(source.toString()).contains("metadata server " + server.hostAndPort());
            assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage).anyMatch(line ->
                    line.contains("system property GCE_METADATA_HOST is set to " + server.hostAndPort()));
        }
    }

    @Test
    void fetchToken_tokenFileNamedButMissing_staysWithTheFileAndSaysWhy() {
        Path missing = dir.resolve("missing-token");
        env.put("AWS_WEB_IDENTITY_TOKEN_FILE", missing.toString());
        DetectingTokenSource source = detecting();

        TokenSourceException e = catchThrowableOfType(TokenSourceException.class, source::fetchToken);

        assertThat(e).hasMessageContaining("Token file " + missing + " does not exist");
        assertThat(source.chosen()).isInstanceOf(FileTokenSource.class);
    }

    @Test
    void delegate_metadataHostSet_choosesMetadataServer() {
        env.put("GCE_METADATA_HOST", "127.0.0.1:8080");
        DetectingTokenSource source = detecting();

        assertThat(source.delegate()).isInstanceOf(MetadataServerTokenSource.class);
        assertThat(source.toString()).startsWith("detected token source (");
        assertThat(probes).hasValue(0);
        assertThat(logs.list).singleElement().satisfies(event -> {
            assertThat(event.getLevel()).isEqualTo(Level.INFO);
            assertThat(event.getFormattedMessage()).contains("GCE_METADATA_HOST is set to 127.0.0.1:8080");
        });
    }

    @Test
    void delegate_onGoogleCloud_choosesMetadataServer() {
        onGoogleCloud = true;
        DetectingTokenSource source = detecting();

        assertThat(source.delegate()).isInstanceOf(MetadataServerTokenSource.class);
        assertThat(logs.list).singleElement().extracting(ILoggingEvent::getFormattedMessage).asString()
                .contains("this is Google Cloud");
        assertThat(adcLookups).hasValue(0);
    }

    @Test
    void fetchToken_onlyApplicationDefaultCredentials_usesThem() throws Exception {
        String google = TestTokens.google(Instant.now(), AUDIENCE);
        adc = new TokenSource() {
            @Override
            public WebIdentityToken fetchToken() {
                return WebIdentityToken.of(google, toString());
            }

            @Override
            public String toString() {
                return "Google credentials (test ADC)";
            }
        };
        DetectingTokenSource source = detecting();

        assertThat(source.fetchToken().value()).isEqualTo(google);
        assertThat(source).hasToString("detected token source (Google credentials (test ADC))");
        assertThat(logs.list).singleElement().extracting(ILoggingEvent::getFormattedMessage).asString()
                .contains("Application Default Credentials were found");
    }

    @Test
    void fetchToken_nothingFits_listsEveryPathWhyItDidNotFitAndTheFix() {
        DetectingTokenSource source = detecting();

        TokenSourceException e = catchThrowableOfType(TokenSourceException.class, source::fetchToken);

        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains(
                "(1) token file: AWS_WEB_IDENTITY_TOKEN_FILE and system property aws.webIdentityTokenFile are not set",
                "projected serviceAccountToken volume",
                "(2) metadata server: GCE_METADATA_HOST is not set and this is not Google Cloud "
                        + "(/sys/class/dmi/id/product_name does not say Google)",
                "(3) Application Default Credentials: " + NO_ADC);
        assertThat(e.getMessage()).doesNotContain("eyJ");
        assertThat(e.getCause()).hasMessage(NO_ADC);
        assertThat(source).hasToString("token source detection (not yet run)");
        assertThat(logs.list).isEmpty();
    }

    @Test
    void fetchToken_nothingFitsThenTokenFileAppears_detectsAgain() throws Exception {
        DetectingTokenSource source = detecting();
        catchThrowableOfType(TokenSourceException.class, source::fetchToken);
        Path file = Files.writeString(dir.resolve("token"), TestTokens.gke(Instant.now(), Duration.ofHours(1)));
        env.put("AWS_WEB_IDENTITY_TOKEN_FILE", file.toString());

        assertThat(source.fetchToken().claims().issuer()).isEqualTo(TestTokens.GKE_ISSUER);
        assertThat(probes).hasValue(1);
        assertThat(adcLookups).hasValue(1);
    }

    @Test
    void fetchToken_afterSuccess_neverDetectsAgain() throws Exception {
        String first = TestTokens.gke(Instant.now(), Duration.ofHours(1));
        Path file = Files.writeString(dir.resolve("token"), first);
        env.put("AWS_WEB_IDENTITY_TOKEN_FILE", file.toString());
        DetectingTokenSource source = detecting();
        source.fetchToken();

        env.clear();
        env.put("GCE_METADATA_HOST", "127.0.0.1:8080");
        String second = TestTokens.gke(Instant.now(), Duration.ofHours(1));
        Files.writeString(file, second);

        assertThat(source.fetchToken().value()).isEqualTo(second);
        assertThat(source.chosen()).isInstanceOf(FileTokenSource.class);
        assertThat(logs.list).hasSize(1);
    }

    @Test
    void fetchToken_failureFromChosenSource_neverContainsTheToken() throws Exception {
        // A token STS would refuse (HS256): the file source's message must describe it without echoing it.
        String rejected = TestTokens.gke(Instant.now(), Duration.ofHours(1)).replaceFirst("^[^.]+",
                "eyJhbGciOiJIUzI1NiJ9");
        Path file = Files.writeString(dir.resolve("token"), rejected);
        env.put("AWS_WEB_IDENTITY_TOKEN_FILE", file.toString());
        DetectingTokenSource source = detecting();

        TokenSourceException e = catchThrowableOfType(TokenSourceException.class, source::fetchToken);

        assertThat(e.getMessage()).contains("HS256").doesNotContain(rejected).doesNotContain("eyJ");
    }

    @Test
    void toString_beforeDetection_saysNotYetRun() {
        assertThat(detecting()).hasToString("token source detection (not yet run)");
        assertThat(TokenSources.detect()).hasToString("token source detection (not yet run)");
    }

    // Application Default Credentials as detection really looks them up (google-auth-library on the class path).

    @Test
    void fetchToken_offGoogleCloudWithoutAdc_failsAtOnceWithoutProbingTheMetadataServer() {
        env.put("CLOUDSDK_CONFIG", dir.toString());
        try (dev.keyless.testing.TraceCapture capture = dev.keyless.testing.TraceCapture.start()) {
            DetectingTokenSource source = new DetectingTokenSource(AUDIENCE, Settings.from(env::get, env::get), () -> false);

            assertThatThrownBy(source::fetchToken).isInstanceOf(TokenSourceException.class)
                    .hasMessageContaining("(3) Application Default Credentials: Application Default Credentials are "
                            + "not configured: GOOGLE_APPLICATION_CREDENTIALS is not set and there is no "
                            + dir.resolve("application_default_credentials.json"))
                    .hasMessageContaining("The metadata server is not asked");
            // google-auth-library logs each step of its own lookup (java.util.logging, bridged): its metadata-server
            // probe, which waits on DNS, never ran.
            assertThat(capture.events()).noneMatch(e -> e.getLoggerName().startsWith("com.google.auth"));
        }
    }

    @Test
    void fetchToken_offGoogleCloudWithAServiceAccountKeyFile_usesIt() throws Exception {
        java.security.interfaces.RSAPrivateKey key = TestTokens.key().toRSAPrivateKey();
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                        .encodeToString(key.getEncoded()) + "\n-----END PRIVATE KEY-----\n";
        Path keyFile = dir.resolve("key.json");
        Files.writeString(keyFile, "{\"type\": \"service_account\", \"project_id\": \"checkout-prod\", "
                + "\"private_key_id\": \"k1\", \"private_key\": " + com.nimbusds.jose.util.JSONStringUtils.toJSONString(pem)
                + ", \"client_email\": \"" + TestTokens.GSA_EMAIL + "\", \"client_id\": \"1\", "
                + "\"token_uri\": \"http://127.0.0.1:1/token\"}");
        env.put("GOOGLE_APPLICATION_CREDENTIALS", keyFile.toString());
        DetectingTokenSource source = new DetectingTokenSource(AUDIENCE, Settings.from(env::get, env::get), () -> false);

        assertThat(source.delegate().toString()).isEqualTo("Google credentials (ServiceAccountCredentials "
                + TestTokens.GSA_EMAIL + ", audience " + AUDIENCE + ")");
    }

    @Test
    void fetchToken_credentialsFileHugeOrBinary_saysWhatIsWrong() throws Exception {
        Path file = dir.resolve("adc.json");
        Files.write(file, new byte[] {(byte) 0xff, 0});
        env.put("GOOGLE_APPLICATION_CREDENTIALS", file.toString());

        assertThatThrownBy(() -> new DetectingTokenSource(AUDIENCE, Settings.from(env::get, env::get), () -> false).fetchToken())
                .hasMessageContaining("The credentials file " + file + " is not text");

        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(1L << 30);
        }
        assertThatThrownBy(() -> new DetectingTokenSource(AUDIENCE, Settings.from(env::get, env::get), () -> false).fetchToken())
                .hasMessageContaining("is 1073741824 bytes; the limit is 65536 bytes");
    }
}
