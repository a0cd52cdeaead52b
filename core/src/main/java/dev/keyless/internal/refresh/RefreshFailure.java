package dev.keyless.internal.refresh;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * A failed fetch, classified: its {@link Kind} decides how soon the {@link Refresher} tries again, its
 * message is logged, and {@link #newException()} makes the exception each waiting caller gets (a fresh
 * instance per caller, so each has its own stack trace). The message and the exceptions must hold nothing
 * secret. Subclasses may carry more about the failure for a {@link Refresher.Listener}.
 */
public class RefreshFailure extends Exception {

    private static final long serialVersionUID = 1L;

    /** What kind of failure this is, and whether waiting can help. */
    public interface Kind {
        /**
         * Whether to retry soon (1 s to 1 min apart) rather than rarely (10 s to 5 min apart).
         *
         * @param previousOfSameKind how many failures of this same kind came just before this one
         * @return {@code true} for the short, transient backoff
         */
        boolean retrySoon(int previousOfSameKind);
    }

    private final transient Kind kind;
    private final transient Supplier<? extends RuntimeException> exception;

    /**
     * Creates the failure.
     *
     * @param kind the classification
     * @param message what failed, for the log; nothing secret
     * @param exception makes the exception callers get; called once per caller
     */
    public RefreshFailure(Kind kind, String message, Supplier<? extends RuntimeException> exception) {
        super(message, null, false, false);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.exception = Objects.requireNonNull(exception, "exception");
    }

    /**
     * The classification.
     *
     * @return the kind
     */
    public Kind kind() {
        return kind;
    }

    /**
     * A new exception for one caller.
     *
     * @return the exception
     */
    public RuntimeException newException() {
        return exception.get();
    }
}
