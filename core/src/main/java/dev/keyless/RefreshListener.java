package dev.keyless;

import dev.keyless.jwt.Claims;
import java.time.Duration;
import java.time.Instant;

/**
 * Told of every refresh of a {@link WebIdentityCredentialsProvider}: when it starts, and whether it
 * succeeded (with the new credentials' expiry) or failed (with the {@link FailureKind} and STS error code).
 * Metrics, health checks and audit logs hang off it; it sees claims and outcomes, never the token or the
 * credentials.
 *
 * <p>Methods are called on the thread that runs the refresh, which callers may be waiting for: they must
 * return quickly and must not block. An exception thrown by a listener is logged and ignored. Implementations
 * must be thread-safe.
 *
 * <pre>{@code
 * WebIdentityCredentialsProvider.builder()
 *         .refreshListener(new RefreshListener() {
 *             public void refreshFailed(RefreshListener.Failed event) {
 *                 alerts.warn(event.roleArn() + ": " + event.kind());
 *             }
 *         })
 *         .build();
 * }</pre>
 */
public interface RefreshListener {

    /**
     * A refresh is starting: a token is about to be fetched and STS called.
     *
     * @param event the refresh
     */
    default void refreshStarted(Started event) {
    }

    /**
     * A refresh succeeded; its credentials are now handed out.
     *
     * @param event the outcome
     */
    default void refreshSucceeded(Succeeded event) {
    }

    /**
     * A refresh failed.
     *
     * @param event the outcome
     */
    default void refreshFailed(Failed event) {
    }

    /**
     * A refresh that is starting.
     *
     * @param roleArn the role whose credentials the provider hands out (the last chained role, if any)
     */
    record Started(String roleArn) {
    }

    /**
     * A successful refresh.
     *
     * @param roleArn the role whose credentials the provider now hands out (the last chained role, if any)
     * @param expiration when the new credentials expire
     * @param nextRefresh when the next background refresh is planned
     * @param duration how long the refresh took, by the provider's clock
     * @param tokenSource a description of where the token came from
     * @param tokenClaims the claims of the token that was sent (not secret)
     */
    record Succeeded(String roleArn, Instant expiration, Instant nextRefresh, Duration duration, String tokenSource,
                     Claims tokenClaims) {
    }

    /**
     * A failed refresh.
     *
     * @param roleArn the role that could not be assumed: at a chained hop, that hop's role
     * @param kind what went wrong
     * @param stsErrorCode STS's error code ({@code AccessDenied}, {@code Throttling}, ...), or {@code null} if
     *     STS did not answer with one
     * @param stsStatusCode the HTTP status of STS's error answer, or 0 if STS did not answer with an error
     * @param message the failure's message, as the provider's exception carries it (never the token)
     * @param nextAttempt when the next attempt is due
     * @param duration how long the attempt took, by the provider's clock
     * @param tokenClaims the claims of the token that was sent, or {@code null} if none was obtained
     * @param hop which call failed: 1 for the web identity call, 2 and up for the chained roles, in order
     * @param callerArn at a chained hop, the previous hop's session that made the call; else {@code null}
     */
    record Failed(String roleArn, FailureKind kind, String stsErrorCode, int stsStatusCode, String message,
                  Instant nextAttempt, Duration duration, Claims tokenClaims, int hop, String callerArn) {
    }
}
