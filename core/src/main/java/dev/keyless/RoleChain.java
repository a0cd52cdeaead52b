package dev.keyless;

import dev.keyless.diagnostics.AssumeRoleCall;
import dev.keyless.settings.InvalidSettingException;
import dev.keyless.settings.Setting;
import dev.keyless.settings.Settings;
import dev.keyless.sts.StsParameters;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.AssumeRoleRequest;
import software.amazon.awssdk.services.sts.model.AssumeRoleResponse;
import software.amazon.awssdk.services.sts.model.Credentials;
import software.amazon.awssdk.services.sts.model.PolicyDescriptorType;
import software.amazon.awssdk.services.sts.model.Tag;

/**
 * The roles a provider assumes after the first, checked once at {@code build()} and walked on every refresh:
 * each {@code sts:AssumeRole} signed with the session of the hop before it. Hops are numbered as users read
 * them: 1 is the web identity call, 2 the first chained role.
 */
final class RoleChain {


    private final List<ChainedRole> roles;
    private final List<AssumeRoleRequest> templates;

    private RoleChain(List<ChainedRole> roles) {
        this.roles = List.copyOf(roles);
        List<AssumeRoleRequest> requests = new ArrayList<>();
        for (ChainedRole role : roles) {
            requests.add(template(role));
        }
        this.templates = List.copyOf(requests);
    }

    /**
     * Checks every hop and prepares its request.
     *
     * @param origins for each hop, where it was configured ({@code profile 'orders' in /home/me/.aws/config}) if
     *     not on the builder; {@code null} if all were
     * @throws InvalidSettingException naming the hop, its role, where it was configured and the value that is wrong
     */
    static RoleChain of(List<ChainedRole> roles, List<String> origins) {
        for (int i = 0; i < roles.size(); i++) {
            check(i, roles.get(i), origins == null ? null : origins.get(i));
        }
        return new RoleChain(roles);
    }

    boolean isEmpty() {
        return roles.isEmpty();
    }

    /** The number of hops, the web identity call included. */
    int hops() {
        return roles.size() + 1;
    }

    List<ChainedRole> roles() {
        return roles;
    }

    /**
     * The role assumed at a hop.
     *
     * @param hop 2 to {@link #hops()}
     */
    ChainedRole role(int hop) {
        return roles.get(hop - 2);
    }

    /** What the target role's trust policy sees of the call at {@code hop}, made by {@code callerRoleArn}. */
    AssumeRoleCall call(int hop, String callerRoleArn) {
        ChainedRole role = role(hop);
        return new AssumeRoleCall(callerRoleArn, role.roleArn(), role.externalId(), role.sessionTags(),
                role.transitiveTagKeys(), sourceIdentity(hop));
    }

    /**
     * The source identity the call at {@code hop} carries: its own, else the one an earlier hop set, which
     * persists into every later session of the chain (and needs {@code sts:SetSourceIdentity} there too).
     */
    private String sourceIdentity(int hop) {
        for (int h = hop; h >= 2; h--) {
            if (role(h).sourceIdentity() != null) {
                return role(h).sourceIdentity();
            }
        }
        return null;
    }

    /** The role whose credentials the chain ends with, or {@code null} for no chain. */
    String lastRoleArn() {
        return roles.isEmpty() ? null : roles.get(roles.size() - 1).roleArn();
    }

    /**
     * One session along the chain: its credentials, the role it belongs to, and the assumed-role ARN STS
     * reported for it (the caller of the next hop).
     */
    record Session(AwsSessionCredentials credentials, String roleArn, String assumedRoleArn) {
    }

    /** A hop that failed, with the session that called it. */
    static final class HopException extends Exception {
        private static final long serialVersionUID = 1L;

        final int hop;
        final transient Session caller;
        /** STS answered, but without credentials or their expiry. */
        final boolean unusableResponse;

        HopException(int hop, Session caller, Exception cause, boolean unusableResponse) {
            super(cause.getMessage(), cause, false, false);
            this.hop = hop;
            this.caller = caller;
            this.unusableResponse = unusableResponse;
        }
    }

    /**
     * Walks hops 2 to {@link #hops()} from the first hop's session: one {@code AssumeRole} call per hop.
     *
     * @param sts the client to call
     * @param first the first hop's session
     * @param firstSessionName the session name the first hop used, the default for the others
     * @param toCredentials turns STS's credentials, and the account of the session, into the SDK's
     * @return the last hop's session
     * @throws HopException naming the hop that failed and the session that called it
     */
    Session walk(StsClient sts, Session first, String firstSessionName,
            BiFunction<Credentials, String, AwsSessionCredentials> toCredentials) throws HopException {
        Session caller = first;
        for (int hop = 2; hop <= hops(); hop++) {
            AssumeRoleRequest template = templates.get(hop - 2);
            StaticCredentialsProvider signer = StaticCredentialsProvider.create(caller.credentials());
            AssumeRoleRequest request = template.toBuilder()
                    .roleSessionName(template.roleSessionName() != null ? template.roleSessionName() : firstSessionName)
                    .overrideConfiguration(o -> o.credentialsProvider(signer))
                    .build();
            AssumeRoleResponse response;
            try {
                response = sts.assumeRole(request);
            } catch (RuntimeException e) {
                throw new HopException(hop, caller, e, false);
            }
            if (response.credentials() == null || response.credentials().expiration() == null) {
                throw new HopException(hop, caller, new IllegalStateException("STS answered without credentials or "
                        + "without their Expiration."), true);
            }
            String assumedRoleArn = response.assumedRoleUser() == null ? null : response.assumedRoleUser().arn();
            caller = new Session(toCredentials.apply(response.credentials(), assumedRoleArn), template.roleArn(),
                    assumedRoleArn);
        }
        return caller;
    }

