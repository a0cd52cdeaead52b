package dev.keyless.diagnostics;

import java.util.Objects;

/**
 * One thing the diagnostics noticed about a token ({@link TokenInspector}) or about a call to STS
 * ({@link PolicyVerdict#refusals()}), with what to do about it. Never contains the token or an external ID.
 *
 * @param severity how much it matters
 * @param code a stable identifier, such as {@code expired}, {@code gke-audience} or {@code chained-duration}
 * @param message what is wrong, with the values involved
 * @param fix what to change
 */
public record Finding(Severity severity, String code, String message, String fix) {

    /** How much a finding matters. */
    public enum Severity {
        /** STS will refuse the token. */
        ERROR,
        /** STS may refuse it, or soon will. */
        WARNING,
        /** Worth knowing. */
        INFO
    }

    /**
     * Creates a finding.
     *
     * @param severity how much it matters
     * @param code a stable identifier
     * @param message what is wrong
     * @param fix what to change
     */
    public Finding {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(fix, "fix");
    }
}
