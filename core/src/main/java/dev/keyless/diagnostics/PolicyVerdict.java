package dev.keyless.diagnostics;

import dev.keyless.internal.text.Escaping;
import java.util.List;

/**
 * What {@link TrustPolicyEvaluator} decided: whether STS would admit the token under the trust policy,
 * and for every statement why it did or did not apply, with the policy's values beside the token's.
 * Never contains a token, only claim values. Immutable and thread-safe.
 */
public final class PolicyVerdict {

    /** The overall decision. */
    public enum Outcome {
        /** An Allow statement matches and no Deny does. */
        ADMITTED,
        /** No Allow statement matches: implicitly denied, STS answers {@code AccessDenied}. */
        NOT_ADMITTED,
        /** A matching Deny statement overrides any Allow. */
        DENIED_EXPLICITLY,
        /** A condition this evaluator does not understand decides the outcome. */
        CANNOT_EVALUATE,
        /**
         * The policy has an element, an {@code Effect}, a condition operator or a value that IAM does not
         * accept (or this evaluator does not know): it cannot be admitted as written. See {@link #problems()}
         * and the statements' reasons.
         */
        INVALID
    }

    private final String roleArn;
    private final Outcome outcome;
    private final String matchedStatement;
    private final List<StatementResult> statements;
    private final List<String> warnings;
    private final List<String> problems;
    private final int problemCount;

    PolicyVerdict(String roleArn, Outcome outcome, String matchedStatement, List<StatementResult> statements,
                  List<String> warnings, List<String> problems, int problemCount) {
        this.roleArn = roleArn;
        this.outcome = outcome;
        this.matchedStatement = matchedStatement;
        this.statements = List.copyOf(statements);
        this.warnings = List.copyOf(warnings);
        this.problems = List.copyOf(problems);
        this.problemCount = problemCount;
    }

    /**
     * Whether STS would admit the token.
     *
     * @return {@code true} only for {@link Outcome#ADMITTED}
     */
    public boolean admitted() {
        return outcome == Outcome.ADMITTED;
    }

    /**
     * The overall decision.
     *
     * @return the outcome
     */
    public Outcome outcome() {
        return outcome;
    }

    /**
     * The statement that decided: the Allow that admits, or the Deny that refuses.
     *
     * @return its label ({@code "Sid" (#n)}), or {@code null} when none decided
     */
    public String matchedStatement() {
        return matchedStatement;
    }

    /**
     * One result per statement, in policy order.
     *
     * @return the results
     */
    public List<StatementResult> statements() {
        return statements;
    }

    /**
     * Ways the policy admits more than one workload: no {@code sub} condition, only {@code oaud}, a wildcard
     * {@code sub}. Present whether or not the token is admitted.
     *
     * @return the warnings, empty if none
     */
    public List<String> warnings() {
        return warnings;
    }

    /**
     * What IAM would not accept in the policy outside any statement's reasons: an unknown top-level element,
     * a wrong {@code Version}, a statement that is not an object. Problems inside a statement are among its
     * {@link StatementResult#reasons()}. Any problem makes the outcome {@link Outcome#INVALID}.
     *
     * @return the problems, empty if none
     */
    public List<String> problems() {
        return problems;
    }

    /**
     * The failed conditions of every statement that applies to this call, one per line; empty when admitted.
     *
     * @return the reasons
     */
    public List<String> reasons() {
        return java.util.stream.Stream.concat(problems.stream(),
                statements.stream().flatMap(s -> s.reasons().stream().map(r -> s.label() + ": " + r))).toList();
    }

    /**
     * A readable, multi-line account of the verdict. Values from the policy and the token are escaped
     * ({@link Escaping}): a newline or an escape sequence in a claim or a Sid cannot start a line of its own.
     *
     * @return the text
     */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("Trust policy of ").append(Escaping.escape(roleArn)).append(": ").append(Escaping.escape(headline()))
                .append('\n');
        for (String problem : problems) {
            sb.append("  - ").append(Escaping.escape(problem)).append('\n');
        }
        for (StatementResult s : statements) {
            sb.append("  ").append(Escaping.escape(s.label())).append(" (").append(s.effect()).append("): ")
                    .append(s.matches() ? "matches" : "does not match").append('\n');
            for (String reason : s.reasons()) {
                sb.append("    - ").append(Escaping.escape(reason)).append('\n');
            }
        }
        for (String warning : warnings) {
            sb.append("  warning: ").append(Escaping.escape(warning)).append('\n');
        }
        return sb.toString();
    }

    private String headline() {
        switch (outcome) {
            case ADMITTED:
                return "ADMITTED by " + matchedStatement;
            case DENIED_EXPLICITLY:
                return "DENIED explicitly by " + matchedStatement;
            case CANNOT_EVALUATE:
                return "CANNOT EVALUATE offline (see below)";
            case INVALID:
                return "CANNOT BE ADMITTED AS WRITTEN: IAM would refuse this policy (" + problemCount + " problem"
                        + (problemCount == 1 ? "" : "s") + ", see below)";
            default:
                return "NOT ADMITTED (no Allow statement matches; STS answers AccessDenied)";
        }
    }

    @Override
    public String toString() {
        return describe();
    }

    /** How one statement fared. Immutable. */
    public static final class StatementResult {
        private final String label;
        private final String effect;
        private final boolean matches;
        private final List<String> reasons;

        StatementResult(String label, String effect, boolean matches, List<String> reasons) {
            this.label = label;
            this.effect = effect;
            this.matches = matches;
            this.reasons = List.copyOf(reasons);
        }

        /**
         * The statement's label.
         *
         * @return {@code "Sid" (#n)}, or {@code #n} without a Sid
         */
        public String label() {
            return label;
        }

        /**
         * The statement's effect.
         *
         * @return {@code Allow}, {@code Deny}, or {@code unknown Effect} for an Effect IAM does not accept
         */
        public String effect() {
            return effect;
        }

        /**
         * Whether the statement's action, principal and conditions all match this call.
         *
         * @return {@code true} if it matches
         */
        public boolean matches() {
            return matches;
        }

        /**
         * Why it does not match (or what could not be evaluated): the failing part with the policy's value
         * and the token's value.
         *
         * @return the reasons, empty when it matches
         */
        public List<String> reasons() {
            return reasons;
        }
    }
}