    private static AssumeRoleRequest template(ChainedRole role) {
        AssumeRoleRequest.Builder request = AssumeRoleRequest.builder()
                .roleArn(role.roleArn())
                .roleSessionName(role.roleSessionName())
                .externalId(role.externalId())
                .sourceIdentity(role.sourceIdentity())
                .policy(role.policy());
        if (role.sessionDuration() != null) {
            request.durationSeconds((int) role.sessionDuration().getSeconds());
        }
        if (!role.sessionTags().isEmpty()) {
            List<Tag> tags = new ArrayList<>();
            role.sessionTags().forEach((k, v) -> tags.add(Tag.builder().key(k).value(v).build()));
            request.tags(tags);
        }
        if (!role.transitiveTagKeys().isEmpty()) {
            request.transitiveTagKeys(role.transitiveTagKeys());
        }
        if (!role.policyArns().isEmpty()) {
            List<PolicyDescriptorType> arns = new ArrayList<>();
            role.policyArns().forEach(arn -> arns.add(PolicyDescriptorType.builder().arn(arn).build()));
            request.policyArns(arns);
        }
        return request.build();
    }

    /**
     * @param origin where the hop was configured if not on the builder; its values are then named by the
     *     profile's keys
     */
    private static void check(int index, ChainedRole role, String origin) {
        boolean profile = origin != null;
        if (role == null) {
            throw invalid(index, null, origin, "is null");
        }
        if (!Settings.isRoleArn(role.roleArn())) {
            String key = profile ? "role_arn" : "roleArn";
            throw invalid(index, role, origin, role.roleArn() == null ? "has no " + key : key + " '" + role.roleArn()
                    + "' is not an IAM role ARN; expected arn:aws:iam::123456789012:role/NAME");
        }
        if (role.roleSessionName() != null && !Settings.ROLE_SESSION_NAME.matcher(role.roleSessionName()).matches()) {
            throw invalid(index, role, origin, (profile ? "role_session_name" : "roleSessionName") + " '"
                    + role.roleSessionName() + "' is not a valid role session name: STS accepts 2 to 64 characters of "
                    + "letters, digits and +=,.@_-");
        }
        Duration duration = role.sessionDuration();
        String durationName = duration == null ? null
                : profile ? "duration_seconds " + duration.toSeconds() : "sessionDuration " + duration;
        if (duration != null && duration.compareTo(StsParameters.MAX_CHAINED_SESSION) > 0) {
            throw invalid(index, role, origin, durationName + " is longer than one hour: AWS caps the session of a "
                    + "chained role (one assumed with another role's credentials) at one hour, whatever the role's "
                    + "MaxSessionDuration");
        }
        if (duration != null && duration.compareTo(Settings.MIN_SESSION_DURATION) < 0) {
            throw invalid(index, role, origin, durationName + " is shorter than STS's minimum of 900 s");
        }
        String externalId = StsParameters.externalIdProblem(role.externalId());
        if (externalId != null) {
            throw invalid(index, role, origin, (profile ? "external_id: " : "externalId: ") + externalId);
        }
        String sourceIdentity = StsParameters.sourceIdentityProblem(role.sourceIdentity());
        if (sourceIdentity != null) {
            throw invalid(index, role, origin, "sourceIdentity: " + sourceIdentity);
        }
        checkTags(index, role);
        if (role.policy() != null && role.policy().length() > StsParameters.MAX_POLICY_LENGTH) {
            throw invalid(index, role, origin, "policy is " + role.policy().length() + " characters long; STS "
                    + "accepts at most " + StsParameters.MAX_POLICY_LENGTH);
        }
        if (role.policyArns().size() > StsParameters.MAX_POLICY_ARNS) {
            throw invalid(index, role, origin, "policyArns has " + role.policyArns().size() + " entries; STS accepts "
                    + "at most " + StsParameters.MAX_POLICY_ARNS);
        }
    }

    private static void checkTags(int index, ChainedRole role) {
        List<String> problems = new ArrayList<>(StsParameters.sessionTagProblems(role.sessionTags()));
        if (role.sessionTags().containsValue(null)) {
            problems.add("a session tag has no value (an empty one is allowed)");
        }
        if (!problems.isEmpty()) {
            throw invalid(index, role, null, "sessionTags: " + String.join("; ", problems));
        }
        Set<String> keys = new HashSet<>();
        role.sessionTags().keySet().forEach(key -> keys.add(key.toLowerCase(Locale.ROOT)));
        for (String key : role.transitiveTagKeys()) {
            if (!keys.contains(key.toLowerCase(Locale.ROOT))) {
                throw invalid(index, role, null, "transitiveTagKeys names '" + key + "', which is not one of the "
                        + "session tags' keys " + role.sessionTags().keySet());
            }
        }
    }

    private static InvalidSettingException invalid(int index, ChainedRole role, String origin, String problem) {
        String hop = "hop " + (index + 2) + (role == null || role.roleArn() == null ? "" : ", " + role.roleArn());
        Function<Function<Setting, String>, String> message = names -> (origin == null
                ? names.apply(Setting.CHAINED_ROLES) + "[" + index + "] (" + hop + ")"
                : Character.toUpperCase(origin.charAt(0)) + origin.substring(1) + " (" + hop + ")") + ": " + problem
                + ".";
        return new InvalidSettingException(Setting.CHAINED_ROLES, role == null ? null : role.roleArn(), origin,
                message);
    }
}
