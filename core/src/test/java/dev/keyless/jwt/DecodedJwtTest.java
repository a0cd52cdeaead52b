package dev.keyless.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.keyless.testing.TestTokens;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The claims reader at the bottom of core: the JDK and the SDK's JSON parser, no nimbus. */
class DecodedJwtTest {

    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    private static String segment(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String jwt(String header, String payload) {
        return segment(header) + "." + segment(payload) + ".c2lnbmF0dXJl";
    }

    @Test
    void decode_gkeToken_readsEveryClaimTheTrustPolicyUses() {
        DecodedJwt jwt = DecodedJwt.decode(TestTokens.gke(NOW, Duration.ofHours(1)));
        Claims claims = jwt.claims();

        assertThat(jwt.algorithm()).isEqualTo("RS256");
        assertThat(claims.issuer()).isEqualTo(TestTokens.GKE_ISSUER);
        assertThat(claims.subject()).isEqualTo("system:serviceaccount:checkout:checkout-api");
        assertThat(claims.audience()).containsExactly("sts.amazonaws.com");
        assertThat(claims.expirationTime()).isEqualTo(NOW.plus(Duration.ofHours(1)));
        assertThat(claims.issuedAt()).isEqualTo(NOW);
        assertThat(claims.string("kubernetes.io", "pod", "name")).isEqualTo(TestTokens.POD);
        assertThat(claims.isGke()).isTrue();
        assertThat(claims.isGoogle()).isFalse();
    }

    @Test
    void decode_googleToken_readsAzpAndEmail() {
        Claims claims = DecodedJwt.decode(TestTokens.google(NOW, TestTokens.GSA_UNIQUE_ID)).claims();

        assertThat(claims.authorizedParty()).isEqualTo(TestTokens.GSA_UNIQUE_ID);
        assertThat(claims.email()).isEqualTo(TestTokens.GSA_EMAIL);
        assertThat(claims.isGoogle()).isTrue();
        assertThat(claims.isGke()).isFalse();
    }

    @Test
    void decode_audienceAsArray_andNumbersAsLongOrDouble() {
        Claims claims = DecodedJwt.decode(jwt("{\"alg\":\"RS256\"}",
                "{\"aud\":[\"a\",\"b\"],\"exp\":1764583200,\"x\":1.5,\"big\":123456789012345678901234}")).claims();

        assertThat(claims.audience()).containsExactly("a", "b");
        assertThat(claims.get("exp")).isEqualTo(1764583200L);
        assertThat(claims.get("x")).isEqualTo(1.5);
        assertThat(claims.get("big")).isInstanceOf(Double.class);
    }

    @Test
    void decode_registeredClaimOfTheWrongType_namesTheClaim() {
        MalformedJwtException e = catchThrowableOfType(MalformedJwtException.class,
                () -> DecodedJwt.decode(jwt("{\"alg\":\"RS256\"}", "{\"exp\":\"tomorrow\"}")).claims()
                        .requireStandardTypes());

        assertThat(e.claim()).isEqualTo("exp");
        assertThat(e).hasMessage("its exp claim is a string, not a number of seconds since 1970-01-01T00:00:00Z")
                .hasMessageNotContaining("tomorrow");
    }

    @Test
    void claims_ofTheWrongType_readAsAbsent() {
        Claims claims = DecodedJwt.decode(jwt("{\"alg\":\"RS256\"}",
                "{\"iss\":7,\"aud\":[1,2],\"exp\":\"tomorrow\",\"sub\":\"s\"}")).claims();

        assertThat(claims.issuer()).isNull();
        assertThat(claims.audience()).isEmpty();
        assertThat(claims.expirationTime()).isNull();
        assertThat(claims.subject()).isEqualTo("s");
        assertThat(claims.get("iss")).isEqualTo(7L);
    }

    @Test
    void decode_malformed_saysWhatIsWrongWithoutRepeatingTheInput() {
        String secretish = "eyJzZWNyZXQiOiJ2YWx1ZSJ9";
        assertMalformed(secretish, "1 dot-separated segment; a signed JWT has 3");
        assertMalformed(secretish + "." + secretish, "2 dot-separated segments");
        assertMalformed("!!!." + secretish + ".sig", "header segment is not base64url");
        assertMalformed(segment("{\"alg\":") + "." + secretish + ".sig", "header is not valid JSON");
        assertMalformed(segment("[1]") + "." + secretish + ".sig", "header is not a JSON object");
        assertMalformed(segment("{}") + "." + Base64.getUrlEncoder().encodeToString(new byte[] {(byte) 0xff, 0x00})
                + ".sig", "payload is not UTF-8 text");
        assertMalformed("." + secretish + ".sig", "header segment is empty");
    }

    @Test
    void decode_deepOrHuge_isRefusedBeforeParsing() {
        String deep = "{\"a\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}";
        assertMalformed(jwt("{\"alg\":\"RS256\"}", deep), "nested 10001 levels deep; at most 32");
        assertMalformed("a".repeat(DecodedJwt.MAX_LENGTH + 1), "characters long; at most");
    }

    @Test
    void decode_jwe_isRecognisedAsEncryptedWithNoClaims() {
        DecodedJwt jwe = DecodedJwt.decode(segment("{\"alg\":\"RSA-OAEP\",\"enc\":\"A256GCM\"}") + ".a.b.c.d");

        assertThat(jwe.encrypted()).isTrue();
        assertThat(jwe.claims().asMap()).isEmpty();
    }

    private static void assertMalformed(String input, String expected) {
        MalformedJwtException e = catchThrowableOfType(MalformedJwtException.class, () -> DecodedJwt.decode(input));
        assertThat(e).as(expected).isNotNull();
        assertThat(e.getMessage()).contains(expected).doesNotContain("eyJ");
    }
}
