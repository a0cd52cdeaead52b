package dev.keyless.diagnostics;

import dev.keyless.sts.StsParameters;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.arns.Arn;
import software.amazon.awssdk.policybuilder.iam.IamCondition;
import software.amazon.awssdk.policybuilder.iam.IamPrincipal;
import software.amazon.awssdk.policybuilder.iam.IamPrincipalType;
import software.amazon.awssdk.policybuilder.iam.IamStatement;

/**
 * An {@code sts:AssumeRole} call by a role's session (role chaining), as the target role's trust policy sees it.
 * What IAM puts in the request context, each from the IAM User Guide: {@code aws:PrincipalArn} is the caller's
 * role ARN, not its session's ("AWS global condition context keys"); {@code aws:PrincipalAccount} its account;
 * {@code sts:ExternalId}, {@code sts:SourceIdentity}, {@code aws:RequestTag/KEY} (single-valued),
 * {@code aws:TagKeys} and {@code sts:TransitiveTagKeys} (multivalued) only when the call sends them. Keys whose
 * value only AWS knows ({@code aws:PrincipalTag/...}, {@code sts:RoleSessionName}, ...) cannot be evaluated
 * offline; keys of web identity providers are never in such a call.
 */
final class AssumeRoleRequest implements PolicyRequest {

    private static final Set<String> PRINCIPAL_KEYS = Set.of("aws:principalarn", "aws:principalaccount",
            "aws:principalorgid", "aws:principalorgpaths");

    private final AssumeRoleCall call;
    private final Duration sessionDuration;
    private final String callerAccount;
    private final String callerRoleName;

    private AssumeRoleRequest(AssumeRoleCall call, Duration sessionDuration, String callerAccount,
                              String callerRoleName) {
        this.call = call;
        this.sessionDuration = sessionDuration;
        this.callerAccount = callerAccount;
        this.callerRoleName = callerRoleName;
    }

    /**
     * @throws IllegalArgumentException if either ARN is not a role ARN
     */
    static AssumeRoleRequest of(AssumeRoleCall call, Duration sessionDuration) {
        Arn caller = roleArn(call.callerRoleArn(), "caller role");
        roleArn(call.roleArn(), "role to assume");
        String resource = caller.resourceAsString();
        return new AssumeRoleRequest(call, sessionDuration, caller.accountId().orElseThrow(),
                resource.substring(resource.lastIndexOf('/') + 1));
    }

    private static Arn roleArn(String value, String what) {
        Arn arn = Arn.tryFromString(value.strip()).orElse(null);
        if (arn != null && arn.service().equals("sts") && arn.resourceAsString().startsWith("assumed-role/")) {
            String[] parts = arn.resourceAsString().split("/");
            throw new IllegalArgumentException("The " + what + " '" + value + "' is an assumed-role session ARN; give "
                    + "the role's ARN (arn:" + arn.partition() + ":iam::" + arn.accountId().orElse("ACCOUNT") + ":role/"
                    + (parts.length > 1 ? parts[1] : "NAME") + ", with its path if it has one).");
        }
        if (arn == null || !arn.service().equals("iam") || arn.accountId().isEmpty()
                || !arn.accountId().get().matches("\\d{12}") || !arn.resourceAsString().startsWith("role/")
                || arn.resourceAsString().length() <= "role/".length()) {
            throw new IllegalArgumentException("The " + what + " '" + value + "' is not a role ARN "
                    + "(arn:aws:iam::123456789012:role/NAME).");
        }
        return arn;
    }

    @Override
    public String roleArn() {
        return call.roleArn();
    }

    @Override
    public String call() {
        return AssumeRoleCall.ASSUME_ROLE + " by role " + call.callerRoleArn();
    }

    @Override
    public List<String> requiredActions() {
        return call.requiredActions();
    }

