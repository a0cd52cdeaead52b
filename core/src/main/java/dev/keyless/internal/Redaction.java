package dev.keyless.internal;

import java.util.regex.Pattern;

/** Defence in depth for text Keyless did not write itself (an STS error message, an I/O error). */
public final class Redaction {

    /** A compact JWS or JWE: base64url segments joined by dots, starting with an encoded JSON header. */
    private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]*(\\.[A-Za-z0-9_-]*){1,4}");

    private Redaction() {
    }

    /**
     * Removes anything that looks like a JWT.
     *
     * @param text text from elsewhere, or {@code null}
     * @return the text with tokens replaced by {@code [token redacted]}
     */
    public static String scrub(String text) {
        return text == null ? null : JWT.matcher(text).replaceAll("[token redacted]");
    }
}
