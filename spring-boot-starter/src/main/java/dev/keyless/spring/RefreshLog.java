package dev.keyless.spring;

import dev.keyless.FailureKind;
import dev.keyless.RefreshListener;
import dev.keyless.jwt.Claims;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What the starter shows of the provider's refreshes, as told by core's {@link RefreshListener}: one record
 * per refresh (one STS call after the SDK's own retries, one per hop with {@code keyless.chain}, or a token
 * fetch that failed before STS), the expiry of the newest credentials, and the claims of the last token sent.
 *
 * <p>Keeps only non-secret facts: outcomes, STS error codes, times, claims, and of a failure the hop, its role
 * and its caller. Thread-safe.
 */
final class RefreshLog implements RefreshListener {

    /** The outcome of a successful refresh. */
    static final String SUCCESS = "success";
    /** The outcome of a refresh whose token could not be fetched. */
    static final String TOKEN_SOURCE_ERROR = "token-source-error";
    /** The outcome of an STS call that failed without an STS error code (I/O, timeout). */
    static final String CLIENT_ERROR = "client-error";

    private final Clock clock;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile Attempt last;
    private volatile Instant expiration;
    private volatile Claims token;

    RefreshLog(Clock clock) {
        this.clock = clock;
    }

    /**
     * One observed refresh attempt. Immutable.
     *
     * @param hop the call that failed (1 the web identity call, 2 and up the chained roles), or 0 for a success
     * @param roleArn the role that could not be assumed, or {@code null} for a success
     * @param callerArn the session that made a failed chained call, or {@code null}
     */
    record Attempt(Instant at, String outcome, Duration duration, String detail, int hop, String roleArn,
                   String callerArn) {
    }

    /** Told of every attempt, on the thread that made it. */
    interface Listener {
        void attempted(Attempt attempt);
    }

    void addListener(Listener listener) {
        listeners.add(listener);
    }

    @Override
    public void refreshSucceeded(Succeeded event) {
        expiration = event.expiration();
        token = event.tokenClaims();
        record(new Attempt(clock.instant(), SUCCESS, event.duration(), null, 0, null, null));
    }

    @Override
    public void refreshFailed(Failed event) {
        if (event.tokenClaims() != null) {
            token = event.tokenClaims();
        }
        String outcome;
        String detail;
        if (event.stsErrorCode() != null) {
            // The code and status only: the provider's own exception carries the full, redacted diagnosis.
            outcome = event.stsErrorCode();
            detail = event.stsErrorCode() + " (HTTP " + event.stsStatusCode() + ")";
        } else {
            outcome = tokenSourceFailure(event.kind()) ? TOKEN_SOURCE_ERROR : CLIENT_ERROR;
            detail = event.kind().name();
        }
        record(new Attempt(clock.instant(), outcome, event.duration(), detail, event.hop(), event.roleArn(),
                event.callerArn()));
    }

    private static boolean tokenSourceFailure(FailureKind kind) {
        return kind == FailureKind.TOKEN_SOURCE_CONFIGURATION || kind == FailureKind.TOKEN_SOURCE_TRANSIENT
                || kind == FailureKind.TOKEN_EXPIRED;
    }

    private void record(Attempt attempt) {
        last = attempt;
        for (Listener listener : listeners) {
            listener.attempted(attempt);
        }
    }

    /** The last attempt, or {@code null} before the first. */
    Attempt last() {
        return last;
    }

    /** When the credentials of the last successful refresh expire, or {@code null} before the first. */
    Instant expiration() {
        return expiration;
    }

    /** The claims of the last token sent to STS (never the token), or {@code null} before the first. */
    Claims token() {
        return token;
    }
}
