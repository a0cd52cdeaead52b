package dev.keyless.jwt;

import dev.keyless.internal.text.Escaping;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The claims of an OIDC token, read without verifying its signature: the registered ones by name, any
 * other by name or by path into nested objects, and what kind of Google token it is. Claims are not
 * secret; the signed token is, and this class never holds it.
 *
 * <p>Any JSON object is accepted: an accessor returns {@code null} (or an empty list) for a registered claim
 * of the wrong type, and {@link #requireStandardTypes()} says which claim it is ({@code iss}, {@code sub},
 * {@code azp} and {@code email} must be strings, {@code aud} a string or an array of strings, {@code exp},
 * {@code iat} and {@code nbf} numbers of seconds). Immutable and thread-safe.
 */
public final class Claims {

    /** The issuer of a GKE cluster's service-account tokens starts with this. */
    public static final String GKE_ISSUER_PREFIX = "https://container.googleapis.com/v1/projects/";
    /** The issuer of Google's own identity tokens. */
    public static final String GOOGLE_ISSUER = "https://accounts.google.com";

    private static final List<String> STRING_CLAIMS = List.of("iss", "sub", "azp", "email");
    private static final List<String> TIME_CLAIMS = List.of("exp", "iat", "nbf");

    private final Map<String, Object> claims;

    private Claims(Map<String, Object> claims) {
        this.claims = claims;
    }

    /**
     * Claims from a parsed JSON object (strings, numbers, booleans, lists, maps and nulls).
     *
     * @param claims the claims
     * @return the claims view
     */
    public static Claims of(Map<String, ?> claims) {
        return new Claims(Collections.unmodifiableMap(new LinkedHashMap<>(claims)));
    }

    /**
     * Checks the types of the registered claims, as STS does.
     *
     * @return these claims
     * @throws MalformedJwtException naming the first registered claim whose type is wrong
     */
    public Claims requireStandardTypes() {
        for (String name : STRING_CLAIMS) {
            Object value = claims.get(name);
            if (value != null && !(value instanceof String)) {
                throw wrongType(name, value, "a string");
            }
        }
        Object aud = claims.get("aud");
        if (aud != null && !isAudience(aud)) {
            throw wrongType("aud", aud, "a string or an array of strings");
        }
        for (String name : TIME_CLAIMS) {
            Object value = claims.get(name);
            if (value != null && !(value instanceof Number)) {
                throw wrongType(name, value, "a number of seconds since 1970-01-01T00:00:00Z");
            }
        }
        return this;
    }

    private static boolean isAudience(Object aud) {
        return aud instanceof String
                || aud instanceof List && ((List<?>) aud).stream().allMatch(String.class::isInstance);
    }

    private static MalformedJwtException wrongType(String name, Object value, String expected) {
        return new MalformedJwtException("its " + name + " claim is " + typeOf(value) + ", not " + expected, name);
    }

    private static String typeOf(Object value) {
        if (value instanceof String) {
            return "a string";
        }
        if (value instanceof Number) {
            return "a number";
        }
        if (value instanceof Boolean) {
            return "a boolean";
        }
        if (value instanceof List) {
            return "an array";
        }
        return value instanceof Map ? "an object" : "null";
    }

    /**
     * The {@code iss} claim.
     *
     * @return the issuer, or {@code null}
     */
    public String issuer() {
        return text("iss");
    }

    /**
     * The {@code sub} claim: {@code system:serviceaccount:NAMESPACE:NAME} for a GKE token, the service
     * account's numeric unique id for a Google token.
     *
     * @return the subject, or {@code null}
     */
    public String subject() {
        return text("sub");
    }

    /**
     * The {@code aud} claim as a list, whether the token has one audience or several.
     *
     * @return the audiences, empty if none (or if {@code aud} is neither a string nor an array of strings)
     */
    @SuppressWarnings("unchecked")
    public List<String> audience() {
        Object aud = claims.get("aud");
        if (aud == null || !isAudience(aud)) {
            return List.of();
        }
        return aud instanceof String ? List.of((String) aud) : (List<String>) aud;
    }

