package dev.keyless.internal.text;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * Defence in depth for text Keyless did not write itself (an STS error message, an I/O error): removes tokens,
 * and pieces of tokens, before the text is shown or logged.
 *
 * <p>Without knowing the token, {@link #scrub(String)} removes what can only be a token or a piece of one: a
 * compact JWT, and any base64url run that starts like an encoded JSON object ({@code eyJ}: a header or a
 * payload alone, or a token with its dots removed) or that is as long as a signature. Where the token in use
 * is known, {@link #scrub(String, String)} also removes any run of 16 or more base64url characters that shares
 * 16 characters with it: the signature alone, a truncated segment, segments glued together.
 *
 * <p>Stateless and thread-safe.
 */
public final class Redaction {

    /** A compact JWS or JWE: base64url segments joined by dots, starting with an encoded JSON header. */
    private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]*(\\.[A-Za-z0-9_-]*){1,4}");
    /** A run of base64url characters (and dots, which join a token's segments). */
    private static final Pattern RUN = Pattern.compile("[A-Za-z0-9_.-]{16,}");
    /** An encoded JSON object ({"...) of some length: a JWT header or payload, alone or glued to others. */
    private static final Pattern ENCODED_JSON = Pattern.compile("eyJ[A-Za-z0-9_-]{13,}");
    /** No identifier in an error message is this long; an RS256 signature is 342 characters. */
    private static final int SIGNATURE_LENGTH = 256;
    /** Shorter runs occur in ordinary text (request ids, ARNs); 16 base64url characters are 96 bits. */
    private static final int WINDOW = 16;
    private static final String REDACTED = "[token redacted]";

    private Redaction() {
    }

    /**
     * Removes anything that looks like a JWT or a piece of one.
     *
     * @param text text from elsewhere, or {@code null}
     * @return the text with tokens replaced by {@code [token redacted]}
     */
    public static String scrub(String text) {
        return scrub(text, null);
    }

    /**
     * Removes the token in use, any piece of it, and anything that looks like a JWT or a piece of one.
     *
     * @param text text from elsewhere, or {@code null}
     * @param token the token in use (the compact JWT sent to STS), or {@code null} if none is known
     * @return the text with tokens and their pieces replaced by {@code [token redacted]}
     */
    public static String scrub(String text, String token) {
        if (text == null) {
            return null;
        }
        String scrubbed = JWT.matcher(text).replaceAll(REDACTED);
        String dotless = token == null || token.length() < WINDOW ? null : token.replace(".", "");
        Matcher run = RUN.matcher(scrubbed);
        StringBuilder sb = null;
        int last = 0;
        while (run.find()) {
            String candidate = run.group();
            if (isSecret(candidate, dotless)) {
                if (sb == null) {
                    sb = new StringBuilder(scrubbed.length());
                }
                sb.append(scrubbed, last, run.start()).append(REDACTED);
                last = run.end();
            }
        }
        if (sb == null) {
            return scrubbed;
        }
        return sb.append(scrubbed, last, scrubbed.length()).toString();
    }

    /**
     * Whether the text holds the token, a piece of it, or anything {@link #scrub(String)} would remove.
     *
     * @param text the text, or {@code null}
     * @param token the token in use, or {@code null}
     * @return {@code true} if scrubbing would change it
     */
    public static boolean leaks(String text, String token) {
        return text != null && !scrub(text, token).equals(text);
    }

    private static boolean isSecret(String run, String dotless) {
        // Dots join segments; each piece between them is judged on its own, and so is the whole.
        for (String piece : run.split("\\.")) {
            if (piece.length() >= SIGNATURE_LENGTH || ENCODED_JSON.matcher(piece).find()) {
                return true;
            }
            if (dotless != null && piece.length() >= WINDOW && sharesWindow(piece, dotless)) {
                return true;
            }
        }
        String glued = run.replace(".", "");
        return dotless != null && run.indexOf('.') >= 0 && glued.length() >= WINDOW && sharesWindow(glued, dotless);
    }

    /**
     * Whether {@code piece} and {@code token} share {@value #WINDOW} consecutive characters. Checking the
     * windows at multiples of {@value #WINDOW}, and the last one, finds every piece of the token at least
     * {@value #WINDOW} characters long when it stands alone, and every shared stretch of twice that.
     */
    private static boolean sharesWindow(String piece, String token) {
        for (int i = 0; i + WINDOW <= piece.length(); i += WINDOW) {
            if (token.contains(piece.substring(i, i + WINDOW))) {
                return true;
            }
        }
        return token.contains(piece.substring(piece.length() - WINDOW));
    }

    /**
     * The exception to chain as a cause: {@code error} itself when no message in its cause chain holds a
     * token, else a copy with the tokens removed (of the same type for STS errors, so callers can still
     * inspect them).
     *
     * @param error an exception from a token source or STS, or {@code null}
     * @return an exception safe to chain and log
     */
    public static Throwable scrub(Throwable error) {
        return scrub(error, null);
    }

    /**
     * As {@link #scrub(Throwable)}, also removing any piece of the token in use.
     *
     * @param error an exception from a token source or STS, or {@code null}
     * @param token the token in use, or {@code null} if none is known
     * @return an exception safe to chain and log
     */
    public static Throwable scrub(Throwable error, String token) {
        if (error == null || !leaks(error, token)) {
            return error;
        }
        Throwable cause = error.getCause() == error ? null : scrub(error.getCause(), token);
        Throwable copy;
        if (error instanceof AwsServiceException) {
            AwsServiceException e = (AwsServiceException) error;
            AwsErrorDetails details = e.awsErrorDetails();
            AwsServiceException.Builder builder = e.toBuilder().message(scrub(e.rawMessage(), token)).cause(cause);
            if (details != null) {
                builder.awsErrorDetails(details.toBuilder().errorMessage(scrub(details.errorMessage(), token))
                        .rawResponse(null).build());
            }
            copy = builder.build();
        } else {
            copy = new RedactedException(error.getClass().getName() + ": " + scrub(error.getMessage(), token), cause);
        }
        copy.setStackTrace(error.getStackTrace());
        return copy;
    }

    private static boolean leaks(Throwable error, String token) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (leaks(t.getMessage(), token)) {
                return true;
            }
            if (t instanceof AwsServiceException && ((AwsServiceException) t).awsErrorDetails() != null
                    && ((AwsServiceException) t).awsErrorDetails().rawResponse() != null) {
                String raw = ((AwsServiceException) t).awsErrorDetails().rawResponse().asUtf8String();
                if (leaks(raw, token)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Stands in for an exception whose message held a token. */
    static final class RedactedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RedactedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
