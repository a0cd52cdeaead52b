package dev.keyless.diagnostics;

import dev.keyless.internal.text.Escaping;
import java.util.List;

/**
 * What {@link TrustPolicyEvaluator} decided for one call to STS ({@code AssumeRoleWithWebIdentity} with a token,
 * or {@code AssumeRole} by a role): whether the trust policy admits it, and for every statement why it did or
 * did not apply, with the policy's values beside the token's or the call's.
 *
 * <p>A trust policy that admits is not the whole answer: {@link #refusals()} lists what would make STS refuse
 * the call anyway (an expired token, an action the policy lacks, a chained session longer than an hour, ...),
 * and {@link #notCheckedOffline()} what no offline check can see. {@link #passes()} is the answer to "would
 * STS admit it, as far as can be told offline?"; {@link #describe()} shows all of it.
 *
 * <p>Never contains a token or an external ID, only claim values and the call's other parameters. Immutable
 * and thread-safe.
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
    private final String call;
    private final Outcome outcome;
    private final String matchedStatement;
    private final List<StatementResult> statements;
    private final List<String> warnings;
    private final List<String> problems;
    private final int problemCount;
    private final List<Finding> refusals;
    private final List<String> notCheckedOffline;

    PolicyVerdict(String roleArn, String call, Outcome outcome, String matchedStatement,
                  List<StatementResult> statements, List<String> warnings, List<String> problems, int problemCount,
                  List<Finding> refusals, List<String> notCheckedOffline) {
        this.roleArn = roleArn;
        this.call = call;
        this.outcome = outcome;
        this.matchedStatement = matchedStatement;
        this.statements = List.copyOf(statements);
        this.warnings = List.copyOf(warnings);
        this.problems = List.copyOf(problems);
        this.problemCount = problemCount;
        this.refusals = List.copyOf(refusals);
        this.notCheckedOffline = List.copyOf(notCheckedOffline);
    }

    /**
     * Whether the trust policy admits the call. STS may still refuse it for a reason outside the policy's
     * conditions: see {@link #refusals()}, and {@link #passes()} for both at once.
     *
     * @return {@code true} only for {@link Outcome#ADMITTED}
     */
    public boolean admitted() {
        return outcome == Outcome.ADMITTED;
    }

    /**
     * Whether STS would admit the call as far as can be told offline: the trust policy admits it and nothing in
     * {@link #refusals()} stands in the way. What {@code keyless check-policy} exits 0 for. The checks of
     * {@link #notCheckedOffline()} remain.
     *
     * @return {@code true} if {@link #admitted()} and there are no refusals
     */
    public boolean passes() {
        return admitted() && refusals.isEmpty();
    }

    /**
     * What would make STS refuse the call whatever the trust policy's conditions say, each with its fix: for a
     * token, an expired or not-yet-valid one, a missing {@code iss}, {@code sub} or {@code aud}, a claim of the
     * wrong type, an {@code oidc-provider} of another account than the role's; for {@code AssumeRole}, a chained
     * session longer than one hour, an external ID, source identity or session tag STS does not accept; for
     * both, a policy whose statements never allow an action the call needs. Listed whatever the
     * {@link #outcome()}, most relevant when it is {@link Outcome#ADMITTED}.
     *
     * @return the refusals, each an {@link Finding.Severity#ERROR}; empty if none
     */
    public List<Finding> refusals() {
        return refusals;
    }

    /**
     * What STS (or IAM) also checks that cannot be seen offline, and what to look at: the token's signature and
     * the account's OIDC provider for a token; the caller role's own permissions policy (with the statement it
     * needs, as {@link TrustPolicies#callerPermissionsJson} writes it) for {@code AssumeRole}.
     *
     * @return one line each; empty if none
     */
    public List<String> notCheckedOffline() {
        return notCheckedOffline;
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
     * The failed conditions of every statement that applies to this call, one per line, each prefixed with its
     * statement's label; empty when admitted by statements that cover all the call needs. Refusals are not
     * among them: see {@link #refusals()}.
     *
     * @return the reasons
     */
    public List<String> reasons() {
        return java.util.stream.Stream.concat(problems.stream(),
                statements.stream().flatMap(s -> s.reasons().stream().map(r -> s.label() + ": " + r))).toList();
    }

    /**
     * A readable, multi-line account of the verdict: the outcome, each statement with its reasons and notes, the
     * warnings, then what would make STS refuse the call anyway and what was not checked offline. Values from
     * the policy, the token and the call are escaped ({@link Escaping}): a newline or an escape sequence in a
     * claim or a Sid cannot start a line of its own.
     *
     * @return the text
     */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("Trust policy of ").append(Escaping.escape(roleArn))
                .append(call == null ? "" : ", for " + Escaping.escape(call)).append(": ")
                .append(Escaping.escape(headline())).append('\n');
        for (String problem : problems) {
            sb.append("  - ").append(Escaping.escape(problem)).append('\n');
        }
        for (StatementResult s : statements) {
            sb.append("  ").append(Escaping.escape(s.label())).append(" (").append(s.effect()).append("): ")
                    .append(s.matches() ? "matches" : "does not match").append('\n');
            for (String reason : s.reasons()) {
                sb.append("    - ").append(Escaping.escape(reason)).append('\n');
            }
            for (String note : s.notes()) {
                sb.append("    note: ").append(Escaping.escape(note)).append('\n');
            }
        }
        for (String warning : warnings) {
            sb.append("  warning: ").append(Escaping.escape(warning)).append('\n');
        }
        if (!refusals.isEmpty()) {
            sb.append(admitted() ? "STS would refuse the call anyway:" : "STS would also refuse the call because:")
                    .append('\n');
            for (Finding refusal : refusals) {
                sb.append("  - ").append(refusal.code()).append(": ").append(Escaping.escape(refusal.message()))
                        .append('\n').append("    fix: ").append(Escaping.escape(refusal.fix())).append('\n');
            }
        }
        if (!notCheckedOffline.isEmpty()) {
            sb.append("Not checked offline:").append('\n');
            for (String unchecked : notCheckedOffline) {
                sb.append("  - ").append(Escaping.escape(unchecked)).append('\n');
            }
        }
        return sb.toString();
    }

    private String headline() {
        switch (outcome) {
            case ADMITTED:
                return "ADMITTED by " + matchedStatement + (refusals.isEmpty() ? ""
                        : ", but STS would refuse the call anyway (" + refusals.size() + " reason"
                        + (refusals.size() == 1 ? "" : "s") + " below)");
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
        private final List<String> notes;

        StatementResult(String label, String effect, boolean matches, List<String> reasons, List<String> notes) {
            this.label = label;
            this.effect = effect;
            this.matches = matches;
            this.reasons = List.copyOf(reasons);
            this.notes = List.copyOf(notes);
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
         * Whether the statement's principal and conditions match this call and its action covers at least one
         * of the actions the call needs.
         *
         * @return {@code true} if it matches
         */
        public boolean matches() {
            return matches;
        }

        /**
         * Why it does not match (or what could not be evaluated): the failing part with the policy's value
         * and the token's or call's value. For a matching Allow, the actions the call needs that it does not
         * cover and no other statement allows.
         *
         * @return the reasons, empty when it matches and nothing is missing
         */
        public List<String> reasons() {
            return reasons;
        }

        /**
         * How the statement's condition keys were read where a key is not compared with what its name suggests:
         * {@code accounts.google.com:aud} with the token's {@code azp}, {@code aws:PrincipalArn} with the caller's
         * role ARN rather than its session's. A key whose condition failed carries this in its reason instead.
         *
         * @return the notes, empty if none
         */
        public List<String> notes() {
            return notes;
        }
    }
}