    /**
     * The {@code azp} claim, which AWS compares with the {@code accounts.google.com:aud} condition key.
     *
     * @return the authorized party, or {@code null}
     */
    public String authorizedParty() {
        return text("azp");
    }

    /**
     * The {@code email} claim of a Google service-account token.
     *
     * @return the email, or {@code null}
     */
    public String email() {
        return text("email");
    }

    /**
     * The {@code exp} claim.
     *
     * @return when the token expires, or {@code null} if it does not say
     */
    public Instant expirationTime() {
        return time("exp");
    }

    /**
     * The {@code iat} claim.
     *
     * @return when the token was issued, or {@code null}
     */
    public Instant issuedAt() {
        return time("iat");
    }

    /**
     * The {@code nbf} claim.
     *
     * @return when the token becomes valid, or {@code null}
     */
    public Instant notBefore() {
        return time("nbf");
    }

    /**
     * A claim by name.
     *
     * @param name the claim's name
     * @return its value (a string, number, boolean, list or map), or {@code null}
     */
    public Object get(String name) {
        return claims.get(name);
    }

    /**
     * A string inside nested objects, for example {@code string("kubernetes.io", "pod", "name")}.
     *
     * @param path the keys, outermost first
     * @return the string, or {@code null} if the path does not lead to one
     */
    public String string(String... path) {
        Object node = claims;
        for (String key : path) {
            if (!(node instanceof Map)) {
                return null;
            }
            node = ((Map<?, ?>) node).get(key);
        }
        return node instanceof String ? (String) node : null;
    }

    /**
     * Whether this is a GKE projected service-account token: its issuer is a GKE cluster's, or it carries
     * the {@code kubernetes.io} claim.
     *
     * @return {@code true} for a GKE token
     */
    public boolean isGke() {
        String issuer = issuer();
        return (issuer != null && issuer.startsWith(GKE_ISSUER_PREFIX)) || claims.containsKey("kubernetes.io");
    }

    /**
     * Whether Google itself issued this token ({@code https://accounts.google.com}, with or without the
     * scheme), as the metadata server and Google credentials do.
     *
     * @return {@code true} for a Google identity token
     */
    public boolean isGoogle() {
        return GOOGLE_ISSUER.equals(issuer()) || "accounts.google.com".equals(issuer());
    }

    /**
     * All claims.
     *
     * @return an unmodifiable view
     */
    public Map<String, Object> asMap() {
        return claims;
    }

    /**
     * A one-line summary of the claims a trust policy looks at:
     * {@code iss=..., sub=..., aud=..., azp=..., exp=...}, each value escaped (control characters, escape
     * sequences and line breaks shown, never acted on: the claims of an unverified token are anyone's text).
     *
     * @return the summary
     */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("iss=").append(Escaping.escape(issuer()));
        sb.append(", sub=").append(Escaping.escape(subject()));
        List<String> aud = audience();
        sb.append(", aud=").append(Escaping.escape(aud.size() == 1 ? aud.get(0) : aud.toString()));
        if (authorizedParty() != null) {
            sb.append(", azp=").append(Escaping.escape(authorizedParty()));
        }
        Instant exp = expirationTime();
        sb.append(", exp=").append(exp == null ? "none" : exp.toString());
        return sb.toString();
    }

    private String text(String name) {
        Object value = claims.get(name);
        return value instanceof String ? (String) value : null;
    }

    private Instant time(String name) {
        Object value = claims.get(name);
        if (!(value instanceof Number)) {
            return null;
        }
        double seconds = ((Number) value).doubleValue();
        if (seconds > Instant.MAX.getEpochSecond() || seconds < Instant.MIN.getEpochSecond()) {
            return seconds > 0 ? Instant.MAX : Instant.MIN;
        }
        return Instant.ofEpochSecond(((Number) value).longValue());
    }

    @Override
    public String toString() {
        return "Claims(" + describe() + ")";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Claims && claims.equals(((Claims) other).claims);
    }

    @Override
    public int hashCode() {
        return claims.hashCode();
    }
}
