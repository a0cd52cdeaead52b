package dev.keyless.token;

import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * A {@link TokenSource} could not produce a token. The message names what was tried (a path, a URL, a
 * status) and how to fix it, and never contains a token.
 *
 * <p>It is an {@link SdkClientException}, so a {@code WebIdentityCredentialsProvider} in an
 * {@code AwsCredentialsProviderChain} lets the chain move on.
 */
public final class TokenSourceException extends SdkClientException {

    private static final long serialVersionUID = 1L;

    private final boolean retryable;

    private TokenSourceException(String message, boolean retryable, Throwable cause) {
        super(SdkClientException.builder().message(message).cause(cause));
        this.retryable = retryable;
    }

    /**
     * A failure that may pass by itself (a server not ready yet, a refused connection, a 503), so the
     * provider retries it with backoff while it serves cached credentials.
     *
     * @param message what failed, for a person; never a token
     * @param cause the underlying error, or {@code null}
     * @return the exception
     */
    public static TokenSourceException transientFailure(String message, Throwable cause) {
        return new TokenSourceException(message, true, cause);
    }

    /**
     * A failure that needs a person: a missing file, a refused permission, a token that is not a JWT. The
     * provider does not retry it in a loop.
     *
     * @param message what failed and how to fix it; never a token
     * @param cause the underlying error, or {@code null}
     * @return the exception
     */
    public static TokenSourceException configurationFailure(String message, Throwable cause) {
        return new TokenSourceException(message, false, cause);
    }

    /**
     * Whether trying again later may succeed without anyone changing anything.
     *
     * @return {@code true} for transient failures
     */
    @Override
    public boolean retryable() {
        return retryable;
    }
}