    @Override
    public String whyNeeded(String action) {
        if (action.equals(AssumeRoleCall.TAG_SESSION)) {
            return call.sessionTags().isEmpty() ? "because it marks tag keys transitive" : "because it sends session tags";
        }
        if (action.equals(AssumeRoleCall.SET_SOURCE_IDENTITY)) {
            return "because it sets a source identity";
        }
        return "";
    }

    @Override
    public String holder() {
        return "the call has";
    }

    @Override
    public PrincipalMatch principal(IamStatement statement) {
        if (!statement.notPrincipals().isEmpty()) {
            return new PrincipalMatch(Match.NO, "NotPrincipal is not evaluated: IAM does not accept NotPrincipal in a "
                    + "role trust policy; name the caller role in Principal.AWS");
        }
        List<String> aws = new ArrayList<>();
        List<String> others = new ArrayList<>();
        String unknown = null;
        for (IamPrincipal p : statement.principals()) {
            boolean awsType = IamPrincipalType.AWS.equals(p.type());
            if (IamPrincipal.ALL.equals(p) || awsType && "*".equals(p.id())) {
                return PrincipalMatch.YES;
            }
            if (!awsType) {
                others.add(p.type().value() + " " + p.id());
                continue;
            }
            String id = p.id().strip();
            if (id.equals(callerAccount) || id.equals(call.callerRoleArn()) || isAccountRoot(id, callerAccount)) {
                return PrincipalMatch.YES;
            }
            if (id.equalsIgnoreCase(call.callerRoleArn())) {
                unknown = "Principal.AWS names " + id + ", which differs from the caller role " + call.callerRoleArn()
                        + " only in letter case; whether IAM resolves it to the same role cannot be told offline";
            } else if (isSessionOfCaller(id)) {
                unknown = "Principal.AWS names " + id + ", one session of role " + callerRoleName + ": whether it is "
                        + "this caller's depends on its session name, which is not known here; name the role itself (\""
                        + call.callerRoleArn() + "\") to trust all its sessions";
            }
            aws.add(id);
        }
        if (unknown != null) {
            return new PrincipalMatch(Match.UNKNOWN, unknown);
        }
        String needed = "a call by role " + call.callerRoleArn() + " needs Principal {\"AWS\": \"" + call.callerRoleArn()
                + "\"} (or its account, " + callerAccount + ")";
        if (aws.isEmpty()) {
            return new PrincipalMatch(Match.NO, "no Principal.AWS" + (others.isEmpty() ? "" : "; Principal " + others
                    + " admits web-identity tokens or AWS services, never a role's session") + "; " + needed);
        }
        return new PrincipalMatch(Match.NO, "Principal.AWS is " + aws + ", which names neither the caller role "
                + call.callerRoleArn() + " nor its account " + callerAccount + principalHint(aws));
    }

    private static boolean isAccountRoot(String id, String account) {
        Arn arn = Arn.tryFromString(id).orElse(null);
        return arn != null && arn.service().equals("iam") && arn.resourceAsString().equals("root")
                && arn.accountId().map(account::equals).orElse(false);
    }

    private boolean isSessionOfCaller(String id) {
        Arn arn = Arn.tryFromString(id).orElse(null);
        if (arn == null || !arn.service().equals("sts") || !arn.accountId().map(callerAccount::equals).orElse(false)) {
            return false;
        }
        String[] parts = arn.resourceAsString().split("/");
        return parts.length == 3 && parts[0].equals("assumed-role") && parts[1].equals(callerRoleName);
    }

    private String principalHint(List<String> aws) {
        for (String id : aws) {
            Arn arn = Arn.tryFromString(id).orElse(null);
            if (arn == null || arn.accountId().isEmpty()) {
                continue;
            }
            String resource = arn.resourceAsString();
            if (arn.service().equals("iam") && resource.startsWith("role/")
                    && resource.substring(resource.lastIndexOf('/') + 1).equals(callerRoleName)
                    && !arn.accountId().get().equals(callerAccount)) {
                return " (" + id + " names a role of that name in account " + arn.accountId().get()
                        + "; the caller role is in " + callerAccount + ")";
            }
            if (arn.service().equals("sts") && resource.startsWith("assumed-role/")) {
                return " (" + id + " is a session ARN; name the role: arn:" + arn.partition() + ":iam::"
                        + arn.accountId().get() + ":role/" + resource.split("/")[1] + ")";
            }
        }
        return "";
    }

