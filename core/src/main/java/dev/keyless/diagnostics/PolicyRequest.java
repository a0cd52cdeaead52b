package dev.keyless.diagnostics;

import java.util.List;
import software.amazon.awssdk.policybuilder.iam.IamStatement;

/**
 * One call to STS as the trust policy of the role it assumes sees it: who calls, which actions it needs, and
 * what each condition key holds. {@link TrustPolicyEvaluator} applies IAM's rules to any of them; the two kinds
 * of call, {@link WebIdentityRequest} and {@link AssumeRoleRequest}, say only what is particular to them.
 * Implementations are immutable.
 */
interface PolicyRequest {

    /** Whether a statement's principal names the caller. */
    enum Match {
        /** It does. */
        YES,
        /** It does not. */
        NO,
        /** It depends on what cannot be known offline. */
        UNKNOWN
    }

    /**
     * How a statement's principal fared.
     *
     * @param match whether it names the caller
     * @param reason why not, or why it cannot be told; {@code null} for {@link Match#YES}
     */
    record PrincipalMatch(Match match, String reason) {
        static final PrincipalMatch YES = new PrincipalMatch(Match.YES, null);
    }

    /** @return the role whose trust policy decides */
    String roleArn();

    /** @return the call as the verdict's headline names it, or {@code null} for the plain "Trust policy of ROLE" */
    String call();

    /** @return the actions STS authorizes for this call, the main one first */
    List<String> requiredActions();

    /**
     * Why the call needs an action besides its main one, to finish a sentence: "because it sends session tags".
     *
     * @param action one of {@link #requiredActions()}
     * @return the reason, or {@code ""} for the main action
     */
    String whyNeeded(String action);

    /**
     * @param statement a statement of the policy
     * @return whether its {@code Principal} names the caller, and if not, why
     */
    PrincipalMatch principal(IamStatement statement);

    /**
     * @param key a condition key as the policy spells it
     * @return what the request holds for it
     */
    KeyValues resolve(String key);

    /** @return who holds the values, to finish "policy wants X, ...": "token has", "the call has" */
    String holder();

    /**
     * Ways an Allow statement that names the caller admits more than it.
     *
     * @param label the statement's label
     * @param statement the statement
     * @return the warnings, empty if none
     */
    List<String> overBroad(String label, IamStatement statement);

    /**
     * What would make STS refuse the call whatever the policy's conditions say. The policy's lack of an
     * action the call needs is the evaluator's to find, not this method's.
     *
     * @param statements the policy's statements
     * @return the refusals, empty if none
     */
    List<Finding> refusals(List<IamStatement> statements);

    /** @return what STS checks that cannot be seen offline, one line each */
    List<String> notCheckedOffline();
}
