package dev.keyless.internal.text;

import java.util.regex.Pattern;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/** Defence in depth for text Keyless did not write itself (an STS error message, an I/O error). */
public final class Redaction {

    /** A compact JWS or JWE: base64url segments joined by dots, starting with an encoded JSON header. */
    private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]*(\\.[A-Za-z0-9_-]*){1,4}");
    private static final String REDACTED = "[token redacted]";

    private Redaction() {
    }

    /**
     * Removes anything that looks like a JWT.
     *
     * @param text text from elsewhere, or {@code null}
     * @return the text with tokens replaced by {@code [token redacted]}
     */
    public static String scrub(String text) {
        return text == null ? null : JWT.matcher(text).replaceAll(REDACTED);
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
        if (error == null || !leaks(error)) {
            return error;
        }
        Throwable cause = error.getCause() == error ? null : scrub(error.getCause());
        Throwable copy;
        if (error instanceof AwsServiceException) {
            AwsServiceException e = (AwsServiceException) error;
            AwsErrorDetails details = e.awsErrorDetails();
            AwsServiceException.Builder builder = e.toBuilder().message(scrub(e.rawMessage())).cause(cause);
            if (details != null) {
                builder.awsErrorDetails(details.toBuilder().errorMessage(scrub(details.errorMessage()))
                        .rawResponse(null).build());
            }
            copy = builder.build();
        } else {
            copy = new RedactedException(error.getClass().getName() + ": " + scrub(error.getMessage()), cause);
        }
        copy.setStackTrace(error.getStackTrace());
        return copy;
    }

    private static boolean leaks(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (message != null && JWT.matcher(message).find()) {
                return true;
            }
            if (t instanceof AwsServiceException && ((AwsServiceException) t).awsErrorDetails() != null
                    && ((AwsServiceException) t).awsErrorDetails().rawResponse() != null) {
                String raw = ((AwsServiceException) t).awsErrorDetails().rawResponse().asUtf8String();
                if (JWT.matcher(raw).find()) {
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
