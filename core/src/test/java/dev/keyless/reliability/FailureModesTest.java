package dev.keyless.reliability;

import static dev.keyless.testing.StsStub.ROLE_ARN;
import static dev.keyless.testing.StsStub.error;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.keyless.WebIdentityCredentialsException;
import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.testing.FakeMetadataServer;
import dev.keyless.testing.FakeTime;
import dev.keyless.testing.StsStub;
import dev.keyless.testing.TestTokens;
import dev.keyless.token.MetadataServerTokenSources;
import dev.keyless.token.TokenSource;
import dev.keyless.token.TokenSources;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.auth.credentials.AwsCredentials;

/**
 * The failures that bite in production, tried on purpose against a WireMock STS with an injected clock:
 * malformed token files, a token file nobody rotates, transient and permanent STS errors, unusable
 * {@code Expiration}s and a clock that runs ahead. Each asserts a bound on STS calls, not just an outcome.
 */
class FailureModesTest {

    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    private static final Duration HOUR = Duration.ofHours(1);

    @TempDir
    Path dir;

    private final FakeTime time = new FakeTime(T0);
    private StsStub sts;
    private Path tokenFile;

    @BeforeEach
    void setUp() {
        sts = new StsStub();
        tokenFile = dir.resolve("token");
    }

    @AfterEach
    void tearDown() {
        sts.close();
    }

    private WebIdentityCredentialsProvider.Builder builder(TokenSource source) {
        return WebIdentityCredentialsProvider.builder()
                .roleArn(ROLE_ARN)
                .tokenSource(source)
                .stsClient(sts.client())
                .clock(time.clock())
                .scheduler(time.scheduler());
    }

    private WebIdentityCredentialsProvider.Builder builder() {
        return builder(TokenSources.file(tokenFile));
    }

    /** Calls every {@code every} for {@code duration}; returns how many calls failed. */
    private int callEvery(WebIdentityCredentialsProvider provider, Duration every, Duration duration,
            List<String> messages) {
        int failures = 0;
        for (Instant end = time.now().plus(duration); time.now().isBefore(end); time.advance(every)) {
            try {
                AwsCredentials credentials = provider.resolveCredentials();
                assertThat(credentials.expirationTime().orElseThrow()).isAfter(time.now());
            } catch (WebIdentityCredentialsException e) {
                failures++;
                messages.add(e.getMessage());
            }
        }
        return failures;
    }

    // 2. Malformed token files: rejected locally, with a specific message, and zero STS calls.

