package dev.keyless.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.UUID;

/**
 * Mints tokens in exactly the claim shapes GKE and Google issue (path A: a projected service-account token;
 * path B: a Google service-account identity token), signed RS256 with a test key.
 * One shared key per JVM: generating RSA keys is slow.
 */
public final class TestTokens {

    public static final String GKE_ISSUER =
            "https://container.googleapis.com/v1/projects/checkout-prod/locations/europe-west1/clusters/prod-1";
    public static final String GOOGLE_ISSUER = "https://accounts.google.com";
    public static final String GSA_UNIQUE_ID = "112233445566778899001";
    public static final String GSA_EMAIL = "checkout@checkout-prod.iam.gserviceaccount.com";
    public static final String NAMESPACE = "checkout";
    public static final String KSA = "checkout-api";
    public static final String POD = "checkout-api-7d9f8b6c4-x2k9p";

    private static final RSAKey KEY = generate("test-key-1");

    private TestTokens() {
    }

    public static RSAKey key() {
        return KEY;
    }

    private static RSAKey generate(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Path A: a GKE projected service-account token issued at {@code iat}, valid for {@code ttl}. */
    public static String gke(Instant iat, Duration ttl) {
        return sign(gkeClaims(iat, ttl).build());
    }

    public static JWTClaimsSet.Builder gkeClaims(Instant iat, Duration ttl) {
        return new JWTClaimsSet.Builder()
                .issuer(GKE_ISSUER)
                .subject("system:serviceaccount:" + NAMESPACE + ":" + KSA)
                .audience("sts.amazonaws.com")
                .issueTime(Date.from(iat))
                .notBeforeTime(Date.from(iat))
                .expirationTime(Date.from(iat.plus(ttl)))
                .claim("kubernetes.io", Map.of(
                        "namespace", NAMESPACE,
                        "node", Map.of("name", "gke-prod-1-default-pool-1a2b3c4d-xyz1", "uid", UUID.randomUUID().toString()),
                        "pod", Map.of("name", POD, "uid", UUID.randomUUID().toString()),
                        "serviceaccount", Map.of("name", KSA, "uid", UUID.randomUUID().toString())));
    }

    /** Path B: a Google service-account identity token for {@code audience}, {@code format=full} on GKE. */
    public static String google(Instant iat, String audience) {
        return sign(googleClaims(iat, audience).build());
    }

    public static JWTClaimsSet.Builder googleClaims(Instant iat, String audience) {
        return new JWTClaimsSet.Builder()
                .issuer(GOOGLE_ISSUER)
                .subject(GSA_UNIQUE_ID)
                .audience(audience)
                .claim("azp", GSA_UNIQUE_ID)
                .claim("email", GSA_EMAIL)
                .claim("email_verified", true)
                .issueTime(Date.from(iat))
                .expirationTime(Date.from(iat.plus(Duration.ofHours(1))));
    }

    public static String sign(JWTClaimsSet claims) {
        return sign(claims, KEY);
    }

    public static String sign(JWTClaimsSet claims, RSAKey key) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256)
                    .keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(), claims);
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }
}
