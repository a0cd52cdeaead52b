package dev.keyless.spring;

import java.util.regex.Pattern;

/**
 * Defence in depth for text the starter shows but did not write (exception messages from token sources):
 * their contract is to never carry the token, and this makes sure a health detail or endpoint field does not
 * either. Stateless and thread-safe.
 */
final class Secrets {

    /** A compact JWS or JWE: base64url segments joined by dots, starting with an encoded JSON header. */
    private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]*(\\.[A-Za-z0-9_-]*){1,4}");

    private Secrets() {
    }

    /** The text with anything that looks like a JWT replaced by {@code [token redacted]}. */
    static String scrub(String text) {
        return text == null ? null : JWT.matcher(text).replaceAll("[token redacted]");
    }

    /** {@code SimpleClassName: message}, scrubbed. */
    static String describe(Throwable e) {
        return e.getClass().getSimpleName() + ": " + scrub(e.getMessage());
    }
}
