package dev.keyless;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.utils.ToString;
import software.amazon.awssdk.utils.builder.CopyableBuilder;
import software.amazon.awssdk.utils.builder.ToCopyableBuilder;

/**
 * A further role a {@link WebIdentityCredentialsProvider} assumes with {@code sts:AssumeRole}, signed with the
 * credentials of the role before it ("role chaining"): from a landing role in a central account into the role
 * that owns a bucket or queue in a product account.
 *
 * <pre>{@code
 * WebIdentityCredentialsProvider.builder()
 *         .roleArn("arn:aws:iam::111111111111:role/gke-landing")
 *         .thenAssumeRole(hop -> hop.roleArn("arn:aws:iam::222222222222:role/orders-bucket-writer")
 *                                   .externalId("orders-prod"))
 *         .build();
 * }</pre>
 *
 * <p>AWS caps a chained session at one hour ({@code StsParameters.MAX_CHAINED_SESSION}), whatever the role's
 * {@code MaxSessionDuration}. The target role's
 * trust policy must name the previous role in {@code Principal.AWS} and allow {@code sts:AssumeRole}, plus
 * {@code sts:TagSession} when session tags are sent and {@code sts:SetSourceIdentity} when a source identity is;
 * the previous role's permissions policy must allow the same actions on the target. Immutable and
 * thread-safe; {@link #toString()} shows no external ID or tag value.
 */
public final class ChainedRole implements ToCopyableBuilder<ChainedRole.Builder, ChainedRole> {

    private final String roleArn;
    private final String roleSessionName;
    private final String externalId;
    private final Map<String, String> sessionTags;
    private final List<String> transitiveTagKeys;
    private final String sourceIdentity;
    private final Duration sessionDuration;
    private final String policy;
    private final List<String> policyArns;

    private ChainedRole(Builder b) {
        this.roleArn = b.roleArn;
        this.roleSessionName = b.roleSessionName;
        this.externalId = b.externalId;
        this.sessionTags = Collections.unmodifiableMap(new LinkedHashMap<>(b.sessionTags));
        this.transitiveTagKeys = List.copyOf(b.transitiveTagKeys);
        this.sourceIdentity = b.sourceIdentity;
        this.sessionDuration = b.sessionDuration;
        this.policy = b.policy;
        this.policyArns = List.copyOf(b.policyArns);
    }

    /**
     * A chained role with nothing but its ARN: the session name of the first hop, STS's default duration of
     * one hour, no external ID, tags or session policy.
     *
     * @param roleArn the role to assume, {@code arn:aws:iam::ACCOUNT:role/NAME}
     * @return the chained role
     */
    public static ChainedRole of(String roleArn) {
        return builder().roleArn(roleArn).build();
    }

    /**
     * A builder for a chained role.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * The role to assume.
     *
     * @return the role ARN
     */
    public String roleArn() {
        return roleArn;
    }

    /**
     * The role session name.
     *
     * @return the name, or {@code null} to use the first hop's
     */
    public String roleSessionName() {
        return roleSessionName;
    }

    /**
     * The external ID the target role's trust policy asks for in {@code sts:ExternalId}.
     *
     * @return the external ID, or {@code null}
     */
    public String externalId() {
        return externalId;
    }

    /**
     * Session tags, in the order given.
     *
     * @return the tags, possibly empty
     */
    public Map<String, String> sessionTags() {
        return sessionTags;
    }

    /**
     * The keys of the session tags that pass on to later hops.
     *
     * @return the keys, possibly empty
     */
    public List<String> transitiveTagKeys() {
        return transitiveTagKeys;
    }

    /**
     * The source identity CloudTrail records for this and every later session.
     *
     * @return the source identity, or {@code null}
     */
    public String sourceIdentity() {
        return sourceIdentity;
    }

    /**
     * How long the session lasts.
     *
     * @return the duration, or {@code null} for STS's default of one hour
     */
    public Duration sessionDuration() {
        return sessionDuration;
    }

    /**
     * The inline session policy.
     *
     * @return the policy JSON, or {@code null}
     */
    public String policy() {
        return policy;
    }

