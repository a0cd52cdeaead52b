package dev.keyless.diagnostics;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.SignedJWT;
import dev.keyless.internal.text.Redaction;
import dev.keyless.jwt.Claims;
import dev.keyless.jwt.DecodedJwt;
import dev.keyless.jwt.MalformedJwtException;
import dev.keyless.token.WebIdentityToken;
import java.io.IOException;
import java.net.URL;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Reads a token offline and says what STS will think of it: its kind, its claims, and findings with fixes
 * (expired, not yet valid, wrong audience, wrong algorithm, too long, not a JWT). Parsing never throws for
 * bad input: that is a finding. The signature is not verified unless you call {@link #verify}, and the
 * report says so. Stateless and thread-safe.
 */
public final class TokenInspector {

    /** STS's limit on {@code WebIdentityToken}. */
    private static final int MAX_LENGTH = 20_000;
    private static final Duration SKEW = Duration.ofSeconds(60);
    private static final Duration EXPIRING = Duration.ofMinutes(1);
    private static final String RS256 = "RS256";
    private static final String STS_AUDIENCE = "sts.amazonaws.com";
    private static final Claims EMPTY = Claims.of(Map.of());
    private static final int TIMEOUT_MILLIS = 5_000;
    private static final int SIZE_LIMIT = 512 * 1024;

    private TokenInspector() {
    }

    /**
     * Inspects a token at the current time.
     *
     * @param jwt the compact token
     * @return the report
     */
    public static TokenReport inspect(String jwt) {
        return inspect(jwt, Clock.systemUTC());
    }

    /**
     * Inspects a token a token source produced.
     *
     * @param token the token
     * @return the report
     */
    public static TokenReport inspect(WebIdentityToken token) {
        return inspect(token.value(), Clock.systemUTC());
    }

    /**
     * Inspects a token at the clock's time.
     *
     * @param jwt the compact token
     * @param clock the time to judge expiry by
     * @return the report
     */
    public static TokenReport inspect(String jwt, Clock clock) {
        Instant now = clock.instant();
        String value = jwt == null ? "" : jwt.strip();
        List<Finding> findings = new ArrayList<>();
        if (value.length() > MAX_LENGTH) {
            findings.add(new Finding(Finding.Severity.ERROR, "too-long", "The token is " + value.length()
                    + " characters long; STS accepts at most " + MAX_LENGTH + ".",
                    "Ask the issuer for a smaller token (fewer claims); GKE and Google tokens are far below the limit."));
        }
        DecodedJwt parsed;
        try {
            parsed = DecodedJwt.decode(value);
        } catch (MalformedJwtException e) {
            if (e.claim() != null) {
                findings.add(new Finding(Finding.Severity.ERROR, "claim-type", "The token's " + e.claim()
                        + " claim has the wrong type: " + e.getMessage() + ".",
                        "STS refuses such a token; check the issuer, which must write standard OIDC claims."));
            } else {
                findings.add(new Finding(Finding.Severity.ERROR, "not-a-jwt", "This is not a JWT ("
                        + e.getMessage() + ").",
                        "Pass the token itself: three base64url segments joined by dots, as the projected token file "
                                + "or the metadata server's identity endpoint returns it."));
            }
            return new TokenReport(now, value.length(), null, null, EMPTY, TokenKind.NOT_A_JWT, sorted(findings),
                    false);
        }
        Claims claims = parsed.claims();
        String alg = parsed.algorithm();
        String kid = parsed.keyId();
        if (parsed.unsigned() || parsed.encrypted() || !RS256.equals(alg)) {
            findings.add(new Finding(Finding.Severity.ERROR, "algorithm", "The token's alg is " + alg
                    + (parsed.unsigned() ? " (unsigned)" : parsed.encrypted() ? " (encrypted)" : "")
                    + "; STS accepts RS256 only.", "Use an issuer that signs ID tokens with RS256, as GKE and Google do."));
        }
        TokenKind kind = kindOf(claims);
        checkTimes(claims, now, findings);
        checkAudience(claims, kind, findings);
        return new TokenReport(now, value.length(), alg, kid, claims, kind, sorted(findings), false);
    }

    /**
     * Inspects a token at the current time and verifies its signature, as {@link #verify(String, Clock)}.
     *
     * @param jwt the compact token
     * @return the report
     */
    public static TokenReport verify(String jwt) {
        return verify(jwt, Clock.systemUTC());
    }

    /**
     * Inspects a token and verifies its signature against the keys its issuer publishes: fetches
     * {@code <iss>/.well-known/openid-configuration}, checks that its {@code issuer} is the token's
     * {@code iss}, fetches {@code jwks_uri} and verifies the RS256 signature. Anything that fails is a
     * finding; {@link TokenReport#signatureVerified()} is {@code true} only on success.
     *
     * @param jwt the compact token
     * @param clock the time to judge expiry by
     * @return the report
     */
    public static TokenReport verify(String jwt, Clock clock) {
        TokenReport report = inspect(jwt, clock);
        if (report.kind() == TokenKind.NOT_A_JWT || report.issuer() == null || !RS256.equals(report.algorithm())) {
            return report;
        }
        List<Finding> more = new ArrayList<>();
        boolean verified = false;
        String issuer = report.issuer();
        String discoveryUrl = issuer.replaceAll("/+$", "") + "/.well-known/openid-configuration";
        try {
            DefaultResourceRetriever http = new DefaultResourceRetriever(TIMEOUT_MILLIS, TIMEOUT_MILLIS, SIZE_LIMIT);
            Map<String, Object> discovery = JSONObjectUtils.parse(http.retrieveResource(new URL(discoveryUrl)).getContent());
            Object published = discovery.get("issuer");
            if (!issuer.equals(published)) {
                more.add(new Finding(Finding.Severity.ERROR, "issuer-mismatch", "The discovery document at " + discoveryUrl
                        + " names issuer " + published + ", not the token's " + issuer + ".",
                        "STS validates tokens only when the issuer in the discovery document equals the token's iss."));
            }
            Object jwksUri = discovery.get("jwks_uri");
            if (jwksUri == null) {
                more.add(new Finding(Finding.Severity.ERROR, "no-jwks", "The discovery document at " + discoveryUrl
                        + " has no jwks_uri.", "Publish the issuer's keys and name them in jwks_uri."));
            } else {
                JWKSet keys = JWKSet.parse(http.retrieveResource(new URL(jwksUri.toString())).getContent());
                verified = checkSignature(SignedJWT.parse(jwt.strip()), keys, jwksUri.toString(), more)
                        && more.isEmpty();
            }
        } catch (IOException | ParseException e) {
            more.add(new Finding(Finding.Severity.ERROR, "discovery", "Could not fetch or read the issuer's discovery "
                    + "document or keys from " + discoveryUrl + ": " + Redaction.scrub(e.getMessage()),
                    "STS fetches the same documents: they must be reachable over HTTPS from the internet."));
        }
        return report.withVerification(verified, more);
    }

    private static boolean checkSignature(SignedJWT jwt, JWKSet keys, String jwksUri, List<Finding> findings) {
        String kid = jwt.getHeader().getKeyID();
        JWK key = kid == null ? (keys.getKeys().size() == 1 ? keys.getKeys().get(0) : null) : keys.getKeyByKeyId(kid);
        if (!(key instanceof RSAKey)) {
            findings.add(new Finding(Finding.Severity.ERROR, "unknown-key", "The issuer's JWKS at " + jwksUri
                    + " has no RSA key with kid " + kid + ".",
                    "The token was signed by a key the issuer does not publish (rotated away, or another issuer)."));
            return false;
        }
        try {
            if (jwt.verify(new RSASSAVerifier((RSAKey) key))) {
                return true;
            }
        } catch (JOSEException e) {
            // falls through to the finding
        }
        findings.add(new Finding(Finding.Severity.ERROR, "bad-signature", "The token's signature does not verify "
                + "with key " + kid + " from " + jwksUri + ".", "The token was altered or signed by another key."));
        return false;
    }

    private static TokenKind kindOf(Claims claims) {
        if (claims.isGke()) {
            return TokenKind.GKE_PROJECTED_SERVICE_ACCOUNT;
        }
        return claims.isGoogle() ? TokenKind.GOOGLE_SERVICE_ACCOUNT : TokenKind.OTHER_OIDC;
    }

    private static void checkTimes(Claims claims, Instant now, List<Finding> findings) {
        Instant exp = claims.expirationTime();
        if (exp == null) {
            findings.add(new Finding(Finding.Severity.WARNING, "no-exp", "The token has no exp claim.",
                    "OIDC ID tokens must expire; check the issuer."));
        } else if (!exp.isAfter(now)) {
            findings.add(new Finding(Finding.Severity.ERROR, "expired", "The token expired at " + exp + ", "
                    + Duration.between(exp, now).toMinutes() + " min ago.",
                    "Read a fresh token. If it comes from a file that stopped changing, the file is not being rotated: "
                            + "a projected volume mounted with subPath never receives the kubelet's updates."));
        } else if (Duration.between(now, exp).compareTo(EXPIRING) < 0) {
            findings.add(new Finding(Finding.Severity.WARNING, "expiring", "The token expires at " + exp
                    + ", in less than a minute.", "Fetch a fresh token just before each STS call."));
        }
        checkNotInFuture("nbf", claims.notBefore(), now, findings);
        checkNotInFuture("iat", claims.issuedAt(), now, findings);
    }

    private static void checkNotInFuture(String claim, Instant t, Instant now, List<Finding> findings) {
        if (t != null && t.isAfter(now.plus(SKEW))) {
            findings.add(new Finding(Finding.Severity.ERROR, "clock-skew", "The token's " + claim + " (" + t
                    + ") is in the future by " + Duration.between(now, t).toSeconds() + " s.",
                    "Fix the clock (NTP) of this machine or of the issuer; STS refuses tokens not yet valid."));
        }
    }

    private static void checkAudience(Claims claims, TokenKind kind, List<Finding> findings) {
        List<String> audience = claims.audience();
        if (kind == TokenKind.GKE_PROJECTED_SERVICE_ACCOUNT && !audience.contains(STS_AUDIENCE)) {
            findings.add(new Finding(Finding.Severity.ERROR, "gke-audience", "The GKE token's aud is " + audience
                    + ", not sts.amazonaws.com.",
                    "Set audience: sts.amazonaws.com on the projected serviceAccountToken volume (or add this "
                            + "audience to the IAM OIDC provider's client ID list and the trust policy)."));
        }
        if (kind == TokenKind.GOOGLE_SERVICE_ACCOUNT && claims.authorizedParty() == null) {
            findings.add(new Finding(Finding.Severity.INFO, "no-azp", "The Google token has no azp claim, so AWS "
                    + "compares accounts.google.com:aud with its aud.", "Nothing to fix; write the policy accordingly."));
        }
    }

    private static List<Finding> sorted(List<Finding> findings) {
        findings.sort(Comparator.comparing(Finding::severity));
        return findings;
    }
}
