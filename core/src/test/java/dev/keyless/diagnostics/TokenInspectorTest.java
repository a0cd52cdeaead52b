package dev.keyless.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.keyless.jwt.Claims;
import dev.keyless.testing.TestTokens;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TokenInspectorTest {

    private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    private HttpServer issuer;

    @AfterEach
    void stopIssuer() {
        if (issuer != null) {
            issuer.stop(0);
        }
    }

    private static List<String> codes(TokenReport report) {
        return report.findings().stream().map(Finding::code).toList();
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void inspect_gkeToken_readsEveryClaimAndFindsNothingWrong() {
        String token = TestTokens.gke(NOW.minusSeconds(60), Duration.ofHours(1));

        TokenReport report = TokenInspector.inspect(token, CLOCK);

        assertThat(report.kind()).isEqualTo(TokenKind.GKE_PROJECTED_SERVICE_ACCOUNT);
        assertThat(report.algorithm()).isEqualTo("RS256");
        assertThat(report.keyId()).isEqualTo("test-key-1");
        assertThat(report.issuer()).isEqualTo(TestTokens.GKE_ISSUER);
        assertThat(report.subject()).isEqualTo("system:serviceaccount:checkout:checkout-api");
        assertThat(report.audience()).containsExactly("sts.amazonaws.com");
        assertThat(report.kubernetesNamespace()).isEqualTo(TestTokens.NAMESPACE);
        assertThat(report.kubernetesServiceAccount()).isEqualTo(TestTokens.KSA);
        assertThat(report.kubernetesPod()).isEqualTo(TestTokens.POD);
        assertThat(report.issuedAt()).isEqualTo(NOW.minusSeconds(60));
        assertThat(report.expiresAt()).isEqualTo(NOW.plus(Duration.ofMinutes(59)));
        assertThat(report.findings()).isEmpty();
        assertThat(report.hasErrors()).isFalse();
        assertThat(report.signatureVerified()).isFalse();
        assertThat(report.toText())
                .contains("GKE projected service-account token", "signature not verified",
                        "exp  2026-11-25T10:59:00Z (in 59 min)", "iat  2026-11-25T09:59:00Z (1 min ago)",
                        "namespace  checkout", "pod  " + TestTokens.POD, "No problems found.")
                .doesNotContain(token, "eyJ");
    }

    @Test
    void inspect_googleToken_readsAzpAndEmail() {
        TokenReport report = TokenInspector.inspect(TestTokens.google(NOW, "sts.amazonaws.com"), CLOCK);

        assertThat(report.kind()).isEqualTo(TokenKind.GOOGLE_SERVICE_ACCOUNT);
        assertThat(report.subject()).isEqualTo(TestTokens.GSA_UNIQUE_ID);
        assertThat(report.authorizedParty()).isEqualTo(TestTokens.GSA_UNIQUE_ID);
        assertThat(report.email()).isEqualTo(TestTokens.GSA_EMAIL);
        assertThat(report.kubernetesNamespace()).isNull();
        assertThat(report.findings()).isEmpty();
    }

    @Test
    void inspect_googleTokenWithoutAzp_saysAudIsCompared() {
        String token = TestTokens.sign(new JWTClaimsSet.Builder(TestTokens.googleClaims(NOW, "my-audience").build())
                .claim("azp", null).build());

        assertThat(codes(TokenInspector.inspect(token, CLOCK))).containsExactly("no-azp");
    }

    @Test
    void inspect_otherIssuer_isOtherOidc() {
        String token = TestTokens.sign(new JWTClaimsSet.Builder().issuer("https://token.actions.githubusercontent.com")
                .subject("repo:acme/checkout:ref:refs/heads/main").audience("sts.amazonaws.com")
                .expirationTime(Date.from(NOW.plusSeconds(600))).build());

        assertThat(TokenInspector.inspect(token, CLOCK).kind()).isEqualTo(TokenKind.OTHER_OIDC);
    }

    @Test
    void inspect_expiredToken_errorNamesExpiryAndSubPath() {
        TokenReport report = TokenInspector.inspect(TestTokens.gke(NOW.minus(Duration.ofHours(2)), Duration.ofHours(1)), CLOCK);

        assertThat(report.hasErrors()).isTrue();
        Finding expired = report.findings().get(0);
        assertThat(expired.code()).isEqualTo("expired");
        assertThat(expired.severity()).isEqualTo(Finding.Severity.ERROR);
        assertThat(expired.message()).contains("2026-11-25T09:00:00Z", "60 min ago");
        assertThat(expired.fix()).contains("subPath");
    }

    @Test
    void inspect_expiringWithinAMinute_warns() {
        TokenReport report = TokenInspector.inspect(TestTokens.gke(NOW.minus(Duration.ofMinutes(10)),
                Duration.ofMinutes(10).plusSeconds(30)), CLOCK);

        assertThat(codes(report)).containsExactly("expiring");
        assertThat(report.hasErrors()).isFalse();
    }

    @Test
    void inspect_issuedInTheFuture_reportsClockSkewForNbfAndIat() {
        TokenReport report = TokenInspector.inspect(TestTokens.gke(NOW.plus(Duration.ofMinutes(5)), Duration.ofHours(1)), CLOCK);

        assertThat(codes(report)).containsExactly("clock-skew", "clock-skew");
        assertThat(report.findings().get(0).message()).contains("nbf", "300 s");
        assertThat(report.findings().get(0).fix()).contains("NTP");
    }

    @Test
    void inspect_smallSkewWithinAMinute_isTolerated() {
        assertThat(TokenInspector.inspect(TestTokens.gke(NOW.plusSeconds(30), Duration.ofHours(1)), CLOCK).findings())
                .isEmpty();
    }

    @Test
    void inspect_gkeTokenForAnotherAudience_explainsProjectedVolumeAudience() {
        String token = TestTokens.sign(TestTokens.gkeClaims(NOW, Duration.ofHours(1))
                .audience(TestTokens.GKE_ISSUER).build());

        TokenReport report = TokenInspector.inspect(token, CLOCK);

        assertThat(codes(report)).containsExactly("gke-audience");
        assertThat(report.findings().get(0).fix()).contains("audience: sts.amazonaws.com");
    }

    @Test
    void inspect_googleTokenForAnyAudience_isFine() {
        assertThat(TokenInspector.inspect(TestTokens.google(NOW, TestTokens.GSA_UNIQUE_ID), CLOCK).findings()).isEmpty();
    }

    @Test
    void inspect_noExp_warns() {
        String token = TestTokens.sign(TestTokens.gkeClaims(NOW, Duration.ofHours(1)).expirationTime(null).build());

        assertThat(codes(TokenInspector.inspect(token, CLOCK))).containsExactly("no-exp");
    }

    @Test
    void inspect_hs256Token_isAnAlgorithmError() throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), TestTokens.gkeClaims(NOW, Duration.ofHours(1)).build());
        jwt.sign(new MACSigner(new byte[32]));

        TokenReport report = TokenInspector.inspect(jwt.serialize(), CLOCK);

        assertThat(codes(report)).containsExactly("algorithm");
        assertThat(report.findings().get(0).message()).contains("HS256", "RS256 only");
    }

    @Test
    void inspect_es256Token_isAnAlgorithmError() throws Exception {
        ECKey key = new ECKeyGenerator(Curve.P_256).generate();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.ES256), TestTokens.gkeClaims(NOW, Duration.ofHours(1)).build());
        jwt.sign(new ECDSASigner(key));

        assertThat(TokenInspector.inspect(jwt.serialize(), CLOCK).findings().get(0).message()).contains("ES256");
    }

    @Test
    void inspect_unsignedToken_isAnAlgorithmErrorAndIsNotVerified() {
        String token = new PlainJWT(TestTokens.gkeClaims(NOW, Duration.ofHours(1)).build()).serialize();

        TokenReport report = TokenInspector.verify(token, CLOCK);

        assertThat(codes(report)).containsExactly("algorithm");
        assertThat(report.findings().get(0).message()).contains("none", "unsigned");
        assertThat(report.signatureVerified()).isFalse();
    }

    @Test
    void inspect_tokenOver20000Characters_isTooLong() {
        String token = TestTokens.sign(TestTokens.gkeClaims(NOW, Duration.ofHours(1)).claim("pad", "x".repeat(20_000)).build());

        TokenReport report = TokenInspector.inspect(token, CLOCK);

        assertThat(codes(report)).containsExactly("too-long");
        assertThat(report.length()).isEqualTo(token.length());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "not a token", "abc", "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0", "!!!.@@@.###",
            "eyJhbGciOiJSUzI1NiJ9.%%%%.c2ln"})
    void inspect_garbage_isNotAJwtWithoutThrowing(String input) {
        TokenReport report = TokenInspector.inspect(input, CLOCK);

        assertThat(report.kind()).isEqualTo(TokenKind.NOT_A_JWT);
        assertThat(codes(report)).contains("not-a-jwt");
        assertThat(report.toText()).contains("not a JWT").doesNotContain("eyJ");
        assertThat(report.toJson()).doesNotContain("eyJ");
    }

    @Test
    void inspect_claimsThatAreAJsonArray_isNotAJwt() {
        String token = b64("{\"alg\":\"RS256\"}") + "." + b64("[\"sub\",\"x\"]") + "." + b64("sig");

        assertThat(codes(TokenInspector.inspect(token, CLOCK))).containsExactly("not-a-jwt");
    }

    @Test
    void inspect_headerThatIsJsonNull_isNotAJwt() {
        // Found by FuzzTest: nimbus throws NullPointerException here, not ParseException.
        String token = b64("null") + "." + b64("{}") + "." + b64("sig");

        assertThat(codes(TokenInspector.inspect(token, CLOCK))).containsExactly("not-a-jwt");
    }

    @Test
    void inspect_null_isNotAJwt() {
        assertThat(TokenInspector.inspect((String) null, CLOCK).kind()).isEqualTo(TokenKind.NOT_A_JWT);
    }

    @Test
    void inspect_aMegabyteOfGarbage_isTooLongAndNotAJwt() {
        TokenReport report = TokenInspector.inspect("eyJ" + "A".repeat(1 << 20), CLOCK);

        assertThat(codes(report)).containsExactlyInAnyOrder("too-long", "not-a-jwt");
        assertThat(report.toText()).doesNotContain("AAAAAAAA");
    }

    @Test
    void toJson_carriesKindClaimsAndFindingsButNotTheToken() {
        String token = TestTokens.gke(NOW.minus(Duration.ofHours(2)), Duration.ofHours(1));

        String json = TokenInspector.inspect(token, CLOCK).toJson();

        assertThat(json).contains("\"kind\":\"GKE_PROJECTED_SERVICE_ACCOUNT\"", "\"signatureVerified\":false",
                "\"code\":\"expired\"", "\"sub\":\"system:serviceaccount:checkout:checkout-api\"", "\"alg\":\"RS256\"");
        assertThat(json).doesNotContain(token).doesNotContain("eyJ");
    }

    // Signature verification against a real issuer on loopback.

    private String startIssuer(Supplier<String> publishedIssuer, JWKSet keys) throws IOException {
        issuer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        String base = "http://127.0.0.1:" + issuer.getAddress().getPort();
        issuer.createContext("/.well-known/openid-configuration", exchange -> {
            byte[] body = ("{\"issuer\":\"" + (publishedIssuer == null ? base : publishedIssuer.get())
                    + "\",\"jwks_uri\":\"" + base + "/jwks\"}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        issuer.createContext("/jwks", exchange -> {
            byte[] body = keys.toString(true).getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        issuer.start();
        return base;
    }

    private static String tokenFrom(String iss, RSAKey key) {
        return TestTokens.sign(new JWTClaimsSet.Builder().issuer(iss).subject("system:serviceaccount:checkout:checkout-api")
                .audience("sts.amazonaws.com").issueTime(Date.from(NOW)).expirationTime(Date.from(NOW.plusSeconds(3600)))
                .build(), key);
    }

    @Test
    void verify_tokenSignedByThePublishedKey_isVerified() throws Exception {
        String iss = startIssuer(null, new JWKSet(TestTokens.key().toPublicJWK()));

        TokenReport report = TokenInspector.verify(tokenFrom(iss, TestTokens.key()), CLOCK);

        assertThat(report.signatureVerified()).isTrue();
        assertThat(report.findings()).isEmpty();
        assertThat(report.toText()).contains("signature verified").doesNotContain("not verified");
    }

    @Test
    void verify_keyMissingFromJwks_isUnknownKey() throws Exception {
        RSAKey other = new RSAKeyGenerator(2048).keyID("rotated-away").generate();
        String iss = startIssuer(null, new JWKSet(List.of(TestTokens.key().toPublicJWK(),
                new RSAKeyGenerator(2048).keyID("another").generate().toPublicJWK())));

        TokenReport report = TokenInspector.verify(tokenFrom(iss, other), CLOCK);

        assertThat(report.signatureVerified()).isFalse();
        assertThat(codes(report)).containsExactly("unknown-key");
        assertThat(report.findings().get(0).message()).contains("rotated-away", iss + "/jwks");
    }

    @Test
    void verify_tamperedToken_isBadSignature() throws Exception {
        String iss = startIssuer(null, new JWKSet(TestTokens.key().toPublicJWK()));
        String token = tokenFrom(iss, TestTokens.key());
        String[] parts = token.split("\\.");
        String forged = parts[0] + "." + b64(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("checkout-api", "payments-api")) + "." + parts[2];

        TokenReport report = TokenInspector.verify(forged, CLOCK);

        assertThat(report.signatureVerified()).isFalse();
        assertThat(codes(report)).containsExactly("bad-signature");
        assertThat(report.subject()).endsWith("payments-api");
    }

    @Test
    void verify_discoveryNamingAnotherIssuer_isIssuerMismatch() throws Exception {
        String iss = startIssuer(() -> "https://elsewhere.example", new JWKSet(TestTokens.key().toPublicJWK()));

        TokenReport report = TokenInspector.verify(tokenFrom(iss, TestTokens.key()), CLOCK);

        assertThat(report.signatureVerified()).isFalse();
        assertThat(codes(report)).containsExactly("issuer-mismatch");
        assertThat(report.findings().get(0).message()).contains("https://elsewhere.example", iss);
    }

    @Test
    void verify_unreachableIssuer_isADiscoveryFinding() throws Exception {
        String iss = startIssuer(null, new JWKSet());
        issuer.stop(0);
        issuer = null;

        TokenReport report = TokenInspector.verify(tokenFrom(iss, TestTokens.key()), CLOCK);

        assertThat(report.signatureVerified()).isFalse();
        assertThat(codes(report)).containsExactly("discovery");
        assertThat(report.findings().get(0).message()).contains(iss + "/.well-known/openid-configuration");
    }

    @Test
    void inspect_tokenWithoutKid_hasNoKeyId() throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).type(JOSEObjectType.JWT).build(),
                TestTokens.gkeClaims(NOW, Duration.ofHours(1)).build());
        jwt.sign(new com.nimbusds.jose.crypto.RSASSASigner(TestTokens.key()));

        assertThat(TokenInspector.inspect(jwt.serialize(), CLOCK).keyId()).isNull();
    }

    private static List<Finding> claimFindings(Map<String, Object> claims) {
        List<Finding> findings = new java.util.ArrayList<>();
        TokenInspector.checkClaims(Claims.of(claims), TokenKind.OTHER_OIDC, NOW, findings);
        return findings;
    }

    @Test
    void checkClaims_expAsString_namesTheClaim() {
        List<Finding> findings = claimFindings(Map.of("iss", "https://issuer.example", "exp", "tomorrow"));

        assertThat(findings).extracting(Finding::code).containsExactly("claim-type");
        assertThat(findings.get(0).message()).isEqualTo("The token's exp claim is the string \"tomorrow\", not a "
                + "number of seconds since 1970 (a JSON number); STS refuses the token.");
    }

    /** The same through inspect(), once the payload reader no longer refuses a claim of the wrong type itself. */
    @Test
    void inspect_expAsString_namesTheClaim() {
        String token = b64("{\"alg\":\"RS256\"}") + "." + b64("{\"iss\":\"https://issuer.example\",\"sub\":\"s\","
                + "\"aud\":\"sts.amazonaws.com\",\"exp\":\"tomorrow\"}") + "." + b64("sig");

        TokenReport report = TokenInspector.inspect(token, CLOCK);

        assertThat(codes(report)).containsExactly("claim-type");
        assertThat(report.findings().get(0).message()).startsWith("The token's exp claim is the string \"tomorrow\"");
    }

    @Test
    void checkClaims_wrongTypes_eachNamed() {
        List<Finding> findings = claimFindings(Map.of("iss", List.of("a"), "sub", 42, "aud", Map.of("x", 1),
                "iat", true, "azp", false));

        assertThat(findings).extracting(Finding::message).anySatisfy(m -> assertThat(m).startsWith("The token's iss claim is a list"))
                .anySatisfy(m -> assertThat(m).startsWith("The token's sub claim is the number \"42\""))
                .anySatisfy(m -> assertThat(m).startsWith("The token's aud claim is an object"))
                .anySatisfy(m -> assertThat(m).startsWith("The token's iat claim is the boolean \"true\""))
                .anySatisfy(m -> assertThat(m).startsWith("The token's azp claim is the boolean"));
    }

    @Test
    void checkClaims_claimWithControlCharacters_isEscapedInTheFinding() {
        List<Finding> findings = claimFindings(Map.of("iss", "https://issuer.example", "exp", "x\n[PASS] \u001b[2J"));

        assertThat(findings.get(0).message()).contains("x\\n[PASS] \\u001b[2J").doesNotContain("\n").doesNotContain("\u001b");
    }

    @Test
    void checkClaims_httpIssuer_isAFinding_butLoopbackIsAllowedForTests() {
        assertThat(claimFindings(Map.of("iss", "http://issuer.example", "exp", NOW.getEpochSecond() + 3600)))
                .extracting(Finding::code).containsExactly("insecure-issuer");
        assertThat(claimFindings(Map.of("iss", "http://127.0.0.1:8080", "exp", NOW.getEpochSecond() + 3600))).isEmpty();
    }

    @Test
    void inspect_httpIssuer_isAnError() {
        TokenReport report = TokenInspector.inspect(tokenFrom("http://issuer.example", TestTokens.key()), CLOCK);

        assertThat(codes(report)).containsExactly("insecure-issuer");
        assertThat(report.hasErrors()).isTrue();
    }

    @Test
    void verify_httpIssuer_fetchesNothing() {
        TokenReport report = TokenInspector.verify(tokenFrom("http://issuer.example", TestTokens.key()), CLOCK);

        assertThat(report.signatureVerified()).isFalse();
        assertThat(codes(report)).containsExactly("insecure-issuer", "discovery");
        assertThat(report.findings().get(1).message()).contains("was not fetched", "plain http://");
    }

    @Test
    void verify_discoveryDocumentLargerThanTheLimit_isAFindingWithTheLimit() throws Exception {
        issuer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        String base = "http://127.0.0.1:" + issuer.getAddress().getPort();
        issuer.createContext("/.well-known/openid-configuration", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            byte[] chunk = new byte[64 * 1024];
            try (java.io.OutputStream out = exchange.getResponseBody()) {
                for (int i = 0; i < 64; i++) {
                    out.write(chunk);
                }
            } catch (IOException e) {
                // the client stopped reading, as it should
            }
        });
        issuer.start();

        TokenReport report = TokenInspector.verify(tokenFrom(base, TestTokens.key()), CLOCK);

        assertThat(codes(report)).containsExactly("discovery");
        assertThat(report.findings().get(0).message()).contains("more than 262144 bytes; the limit is 262144 bytes");
    }
}