    @Override
    public KeyValues resolve(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        switch (lower) {
            case "aws:principalarn":
                String compared = "aws:PrincipalArn is compared with the caller's role ARN (\"" + call.callerRoleArn()
                        + "\"), not the ARN of its session (\"arn:aws:sts::" + callerAccount + ":assumed-role/"
                        + callerRoleName + "/SESSION\")";
                return KeyValues.of(List.of(call.callerRoleArn())).singleValued().mapped(compared, wanted -> {
                    for (String value : wanted) {
                        if (value.contains(":assumed-role/")) {
                            return compared + "; the policy's value \"" + value + "\" is an assumed-role session ARN, "
                                    + "which aws:PrincipalArn never holds, so you probably meant the role's ARN";
                        }
                    }
                    return null;
                });
            case "aws:principalaccount":
                return KeyValues.of(List.of(callerAccount)).singleValued();
            case "aws:principaltype":
                return KeyValues.of(List.of("AssumedRole")).singleValued();
            case "sts:externalid":
                return (call.externalId() == null ? KeyValues.absent(" (the call sends no external ID)")
                        : KeyValues.of(List.of(call.externalId()))).singleValued().secret();
            case "sts:sourceidentity":
                return (call.sourceIdentity() == null ? KeyValues.absent(" (the call sets no source identity)")
                        : KeyValues.of(List.of(call.sourceIdentity()))).singleValued();
            case "aws:tagkeys":
                return (call.sessionTags().isEmpty() ? KeyValues.absent(" (the call sends no session tags)")
                        : KeyValues.of(List.copyOf(call.sessionTags().keySet()))).multiValued();
            case "sts:transitivetagkeys":
                return (call.transitiveTagKeys().isEmpty() ? KeyValues.absent(" (the call marks no tag key transitive)")
                        : KeyValues.of(call.transitiveTagKeys())).multiValued();
            default:
                break;
        }
        if (lower.startsWith("aws:requesttag/")) {
            String tag = key.substring("aws:requesttag/".length());
            // Tag keys in a condition key match regardless of case (IAM User Guide, "aws:RequestTag/tag-key").
            for (Map.Entry<String, String> entry : call.sessionTags().entrySet()) {
                if (entry.getKey().equalsIgnoreCase(tag)) {
                    return KeyValues.of(List.of(entry.getValue())).singleValued();
                }
            }
            return KeyValues.absent(" (the call sends no session tag " + tag + ")").singleValued();
        }
        if (WebIdentityRequest.isWebIdentityKey(key)) {
            return KeyValues.absent(" (a condition key of web-identity tokens)").warning(key + " is a condition key of "
                    + "web-identity tokens (AssumeRoleWithWebIdentity); an sts:AssumeRole call never carries it, so a "
                    + "condition on it is false (unless ...IfExists, Null or negated)");
        }
        return KeyValues.unknown(" (the call may carry " + key + ", but its value is known only to AWS)");
    }

