package dev.keyless.token;

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
import dev.keyless.testing.TestTokens;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class WebIdentityTokenTest {

    private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");

    @Test
    void of_googleToken_exposesClaimsThatMatterToTrustPolicies() {
        WebIdentityToken token = WebIdentityToken.of(TestTokens.google(NOW, "sts.amazonaws.com"), "metadata server");
        assertThat(token.claims().issuer()).isEqualTo("https://accounts.google.com");
        assertThat(token.claims().subject()).isEqualTo(TestTokens.GSA_UNIQUE_ID);
        assertThat(token.claims().authorizedParty()).isEqualTo(TestTokens.GSA_UNIQUE_ID);
        assertThat(token.claims().email()).isEqualTo(TestTokens.GSA_EMAIL);
        assertThat(token.claims().expirationTime()).isEqualTo(NOW.plus(Duration.ofHours(1)));
        assertThat(token.describeClaims()).isEqualTo("iss=https://accounts.google.com, sub=" + TestTokens.GSA_UNIQUE_ID
                + ", aud=sts.amazonaws.com, azp=" + TestTokens.GSA_UNIQUE_ID + ", exp=2026-11-25T11:00:00Z");
    }

    @Test
    void toString_neverShowsTheToken() {
        String jwt = TestTokens.gke(NOW, Duration.ofHours(1));
        WebIdentityToken token = WebIdentityToken.of(jwt);
        assertThat(token.toString()).startsWith("WebIdentityToken(source=custom token source, iss=")
                .doesNotContain(jwt).doesNotContain("eyJ");
    }

    @Test
    void of_algNone_rejected() {
        String plain = new PlainJWT(TestTokens.gkeClaims(NOW, Duration.ofHours(1)).build()).serialize();
        assertThatThrownBy(() -> WebIdentityToken.of(plain)).isInstanceOf(TokenSourceException.class)
                .hasMessageContaining("unsigned").hasMessageContaining("RS256");
    }

    @Test
    void of_hs256AndEs256_rejectedNamingTheAlgorithm() throws Exception {
        SignedJWT hs = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), TestTokens.gkeClaims(NOW, Duration.ofHours(1)).build());
        hs.sign(new MACSigner(new byte[32]));
        SignedJWT es = new SignedJWT(new JWSHeader(JWSAlgorithm.ES256), TestTokens.gkeClaims(NOW, Duration.ofHours(1)).build());
        es.sign(new ECDSASigner(new ECKeyGenerator(Curve.P_256).generate()));
        assertThatThrownBy(() -> WebIdentityToken.of(hs.serialize())).hasMessageContaining("HS256");
        assertThatThrownBy(() -> WebIdentityToken.of(es.serialize())).hasMessageContaining("ES256");
    }

    @Test
    void of_tooShortTooLongOrWithWhitespace_rejectedWithoutEchoingIt() {
        String jwt = TestTokens.gke(NOW, Duration.ofHours(1));
        assertThatThrownBy(() -> WebIdentityToken.of("a.b")).hasMessageContaining("3 characters");
        assertThatThrownBy(() -> WebIdentityToken.of("e".repeat(20_001))).hasMessageContaining("20001 characters");
        String inner = jwt.substring(0, 40) + " " + jwt.substring(40);
        assertThatThrownBy(() -> WebIdentityToken.of(inner)).hasMessageContaining("whitespace")
                .hasMessageNotContaining("eyJ");
        assertThatThrownBy(() -> WebIdentityToken.of(null)).isInstanceOf(TokenSourceException.class);
    }

    @Test
    void of_headerThatIsJsonNull_rejectedAsNotAJwt() {
        // Found by FuzzTest: nimbus throws NullPointerException here, not ParseException.
        java.util.Base64.Encoder b64 = java.util.Base64.getUrlEncoder().withoutPadding();
        String token = b64.encodeToString("null".getBytes()) + "." + b64.encodeToString("{}".getBytes()) + ".c2ln";

        assertThatThrownBy(() -> WebIdentityToken.of(token))
                .isInstanceOf(TokenSourceException.class)
                .hasMessageContaining("not a JWT");
    }

    @Test
    void of_twoSegments_rejectedAsNotAJwt() {
        String jwt = TestTokens.gke(NOW, Duration.ofHours(1));
        String twoSegments = jwt.substring(0, jwt.lastIndexOf('.'));
        assertThatThrownBy(() -> WebIdentityToken.of(twoSegments)).hasMessageContaining("not a JWT")
                .hasMessageNotContaining("eyJ");
    }
}
