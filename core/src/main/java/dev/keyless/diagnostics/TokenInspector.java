package dev.keyless.diagnostics;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.SignedJWT;
import dev.keyless.internal.io.BoundedRead;
import dev.keyless.internal.text.Escaping;
import dev.keyless.internal.text.Redaction;
import dev.keyless.jwt.Claims;
import dev.keyless.jwt.DecodedJwt;
import dev.keyless.jwt.MalformedJwtException;
import dev.keyless.token.WebIdentityToken;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.UnknownHostException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
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
            findings.add(new Finding(Finding.Severity.ERROR, "not-a-jwt", "This is not a JWT ("
                    + e.getMessage() + ").",
                    "Pass the token itself: three base64url segments joined by dots, as the projected token file "
                            + "or the metadata server's identity endpoint returns it."));
            return new TokenReport(now, value.length(), null, null, EMPTY, TokenKind.NOT_A_JWT, sorted(findings),
                    false);
        }
        Claims claims = parsed.claims();
        String alg = parsed.algorithm();
        String kid = parsed.keyId();
        if (parsed.unsigned() || parsed.encrypted() || !RS256.equals(alg)) {
            findings.add(new Finding(Finding.Severity.ERROR, "algorithm", "The token's alg is " + Escaping.escape(alg)
                    + (parsed.unsigned() ? " (unsigned)" : parsed.encrypted() ? " (encrypted)" : "")
                    + "; STS accepts RS256 only.", "Use an issuer that signs ID tokens with RS256, as GKE and Google do."));
        }
        TokenKind kind = kindOf(claims);
        checkClaims(claims, kind, now, findings);
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
     * <p>Fetches only over {@code https} (plain {@code http} only from a loopback address, for tests), never
     * follows redirects, waits at most 5 seconds to connect and 5 seconds for each read, and reads at most
     * {@link BoundedRead#DOCUMENT_LIMIT} bytes of each document.
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
        String insecure = insecureUrl(discoveryUrl);
        if (insecure != null) {
            more.add(new Finding(Finding.Severity.ERROR, "discovery", "The issuer's discovery document was not fetched "
                    + "from " + Escaping.escape(discoveryUrl) + ": " + insecure + ".",
                    "STS fetches the issuer's documents over HTTPS only; an issuer must be an https:// URL."));
            return report.withVerification(false, more);
        }
        try {
            Map<String, Object> discovery = JSONObjectUtils.parse(fetch(discoveryUrl, "The discovery document"));
            Object published = discovery.get("issuer");
            if (!issuer.equals(published)) {
                more.add(new Finding(Finding.Severity.ERROR, "issuer-mismatch", "The discovery document at "
                        + Escaping.escape(discoveryUrl) + " names issuer " + Escaping.escape(published)
                        + ", not the token's " + Escaping.escape(issuer) + ".",
                        "STS validates tokens only when the issuer in the discovery document equals the token's iss."));
            }
            Object jwksUri = discovery.get("jwks_uri");
            String insecureJwks = jwksUri == null ? null : insecureUrl(jwksUri.toString());
            if (jwksUri == null) {
                more.add(new Finding(Finding.Severity.ERROR, "no-jwks", "The discovery document at "
                        + Escaping.escape(discoveryUrl) + " has no jwks_uri.",
                        "Publish the issuer's keys and name them in jwks_uri."));
            } else if (insecureJwks != null) {
                more.add(new Finding(Finding.Severity.ERROR, "discovery", "The issuer's keys were not fetched from "
                        + Escaping.escape(jwksUri) + ": " + insecureJwks + ".",
                        "STS fetches the issuer's keys over HTTPS only: publish jwks_uri as an https:// URL."));
            } else {
                JWKSet keys = JWKSet.parse(fetch(jwksUri.toString(), "The JWKS"));
                verified = checkSignature(SignedJWT.parse(jwt.strip()), keys, jwksUri.toString(), more)
                        && more.isEmpty();
            }
        } catch (IOException | ParseException | RuntimeException e) {
            // RuntimeException: a JSON document of an unexpected shape (a jwks_uri that is not a URL, keys that
            // are not objects) is the issuer's problem, reported like any other.
            more.add(new Finding(Finding.Severity.ERROR, "discovery", "Could not fetch or read the issuer's discovery "
                    + "document or keys from " + Escaping.escape(discoveryUrl) + ": "
                    + Escaping.escape(Redaction.scrub(String.valueOf(e.getMessage()), jwt)),
                    "STS fetches the same documents: they must be reachable over HTTPS from the internet."));
        }
        return report.withVerification(verified, more);
    }

    /** Why Keyless will not fetch from {@code url}, or {@code null} if it will. */
    private static String insecureUrl(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return "it is not a URL";
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("https") && uri.getHost() != null) {
            return null;
        }
        if (scheme.equals("http") && isLoopback(uri.getHost())) {
            return null;
        }
        return scheme.equals("http") ? "it is plain http://, which anyone on the path can read and alter (only "
                + "loopback addresses may use http, for tests)" : "only https:// URLs are fetched";
    }

    /** A literal loopback address or {@code localhost}; never a DNS lookup. */
    private static boolean isLoopback(String host) {
        if (host == null) {
            return false;
        }
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (host.startsWith("[") || host.matches("[0-9.]+")) {
            try {
                return InetAddress.getByName(host).isLoopbackAddress();
            } catch (UnknownHostException e) {
                return false;
            }
        }
        return false;
    }

    /** GETs a document: no redirects, bounded in time and size, 200 only. */
    private static String fetch(String url, String what) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) new URL(url).openConnection();
        connection.setConnectTimeout(TIMEOUT_MILLIS);
        connection.setReadTimeout(TIMEOUT_MILLIS);
        connection.setInstanceFollowRedirects(false);
        connection.setUseCaches(false);
        try {
            int status = connection.getResponseCode();
            if (status != HttpURLConnection.HTTP_OK) {
                throw new IOException(what + " at " + url + " answered HTTP " + status
                        + (status >= 300 && status < 400 ? " (a redirect; STS does not follow those either)" : ""));
            }
            try (InputStream in = connection.getInputStream()) {
                return BoundedRead.utf8(in, BoundedRead.DOCUMENT_LIMIT, what + " at " + url);
            }
        } finally {
            connection.disconnect();
        }
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

    static TokenKind kindOf(Claims claims) {
        if (claims.isGke()) {
            return TokenKind.GKE_PROJECTED_SERVICE_ACCOUNT;
        }
        return claims.isGoogle() ? TokenKind.GOOGLE_SERVICE_ACCOUNT : TokenKind.OTHER_OIDC;
    }

    /**
     * The checks on the claims themselves: their types, the issuer's scheme, the times, the audience. A claim
     * of the wrong type is named here, so whatever reads the payload need only say whether it is JSON.
     */
    static void checkClaims(Claims claims, TokenKind kind, Instant now, List<Finding> findings) {
        boolean typesOk = checkTypes(claims, findings);
        checkIssuer(claims, findings);
        checkTimes(claims, now, findings);
        if (typesOk) {
            checkAudience(claims, kind, findings);
        }
    }

    private static boolean checkTypes(Claims claims, List<Finding> findings) {
        boolean ok = true;
        for (String claim : new String[] {"exp", "nbf", "iat"}) {
            Object value = claims.get(claim);
            if (value != null && !(value instanceof Number)) {
                ok = false;
                findings.add(new Finding(Finding.Severity.ERROR, "claim-type", "The token's " + claim + " claim is "
                        + shown(value) + ", not a number of seconds since 1970 (a JSON number); STS refuses the token.",
                        "Fix the issuer: OIDC requires " + claim + " as a NumericDate."));
            }
        }
        for (String claim : new String[] {"iss", "sub", "azp"}) {
            Object value = claims.get(claim);
            if (value != null && !(value instanceof String)) {
                ok = false;
                findings.add(new Finding(Finding.Severity.ERROR, "claim-type", "The token's " + claim + " claim is "
                        + shown(value) + ", not a string; STS refuses the token.",
                        "Fix the issuer: OIDC requires " + claim + " as a string."));
            }
        }
        Object aud = claims.get("aud");
        if (aud != null && !(aud instanceof String)
                && !(aud instanceof List && ((List<?>) aud).stream().allMatch(String.class::isInstance))) {
            ok = false;
            findings.add(new Finding(Finding.Severity.ERROR, "claim-type", "The token's aud claim is " + shown(aud)
                    + ", not a string or a list of strings; STS refuses the token.",
                    "Fix the issuer: OIDC requires aud as a string or an array of strings."));
        }
        return ok;
    }

    private static void checkIssuer(Claims claims, List<Finding> findings) {
        Object iss = claims.get("iss");
        if (!(iss instanceof String)) {
            return;
        }
        String issuer = (String) iss;
        URI uri;
        try {
            uri = new URI(issuer);
        } catch (URISyntaxException e) {
            uri = null;
        }
        String scheme = uri == null || uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        boolean google = issuer.equals("accounts.google.com");
        if (scheme.equals("https") || google || scheme.equals("http") && isLoopback(uri.getHost())) {
            return;
        }
        findings.add(new Finding(Finding.Severity.ERROR, "insecure-issuer", "The token's issuer "
                + shown(issuer) + (scheme.equals("http") ? " is plain http://" : " is not an https:// URL")
                + "; IAM OIDC providers and STS accept only https issuers, and its keys cannot be fetched safely.",
                "Use an issuer whose URL starts with https:// (GKE and Google issuers do)."));
    }

    /** A claim's value for a message: escaped, shortened, with its JSON type. */
    private static String shown(Object value) {
        String type = value instanceof String ? "the string" : value instanceof Number ? "the number"
                : value instanceof Boolean ? "the boolean" : value instanceof List ? "a list"
                : value instanceof Map ? "an object" : "a value";
        if (value instanceof List || value instanceof Map) {
            return type;
        }
        String text = String.valueOf(value);
        text = text.length() > 60 ? text.substring(0, 60) + "..." : text;
        return type + " \"" + Escaping.escape(text) + "\"";
    }

    private static void checkTimes(Claims claims, Instant now, List<Finding> findings) {
        Instant exp = claims.expirationTime();
        if (exp == null) {
            if (claims.get("exp") == null) { // an exp of the wrong type is named by checkTypes
                findings.add(new Finding(Finding.Severity.WARNING, "no-exp", "The token has no exp claim.",
                        "OIDC ID tokens must expire; check the issuer."));
            }
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
