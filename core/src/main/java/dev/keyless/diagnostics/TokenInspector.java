package dev.keyless.diagnostics;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.keyless.internal.text.Redaction;
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
    private static final String GKE_ISSUER_PREFIX = "https://container.googleapis.com/v1/projects/";
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
        JWT parsed;
        try {
            parsed = JWTParser.parse(value);
        } catch (ParseException | RuntimeException e) {
            // nimbus 10 throws NullPointerException, not ParseException, for a header that is JSON null.
            findings.add(new Finding(Finding.Severity.ERROR, "not-a-jwt", "This is not a JWT ("
                    + (e instanceof ParseException ? Redaction.scrub(e.getMessage()) : "its header is not a JSON object")
                    + ").",
                    "Pass the token itself: three base64url segments joined by dots, as the projected token file or "
                            + "the metadata server's identity endpoint returns it."));
            return new TokenReport(now, value.length(), null, null, Map.of(), TokenKind.NOT_A_JWT, sorted(findings), false);
        }
        Map<String, Object> claims;
        try {
            claims = parsed.getJWTClaimsSet().toJSONObject();
        } catch (ParseException | RuntimeException e) {
            findings.add(new Finding(Finding.Severity.ERROR, "not-a-jwt", "The token's payload is not a JSON object.",
                    "Pass an OIDC ID token."));
            return new TokenReport(now, value.length(), null, null, Map.of(), TokenKind.NOT_A_JWT, sorted(findings), false);
        }
        String alg = parsed.getHeader().getAlgorithm() == null ? null : parsed.getHeader().getAlgorithm().getName();
        String kid = parsed instanceof SignedJWT ? ((SignedJWT) parsed).getHeader().getKeyID() : null;
        if (parsed instanceof PlainJWT || parsed instanceof EncryptedJWT || !JWSAlgorithm.RS256.getName().equals(alg)) {
            findings.add(new Finding(Finding.Severity.ERROR, "algorithm", "The token's alg is " + alg
                    + (parsed instanceof PlainJWT ? " (unsigned)" : parsed instanceof EncryptedJWT ? " (encrypted)" : "")
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
        if (report.kind() == TokenKind.NOT_A_JWT || report.issuer() == null
                || !JWSAlgorithm.RS256.getName().equals(report.algorithm())) {
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
                verified = checkSignature((SignedJWT) JWTParser.parse(jwt.strip()), keys, jwksUri.toString(), more)
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

    private static TokenKind kindOf(Map<String, Object> claims) {
        Object iss = claims.get("iss");
        String issuer = iss == null ? "" : iss.toString();
        if (issuer.startsWith(GKE_ISSUER_PREFIX) || claims.containsKey("kubernetes.io")) {
            return TokenKind.GKE_PROJECTED_SERVICE_ACCOUNT;
        }
        if (issuer.equals("https://accounts.google.com") || issuer.equals("accounts.google.com")) {
            return TokenKind.GOOGLE_SERVICE_ACCOUNT;
        }
        return TokenKind.OTHER_OIDC;
    }

    private static void checkTimes(Map<String, Object> claims, Instant now, List<Finding> findings) {
        Instant exp = TokenReport.epochSeconds(claims.get("exp"));
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
        for (String claim : new String[] {"nbf", "iat"}) {
            Instant t = TokenReport.epochSeconds(claims.get(claim));
            if (t != null && t.isAfter(now.plus(SKEW))) {
                findings.add(new Finding(Finding.Severity.ERROR, "clock-skew", "The token's " + claim + " (" + t
                        + ") is in the future by " + Duration.between(now, t).toSeconds() + " s.",
                        "Fix the clock (NTP) of this machine or of the issuer; STS refuses tokens not yet valid."));
            }
        }
    }

    private static void checkAudience(Map<String, Object> claims, TokenKind kind, List<Finding> findings) {
        Object aud = claims.get("aud");
        List<String> audience = aud instanceof List ? ((List<?>) aud).stream().map(String::valueOf).toList()
                : aud == null ? List.of() : List.of(aud.toString());
        if (kind == TokenKind.GKE_PROJECTED_SERVICE_ACCOUNT && !audience.contains("sts.amazonaws.com")) {
            findings.add(new Finding(Finding.Severity.ERROR, "gke-audience", "The GKE token's aud is " + audience
                    + ", not sts.amazonaws.com.",
                    "Set audience: sts.amazonaws.com on the projected serviceAccountToken volume (or add this "
                            + "audience to the IAM OIDC provider's client ID list and the trust policy)."));
        }
        if (kind == TokenKind.GOOGLE_SERVICE_ACCOUNT && claims.get("azp") == null) {
            findings.add(new Finding(Finding.Severity.INFO, "no-azp", "The Google token has no azp claim, so AWS "
                    + "compares accounts.google.com:aud with its aud.", "Nothing to fix; write the policy accordingly."));
        }
    }


    private static List<Finding> sorted(List<Finding> findings) {
        findings.sort(Comparator.comparing(Finding::severity));
        return findings;
    }
}
