package dev.keyless;

import dev.keyless.jwt.Claims;
import dev.keyless.token.WebIdentityToken;
import java.util.regex.Pattern;

/** Role session names: the rule STS enforces, and the names Keyless derives when the user gives none. */
final class SessionNames {

    /** What STS accepts for {@code RoleSessionName}. */
    static final Pattern VALID = Pattern.compile("[\\w+=,.@-]{2,64}");

    private static final Pattern INVALID_CHAR = Pattern.compile("[^\\w+=,.@-]");
    private static final int MAX_LENGTH = 64;
    private static final String FALLBACK = "keyless";

    private SessionNames() {
    }

    /**
     * A session name that says in CloudTrail which workload assumed the role: the pod's name from a GKE
     * token, else its Kubernetes service account, else the Google service account's email, else the
     * token's subject, cleaned and shortened to what STS accepts.
     *
     * @param token the token about to be sent
     * @return a valid session name
     */
    static String derive(WebIdentityToken token) {
        Claims claims = token.claims();
        String name = firstNonBlank(
                claims.string("kubernetes.io", "pod", "name"),
                claims.string("kubernetes.io", "serviceaccount", "name"),
                claims.email(),
                claims.subject());
        return clean(name);
    }

    /**
     * Replaces characters STS refuses with {@code -} and shortens to 64 characters.
     *
     * @param name any text, or {@code null}
     * @return a valid session name
     */
    static String clean(String name) {
        if (name == null || name.isBlank()) {
            return FALLBACK;
        }
        String cleaned = INVALID_CHAR.matcher(name.strip()).replaceAll("-");
        if (cleaned.length() > MAX_LENGTH) {
            cleaned = cleaned.substring(0, MAX_LENGTH);
        }
        return cleaned.length() < 2 ? FALLBACK + "-" + cleaned : cleaned;
    }

    private static String firstNonBlank(String... values) {
        for (String value : values) {
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        return null;
    }
}