    @Override
    public List<String> overBroad(String label, IamStatement statement) {
        List<String> warnings = new ArrayList<>();
        boolean principalCondition = statement.conditions().stream().map(IamCondition::key)
                .anyMatch(k -> PRINCIPAL_KEYS.contains(k.value().toLowerCase(Locale.ROOT)));
        boolean everyone = statement.principals().stream().anyMatch(p -> IamPrincipal.ALL.equals(p)
                || IamPrincipalType.AWS.equals(p.type()) && "*".equals(p.id()));
        boolean account = statement.principals().stream().anyMatch(p -> IamPrincipalType.AWS.equals(p.type())
                && (p.id().strip().equals(callerAccount) || isAccountRoot(p.id().strip(), callerAccount)));
        if (everyone && !principalCondition) {
            warnings.add(label + " allows Principal \"*\": any principal of any AWS account may assume the role. Name "
                    + "the caller role in Principal.AWS (\"" + call.callerRoleArn() + "\").");
        } else if (account && !principalCondition) {
            warnings.add(label + " trusts account " + callerAccount + " as a whole: any role or user in it whose "
                    + "permissions allow sts:AssumeRole on this role may assume it. Name the caller role in "
                    + "Principal.AWS (\"" + call.callerRoleArn() + "\"), or add an aws:PrincipalArn condition, to trust "
                    + "only it.");
        }
        return warnings;
    }

    @Override
    public List<Finding> refusals(List<IamStatement> statements) {
        List<Finding> refusals = new ArrayList<>();
        if (sessionDuration != null && sessionDuration.compareTo(StsParameters.MAX_CHAINED_SESSION) > 0) {
            refusals.add(new Finding(Finding.Severity.ERROR, "chained-duration", "The call asks for a "
                    + sessionDuration.toSeconds() + " s session, but a role assumed with another role's session (role "
                    + "chaining) lasts at most " + StsParameters.MAX_CHAINED_SESSION.toSeconds() + " s: STS refuses a "
                    + "longer DurationSeconds.", "Ask for " + StsParameters.MAX_CHAINED_SESSION.toSeconds()
                    + " seconds or less, or leave the duration unset (STS's default is 3600)."));
        }
        String externalId = StsParameters.externalIdProblem(call.externalId());
        if (externalId != null) {
            refusals.add(new Finding(Finding.Severity.ERROR, "external-id", capitalize(externalId) + ".",
                    "Send the external ID exactly as the role's owner gave it."));
        }
        String source = StsParameters.sourceIdentityProblem(call.sourceIdentity());
        if (source != null) {
            refusals.add(new Finding(Finding.Severity.ERROR, "source-identity", capitalize(source) + ".",
                    "Use a user or workload name within those characters."));
        }
        List<String> tags = new ArrayList<>(StsParameters.sessionTagProblems(call.sessionTags()));
        for (String key : call.transitiveTagKeys()) {
            String problem = StsParameters.tagKeyProblem(key);
            if (problem != null) {
                tags.add("transitive " + problem);
            }
        }
        if (!tags.isEmpty()) {
            refusals.add(new Finding(Finding.Severity.ERROR, "session-tags", "STS refuses these session tags: "
                    + String.join("; ", tags) + ".", "Send at most " + StsParameters.MAX_SESSION_TAGS + " tags, keys "
                    + "of 1 to " + StsParameters.MAX_TAG_KEY_LENGTH + " and values of at most "
                    + StsParameters.MAX_TAG_VALUE_LENGTH + " characters, none starting with aws:, no two keys that "
                    + "differ only in case."));
        }
        return refusals;
    }

    private static String capitalize(String text) {
        return Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }

    @Override
    public List<String> notCheckedOffline() {
        List<String> unchecked = new ArrayList<>();
        unchecked.add("The permissions policy of role " + call.callerRoleArn() + " must allow "
                + String.join(", ", call.requiredActions()) + " on " + call.roleArn() + " (needed across accounts, and "
                + "within one account unless the trust policy names the caller role itself), and no SCP or permissions "
                + "boundary may deny it; a statement that allows it: " + TrustPolicies.callerPermissionsJson(call, false));
        if (call.sourceIdentity() != null) {
            unchecked.add("A source identity set earlier in the chain persists and cannot be changed: if the caller's "
                    + "session already has one, this call must set the same.");
        }
        if (!call.sessionTags().isEmpty()) {
            unchecked.add("Session tags an earlier hop marked transitive carry into this session; sending one of their "
                    + "keys again makes the call fail.");
        }
        return unchecked;
    }
}