    static Stream<Arguments> malformedTokens() throws Exception {
        String good = TestTokens.gke(T0, HOUR);
        SignedJWT hs256 = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), TestTokens.gkeClaims(T0, HOUR).build());
        hs256.sign(new MACSigner(new byte[32]));
        SignedJWT es256 = new SignedJWT(new JWSHeader(JWSAlgorithm.ES256), TestTokens.gkeClaims(T0, HOUR).build());
        es256.sign(new ECDSASigner(new ECKeyGenerator(Curve.P_256).generate()));
        return Stream.of(
                Arguments.of("inner whitespace", good.substring(0, 40) + " " + good.substring(40), "whitespace"),
                Arguments.of("3 characters", "abc", "characters"),
                Arguments.of("20001 characters", "a".repeat(20_001), "20001"),
                Arguments.of("two segments", good.substring(0, good.lastIndexOf('.')), "JWT"),
                Arguments.of("alg none", new PlainJWT(TestTokens.gkeClaims(T0, HOUR).build()).serialize(), "none"),
                Arguments.of("alg HS256", hs256.serialize(), "HS256"),
                Arguments.of("alg ES256", es256.serialize(), "ES256"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedTokens")
    void malformedTokenFile_rejectedLocallyWithoutCallingSts(String name, String content, String expected) throws Exception {
        Files.writeString(tokenFile, content);
        sts.succeed(T0.plus(HOUR));
        try (WebIdentityCredentialsProvider provider = builder().build()) {
            assertThatThrownBy(provider::resolveCredentials)
                    .isInstanceOf(WebIdentityCredentialsException.class)
                    .hasMessageContaining(tokenFile.toString())
                    .hasMessageContaining(expected)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(content.length() > 10 ? content : "\u0000"));
            assertThat(sts.calls()).isZero();
        }
    }

    static Stream<Arguments> cleanableTokens() {
        return Stream.of(Arguments.of("trailing newline", "", "\n"), Arguments.of("CRLF", "", "\r\n"),
                Arguments.of("BOM", "\uFEFF", ""), Arguments.of("spaces around", "  ", " \n\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cleanableTokens")
    void tokenFileWithNewlineCrlfOrBom_isSentClean(String name, String prefix, String suffix) throws Exception {
        String token = TestTokens.gke(T0, HOUR);
        Files.write(tokenFile, (prefix + token + suffix).getBytes(StandardCharsets.UTF_8));
        sts.succeed(T0.plus(HOUR));
        try (WebIdentityCredentialsProvider provider = builder().build()) {
            provider.resolveCredentials();
            assertThat(sts.requests().get(0).get("WebIdentityToken")).isEqualTo(token);
        }
    }

    // 3. A token file never rotated (the subPath case).

    @Test
    void tokenFileNeverRotated_oneReRead_thenErrorNamingExpAndSubPath_cachedServedUntilExpiryNeverAfter() throws Exception {
        Instant tokenExpiry = T0.plus(Duration.ofMinutes(20));
        Files.writeString(tokenFile, TestTokens.gke(T0, Duration.ofMinutes(20)));
        AtomicInteger reads = new AtomicInteger();
        TokenSource file = TokenSources.file(tokenFile);
        TokenSource counting = () -> {
            reads.incrementAndGet();
            return file.fetchToken();
        };
        sts.succeed(T0.plus(HOUR));
        try (WebIdentityCredentialsProvider provider = builder(counting).build()) {
            AwsCredentials first = provider.resolveCredentials();
            assertThat(reads).hasValue(1);

            // Up to the stale point (one minute before expiry), the cached credentials are served.
            List<String> messages = new ArrayList<>();
            assertThat(callEvery(provider, Duration.ofSeconds(10), Duration.ofMinutes(58), messages)).isZero();
            time.advance(Duration.ofSeconds(59)); // 10:58:59
            assertThat(provider.resolveCredentials()).isSameAs(first);
            // The refresh read the file, found it expired, read it once more, and did not call STS.
            assertThat(sts.calls()).isEqualTo(1);
            int readsPerAttempt = reads.get() - 1;
            assertThat(readsPerAttempt).isEven().isPositive();

            time.advance(Duration.ofSeconds(1)); // 10:59:01: inside the stale window
            assertThatThrownBy(provider::resolveCredentials)
                    .isInstanceOf(WebIdentityCredentialsException.class)
                    .hasMessageContaining("expired at " + tokenExpiry)
                    .hasMessageContaining("subPath");
            assertThat(callEvery(provider, Duration.ofSeconds(10), Duration.ofMinutes(10), messages)).isPositive();
            assertThat(sts.calls()).isEqualTo(1);
        }
    }

    // 4. Transient STS errors.

    @Test
    void invalidIdentityTokenTwiceThenSuccess_recoversWithinSeconds() throws Exception {
        Files.writeString(tokenFile, TestTokens.gke(T0, Duration.ofHours(2)));
        sts.sequence(error(400, "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider"),
                error(400, "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider"),
                sts.success(T0.plus(HOUR)));
        try (WebIdentityCredentialsProvider provider = builder().build()) {
            List<String> messages = new ArrayList<>();
            int failures = callEvery(provider, Duration.ofSeconds(1), Duration.ofMinutes(1), messages);
            assertThat(sts.calls()).isEqualTo(3);
            assertThat(failures).isLessThanOrEqualTo(10);
            assertThat(messages).allSatisfy(m -> assertThat(m).contains("InvalidIdentityToken").doesNotContain("eyJ"));
            assertThat(provider.resolveCredentials()).isNotNull();
        }
    }

    @Test
    void incorrectTokenAudience_gkeTokenForTheCluster_pointsAtTheVolumeNotTheClientIdList() throws Exception {
        Files.writeString(tokenFile, TestTokens.sign(TestTokens.gkeClaims(T0, HOUR).audience(TestTokens.GKE_ISSUER).build()));
        sts.fail(400, "InvalidIdentityToken", "Incorrect token audience");
        try (WebIdentityCredentialsProvider provider = builder().build()) {
            assertThatThrownBy(provider::resolveCredentials)
                    .isInstanceOf(WebIdentityCredentialsException.class)
                    .hasMessageContaining("not sts.amazonaws.com")
                    .hasMessageContaining("Set that audience on the volume")
                    .hasMessageContaining("do not add the cluster's URL");
        }
    }

    @Test
    void idpCommunicationErrorForever_boundedBackoffAndCachedCredentialsServedMeanwhile() throws Exception {
        Files.writeString(tokenFile, TestTokens.gke(T0, Duration.ofHours(3)));
        sts.succeed(T0.plus(HOUR));
        try (WebIdentityCredentialsProvider provider = builder().build()) {
            AwsCredentials cached = provider.resolveCredentials();
            sts.fail(400, "IDPCommunicationError", "The identity provider could not be reached");

            List<String> messages = new ArrayList<>();
            assertThat(callEvery(provider, Duration.ofSeconds(1), Duration.ofMinutes(58), messages)).isZero();
            time.advance(Duration.ofSeconds(59)); // 10:58:59, the last second before the stale point
            assertThat(provider.resolveCredentials()).isSameAs(cached);
            int duringPrefetchWindow = sts.calls() - 1;
            // Five minutes of prefetch window at most, backoff 1 s doubling to a 1-minute cap.
            assertThat(duringPrefetchWindow).isBetween(2, 15);

            int failures = callEvery(provider, Duration.ofSeconds(1), Duration.ofMinutes(60), messages);
            int afterExpiry = sts.calls() - 1 - duringPrefetchWindow;
            assertThat(failures).isGreaterThan(3500);
            assertThat(afterExpiry).as("STS calls in an hour without credentials").isBetween(30, 130);
            assertThat(messages).allSatisfy(m -> assertThat(m).contains("IDPCommunicationError", ROLE_ARN));
            Figures.record("idp-communication-error", String.format("IDPCommunicationError for ever: %d STS calls in "
                    + "the 5-minute prefetch window while cached credentials were served, %d in the following hour "
                    + "without credentials (%d caller failures, one call a second)", duringPrefetchWindow, afterExpiry,
                    failures));
        }
    }

    // 5. Permanent STS errors.

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "403|AccessDenied|Not authorized to perform sts:AssumeRoleWithWebIdentity",
            "400|ValidationError|The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            "403|RegionDisabledException|STS is not activated in this region for account:123456789012.",
            "400|MalformedPolicyDocument|Syntax errors in policy.",
            "400|PackedPolicyTooLarge|Packed size of the session policy is too large."})
    void permanentStsError_boundedCallsAndDiagnosisWithRoleAndClaimsNeverTheToken(int status, String code, String message)
            throws Exception {
        String token = TestTokens.gke(T0, Duration.ofHours(3));
        Files.writeString(tokenFile, token);
        sts.fail(status, code, message);
        try (WebIdentityCredentialsProvider provider = builder().build()) {
            List<String> messages = new ArrayList<>();
            int failures = callEvery(provider, Duration.ofSeconds(1), Duration.ofMinutes(10), messages);

            assertThat(failures).isEqualTo(600);
            // Configuration failures back off from 10 s to 5 minutes: a handful of calls in ten minutes.
            assertThat(sts.calls()).isBetween(2, 8);
            assertThat(messages).allSatisfy(m -> assertThat(m).contains(code, ROLE_ARN,
                    "sub=system:serviceaccount:checkout:checkout-api").doesNotContain(token).doesNotContain("eyJ"));
            Figures.record("permanent-" + code, sts.calls() + " STS calls in 10 minutes of one caller a second");
        }
    }

    // 9. A Google token for another audience than configured: refused before STS.

    @Test
    void metadataServerTokenForAnotherAudience_refusedBeforeSts() {
        sts.succeed(T0.plus(HOUR));
        try (FakeMetadataServer metadata = FakeMetadataServer.start()
                .tokens(audience -> TestTokens.google(T0, "sts.amazonaws.com"));
             WebIdentityCredentialsProvider provider = builder(
                     MetadataServerTokenSources.forHost(metadata.hostAndPort(), TestTokens.GSA_UNIQUE_ID)).build()) {
            assertThatThrownBy(provider::resolveCredentials)
                    .isInstanceOf(WebIdentityCredentialsException.class)
                    .hasMessageContaining("another audience")
                    .hasMessageContaining(TestTokens.GSA_UNIQUE_ID)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("eyJ"));
            assertThat(sts.calls()).isZero();
        }
    }

    // 6. Unusable Expiration, and a clock that runs ahead.

    @ParameterizedTest
    @ValueSource(strings = {"<Expiration>2026-11-25T09:00:00Z</Expiration>", "", "<Expiration>tomorrow</Expiration>"})
    void unusableExpiration_noHotLoop(String expiration) throws Exception {
        Files.writeString(tokenFile, TestTokens.gke(T0, Duration.ofHours(3)));
        sts.server().resetMappings();
        sts.server().stubFor(com.github.tomakehurst.wiremock.client.WireMock.post("/").willReturn(sts.success(expiration)));
        try (WebIdentityCredentialsProvider provider = builder().build()) {
            List<String> messages = new ArrayList<>();
            int failures = callEvery(provider, Duration.ofSeconds(1), Duration.ofMinutes(10), messages);

            assertThat(failures).isEqualTo(600);
            assertThat(sts.calls()).as("STS calls in 10 minutes").isBetween(2, 60);
            assertThat(messages.get(0)).contains(ROLE_ARN).doesNotContain(StsStub.SECRET_PREFIX)
                    .doesNotContain(StsStub.SESSION_TOKEN_PREFIX);
        }
    }

    @Test
    void localClockTenMinutesAhead_shortSessions_noHotLoop() throws Exception {
        // STS's clock is ten minutes behind ours: 15-minute credentials look like 5-minute ones, inside the
        // prefetch window the moment they arrive.
        Files.writeString(tokenFile, TestTokens.gke(T0, Duration.ofHours(3)));
        try (WebIdentityCredentialsProvider provider = builder().sessionDuration(Duration.ofMinutes(15)).build()) {
            List<String> messages = new ArrayList<>();
            int failures = 0;
            for (int minute = 0; minute < 60; minute++) {
                sts.succeed(time.now().minus(Duration.ofMinutes(10)).plus(Duration.ofMinutes(15)));
                failures += callEvery(provider, Duration.ofSeconds(1), Duration.ofMinutes(1), messages);
            }
            assertThat(failures).isZero();
            // Each refresh lands halfway to the stale point (two minutes away): one call per two minutes, never a loop.
            assertThat(sts.calls()).as("STS calls in an hour").isLessThanOrEqualTo(32);
            Figures.record("clock-ahead", sts.calls() + " STS calls in an hour with 15-minute sessions and the local "
                    + "clock 10 minutes ahead, 0 caller failures");
        }
    }
}
