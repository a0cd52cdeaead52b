package dev.keyless.diagnostics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One {@code sts:AssumeRole} call of a role chain, as the target role's trust policy sees it: who calls
 * (the previous hop's role), which role, and what the request carries that a trust policy can test. No
 * credentials. {@link #toString()} shows no external ID or tag value.
 *
 * @param callerRoleArn the role whose session signs the call ({@code arn:aws:iam::ACCOUNT:role/NAME}); IAM
 *     compares it with {@code Principal.AWS} and {@code aws:PrincipalArn}
 * @param roleArn the role to assume
 * @param externalId the external ID sent ({@code sts:ExternalId}), or {@code null}
 * @param sessionTags the session tags sent ({@code aws:RequestTag/KEY}, {@code aws:TagKeys}), possibly empty
 * @param transitiveTagKeys the tag keys marked transitive ({@code sts:TransitiveTagKeys}), possibly empty
 * @param sourceIdentity the source identity sent ({@code sts:SourceIdentity}), or {@code null}
 */
public record AssumeRoleCall(String callerRoleArn, String roleArn, String externalId, Map<String, String> sessionTags,
                             List<String> transitiveTagKeys, String sourceIdentity) {

    /** The action every chained hop needs. */
    public static final String ASSUME_ROLE = "sts:AssumeRole";
    /** The action a hop that sends session tags needs as well. */
    public static final String TAG_SESSION = "sts:TagSession";
    /** The action a hop that sets a source identity needs as well. */
    public static final String SET_SOURCE_IDENTITY = "sts:SetSourceIdentity";

    /**
     * Creates the call; {@code null} tags and keys become empty.
     */
    public AssumeRoleCall {
        Objects.requireNonNull(callerRoleArn, "callerRoleArn");
        Objects.requireNonNull(roleArn, "roleArn");
        sessionTags = sessionTags == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(sessionTags));
        transitiveTagKeys = transitiveTagKeys == null ? List.of() : List.copyOf(transitiveTagKeys);
    }

    /**
     * A call with nothing but the two roles.
     *
     * @param callerRoleArn the role whose session signs the call
     * @param roleArn the role to assume
     * @return the call
     */
    public static AssumeRoleCall of(String callerRoleArn, String roleArn) {
        return new AssumeRoleCall(callerRoleArn, roleArn, null, null, null, null);
    }

    /**
     * The actions the target's trust policy and the caller's permissions policy must both allow:
     * {@code sts:AssumeRole}, plus {@code sts:TagSession} when tags are sent and {@code sts:SetSourceIdentity}
     * when a source identity is.
     *
     * @return the actions, {@code sts:AssumeRole} first
     */
    public List<String> requiredActions() {
        List<String> actions = new ArrayList<>();
        actions.add(ASSUME_ROLE);
        if (!sessionTags.isEmpty() || !transitiveTagKeys.isEmpty()) {
            actions.add(TAG_SESSION);
        }
        if (sourceIdentity != null) {
            actions.add(SET_SOURCE_IDENTITY);
        }
        return actions;
    }

    @Override
    public String toString() {
        return "AssumeRoleCall[callerRoleArn=" + callerRoleArn + ", roleArn=" + roleArn
                + (externalId == null ? "" : ", externalId=(set)")
                + (sessionTags.isEmpty() ? "" : ", sessionTagKeys=" + sessionTags.keySet())
                + (transitiveTagKeys.isEmpty() ? "" : ", transitiveTagKeys=" + transitiveTagKeys)
                + (sourceIdentity == null ? "" : ", sourceIdentity=" + sourceIdentity) + "]";
    }
}
