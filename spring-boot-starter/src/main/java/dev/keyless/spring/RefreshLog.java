package dev.keyless.spring;

import dev.keyless.diagnostics.TokenInspector;
import dev.keyless.diagnostics.TokenReport;
import dev.keyless.token.TokenSource;
import dev.keyless.token.WebIdentityToken;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityResponse;

/**
 * What the starter can see of the provider's refreshes from outside core: every
 * {@code AssumeRoleWithWebIdentity} call on the STS client the starter built for it (as an
 * {@link ExecutionInterceptor}, one record per call after the SDK's own retries), and every token fetch that
 * failed (by {@link #observe(TokenSource) wrapping} the token source), since those never reach STS.
 *
 * <p>Keeps only non-secret facts: outcomes, STS error codes, times, and the last token's {@link TokenReport}.
 * Thread-safe.
 */
final class RefreshLog implements ExecutionInterceptor {

    /** The outcome of a successful refresh. */
    static final String SUCCESS = "success";
    /** The outcome of a refresh whose token could not be fetched. */
    static final String TOKEN_SOURCE_ERROR = "token-source-error";
    /** The outcome of an STS call that failed without an STS error code (I/O, timeout). */
    static final String CLIENT_ERROR = "client-error";

    private static final ExecutionAttribute<Long> STARTED = new ExecutionAttribute<>("KeylessRefreshStarted");

    private final Clock clock;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile Attempt last;
    private volatile Instant expiration;
    private volatile TokenReport token;

    RefreshLog(Clock clock) {
        this.clock = clock;
    }

    /** One observed refresh attempt. Immutable. */
    record Attempt(Instant at, String outcome, Duration duration, String detail) {
    }

    /** Told of every attempt, on the thread that made it. */
    interface Listener {
        void attempted(Attempt attempt);
    }

    void addListener(Listener listener) {
        listeners.add(listener);
    }

    /**
     * A token source that behaves exactly like {@code source} (same tokens, same exceptions, same
     * {@code toString()}) and records failed fetches and the report on the last token.
     */
    TokenSource observe(TokenSource source) {
        return new TokenSource() {
            @Override
            public WebIdentityToken fetchToken() throws IOException {
                long start = System.nanoTime();
                try {
                    WebIdentityToken token = source.fetchToken();
                    if (token != null) {
                        RefreshLog.this.token = TokenInspector.inspect(token.value(), clock);
                    }
                    return token;
                } catch (IOException | RuntimeException e) {
                    // Token source messages never carry the token (TokenSource's contract); scrubbed all the same.
                    record(TOKEN_SOURCE_ERROR, start, Secrets.describe(e));
                    throw e;
                }
            }

            @Override
            public String toString() {
                return String.valueOf(source);
            }
        };
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        attributes.putAttribute(STARTED, System.nanoTime());
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        SdkResponse response = context.response();
        if (response instanceof AssumeRoleWithWebIdentityResponse r && r.credentials() != null) {
            expiration = r.credentials().expiration();
        }
        record(SUCCESS, started(attributes), null);
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        Throwable e = context.exception();
        String outcome = CLIENT_ERROR;
        String detail = e.getClass().getSimpleName();
        if (e instanceof AwsServiceException ase && ase.awsErrorDetails() != null
                && ase.awsErrorDetails().errorCode() != null) {
            outcome = ase.awsErrorDetails().errorCode();
            // The code and status only: the provider's own exception carries the full, redacted diagnosis.
            detail = outcome + " (HTTP " + ase.statusCode() + ")";
        }
        record(outcome, started(attributes), detail);
    }

    private static long started(ExecutionAttributes attributes) {
        Long start = attributes.getAttribute(STARTED);
        return start != null ? start : System.nanoTime();
    }

    private void record(String outcome, long startNanos, String detail) {
        Attempt attempt = new Attempt(clock.instant(), outcome, Duration.ofNanos(System.nanoTime() - startNanos),
                detail);
        last = attempt;
        for (Listener listener : listeners) {
            listener.attempted(attempt);
        }
    }

    /** The last attempt, or {@code null} before the first. */
    Attempt last() {
        return last;
    }

    /** When the credentials of the last successful STS call expire, or {@code null} before the first. */
    Instant expiration() {
        return expiration;
    }

    /** What the last token fetched for a refresh says (its claims, never the token), or {@code null} before the first. */
    TokenReport token() {
        return token;
    }
}