    /**
     * The managed session policies.
     *
     * @return the policy ARNs, possibly empty
     */
    public List<String> policyArns() {
        return policyArns;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ChainedRole)) {
            return false;
        }
        ChainedRole other = (ChainedRole) o;
        return Objects.equals(roleArn, other.roleArn) && Objects.equals(roleSessionName, other.roleSessionName)
                && Objects.equals(externalId, other.externalId) && sessionTags.equals(other.sessionTags)
                && transitiveTagKeys.equals(other.transitiveTagKeys)
                && Objects.equals(sourceIdentity, other.sourceIdentity)
                && Objects.equals(sessionDuration, other.sessionDuration) && Objects.equals(policy, other.policy)
                && policyArns.equals(other.policyArns);
    }

    @Override
    public int hashCode() {
        return Objects.hash(roleArn, roleSessionName, externalId, sessionTags, transitiveTagKeys, sourceIdentity,
                sessionDuration, policy, policyArns);
    }

    @Override
    public String toString() {
        return ToString.builder("ChainedRole")
                .add("roleArn", roleArn)
                .add("roleSessionName", roleSessionName)
                .add("externalId", externalId == null ? null : "(set)")
                .add("sessionTagKeys", sessionTags.isEmpty() ? null : sessionTags.keySet())
                .add("transitiveTagKeys", transitiveTagKeys.isEmpty() ? null : transitiveTagKeys)
                .add("sourceIdentity", sourceIdentity)
                .add("sessionDuration", sessionDuration)
                .build();
    }

    /**
     * Configures a {@link ChainedRole}. Not thread-safe. The values are checked when the provider that uses
     * them is built, where a wrong one fails with the hop and the role named.
     */
    public static final class Builder implements CopyableBuilder<Builder, ChainedRole> {
        private String roleArn;
        private String roleSessionName;
        private String externalId;
        private Map<String, String> sessionTags = new LinkedHashMap<>();
        private List<String> transitiveTagKeys = new ArrayList<>();
        private String sourceIdentity;
        private Duration sessionDuration;
        private String policy;
        private List<String> policyArns = new ArrayList<>();

        private Builder() {
        }

        private Builder(ChainedRole role) {
            this.roleArn = role.roleArn;
            this.roleSessionName = role.roleSessionName;
            this.externalId = role.externalId;
            this.sessionTags = new LinkedHashMap<>(role.sessionTags);
            this.transitiveTagKeys = new ArrayList<>(role.transitiveTagKeys);
            this.sourceIdentity = role.sourceIdentity;
            this.sessionDuration = role.sessionDuration;
            this.policy = role.policy;
            this.policyArns = new ArrayList<>(role.policyArns);
        }

        /**
         * The role to assume, {@code arn:aws:iam::ACCOUNT:role/NAME}. Required.
         *
         * @param roleArn the role ARN
         * @return this builder
         */
        public Builder roleArn(String roleArn) {
            this.roleArn = roleArn;
            return this;
        }

        /**
         * The role session name CloudTrail records, 2 to 64 characters of letters, digits and
         * {@code +=,.@_-}. By default, the first hop's session name.
         *
         * @param roleSessionName the session name
         * @return this builder
         */
        public Builder roleSessionName(String roleSessionName) {
            this.roleSessionName = roleSessionName;
            return this;
        }

        /**
         * The external ID the target role's trust policy requires ({@code sts:ExternalId}), 2 to 1224
         * characters. By default, none.
         *
         * @param externalId the external ID
         * @return this builder
         */
        public Builder externalId(String externalId) {
            this.externalId = externalId;
            return this;
        }

        /**
         * Session tags (at most 50), which the target role's trust policy must allow with
         * {@code sts:TagSession}. Replaces any set before. By default, none.
         *
         * @param sessionTags the tags, in the order to send them
         * @return this builder
         */
        public Builder sessionTags(Map<String, String> sessionTags) {
            this.sessionTags = sessionTags == null ? new LinkedHashMap<>() : new LinkedHashMap<>(sessionTags);
            return this;
        }

        /**
         * Adds one session tag.
         *
         * @param key the tag key
         * @param value the tag value
         * @return this builder
         */
        public Builder putSessionTag(String key, String value) {
            this.sessionTags.put(Objects.requireNonNull(key, "A session tag needs a key"),
                    Objects.requireNonNull(value, "A session tag needs a value; an empty one is allowed"));
            return this;
        }

        /**
         * The keys of session tags that pass on to later hops; each must be one of
         * {@link #sessionTags(Map)}'s keys. By default, none.
         *
         * @param transitiveTagKeys the keys
         * @return this builder
         */
        public Builder transitiveTagKeys(List<String> transitiveTagKeys) {
            this.transitiveTagKeys = transitiveTagKeys == null ? new ArrayList<>() : new ArrayList<>(transitiveTagKeys);
            this.transitiveTagKeys.forEach(key -> Objects.requireNonNull(key, "A transitive tag key is null"));
            return this;
        }

        /**
         * The source identity to set ({@code sts:SetSourceIdentity} in the target's trust policy), 2 to 64
         * characters of letters, digits and {@code +=,.@-}. Once set it cannot change in later hops. By
         * default, none.
         *
         * @param sourceIdentity the source identity
         * @return this builder
         */
        public Builder sourceIdentity(String sourceIdentity) {
            this.sourceIdentity = sourceIdentity;
            return this;
        }

        /**
         * How long the session lasts, 900 s to one hour (AWS's cap for chained roles). By default, STS's
         * default of one hour.
         *
         * @param sessionDuration the session duration
         * @return this builder
         */
        public Builder sessionDuration(Duration sessionDuration) {
            this.sessionDuration = sessionDuration;
            return this;
        }

        /**
         * An inline session policy (JSON, at most 2048 characters) that narrows the role's permissions. By
         * default, none.
         *
         * @param policy the policy JSON
         * @return this builder
         */
        public Builder policy(String policy) {
            this.policy = policy;
            return this;
        }

        /**
         * Managed policies (at most 10 ARNs) that narrow the role's permissions. By default, none.
         *
         * @param policyArns the policy ARNs
         * @return this builder
         */
        public Builder policyArns(List<String> policyArns) {
            this.policyArns = policyArns == null ? new ArrayList<>() : new ArrayList<>(policyArns);
            return this;
        }

        /**
         * Builds the chained role; its values are checked when the provider is built.
         *
         * @return the chained role
         */
        @Override
        public ChainedRole build() {
            return new ChainedRole(this);
        }

        /**
         * A copy of this builder.
         *
         * @return the copy
         */
        @Override
        public Builder copy() {
            return new Builder(build());
        }
    }
}
