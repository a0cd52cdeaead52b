package dev.keyless.diagnostics;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import software.amazon.awssdk.policybuilder.iam.IamConditionOperator;
import software.amazon.awssdk.policybuilder.iam.IamEffect;
import software.amazon.awssdk.policybuilder.iam.IamPolicy;
import software.amazon.awssdk.policybuilder.iam.IamPolicyWriter;
import software.amazon.awssdk.policybuilder.iam.IamPrincipalType;
import software.amazon.awssdk.policybuilder.iam.IamStatement;

/**
 * The IAM trust policy that admits exactly the identity of a token, and no other; written with the AWS
 * SDK's {@code iam-policy-builder}. Stateless and thread-safe.
 *
 * <ul>
 *   <li>GKE (and other OIDC) tokens: {@code Federated} the account's
 *       {@code oidc-provider/<issuer without https://>}, {@code StringEquals} on {@code <issuer>:aud} and
 *       {@code <issuer>:sub}.</li>
 *   <li>Google service-account tokens: {@code Federated} {@code accounts.google.com}, {@code StringEquals}
 *       on {@code accounts.google.com:aud} (which AWS compares with {@code azp}), {@code :oaud} (the token's
 *       {@code aud}) and {@code :sub} (the numeric unique id).</li>
 * </ul>
 */
public final class TrustPolicies {

    private static final Pattern ACCOUNT_ID = Pattern.compile("\\d{12}");
    private static final String ACTION = "sts:AssumeRoleWithWebIdentity";
    private static final String GOOGLE = "accounts.google.com";

    private TrustPolicies() {
    }

    /**
     * The trust policy, pretty-printed JSON.
     *
     * @param report the inspected token
     * @param accountId the AWS account that owns the role (and the OIDC provider)
     * @return the policy JSON
     * @throws IllegalArgumentException if the account id is not 12 digits, or the token lacks iss, sub or aud
     */
    public static String trustPolicyJson(TokenReport report, String accountId) {
        return trustPolicyJson(report, accountId, true);
    }

    /**
     * The trust policy as JSON, pretty-printed or on one line (for a message or a log line).
     *
     * @param report the inspected token
     * @param accountId the AWS account that owns the role (and the OIDC provider)
     * @param prettyPrint whether to indent it over several lines
     * @return the policy JSON
     * @throws IllegalArgumentException if the account id is not 12 digits, or the token lacks iss, sub or aud
     */
    public static String trustPolicyJson(TokenReport report, String accountId, boolean prettyPrint) {
        return trustPolicy(report, accountId).toJson(IamPolicyWriter.builder().prettyPrint(prettyPrint).build());
    }

    /**
     * The trust policy.
     *
     * @param report the inspected token
     * @param accountId the AWS account that owns the role
     * @return the policy
     */
    public static IamPolicy trustPolicy(TokenReport report, String accountId) {
        Objects.requireNonNull(report, "report");
        if (accountId == null || !ACCOUNT_ID.matcher(accountId).matches()) {
            throw new IllegalArgumentException("The AWS account id '" + accountId + "' is not 12 digits.");
        }
        if (report.issuer() == null || report.subject() == null || report.audience().isEmpty()) {
            throw new IllegalArgumentException("The token lacks iss, sub or aud; no trust policy can pin its identity.");
        }
        String aud = report.audience().get(0);
        IamStatement.Builder statement = IamStatement.builder()
                .effect(IamEffect.ALLOW)
                .addAction(ACTION);
        if (report.kind() == TokenKind.GOOGLE_SERVICE_ACCOUNT) {
            String azp = report.authorizedParty() != null ? report.authorizedParty() : aud;
            statement.addPrincipal(IamPrincipalType.FEDERATED, GOOGLE)
                    .addCondition(IamConditionOperator.STRING_EQUALS, GOOGLE + ":aud", azp)
                    .addCondition(IamConditionOperator.STRING_EQUALS, GOOGLE + ":oaud", aud)
                    .addCondition(IamConditionOperator.STRING_EQUALS, GOOGLE + ":sub", report.subject());
        } else {
            String host = oidcProviderName(report.issuer());
            statement.addPrincipal(IamPrincipalType.FEDERATED, "arn:aws:iam::" + accountId + ":oidc-provider/" + host)
                    .addCondition(IamConditionOperator.STRING_EQUALS, host + ":aud", aud)
                    .addCondition(IamConditionOperator.STRING_EQUALS, host + ":sub", report.subject());
        }
        return IamPolicy.builder().version("2012-10-17").addStatement(statement.build()).build();
    }

    /**
     * The trust policy a chained role needs to let {@code call}'s caller assume it, as JSON: {@code Principal.AWS}
     * the caller role, the {@linkplain AssumeRoleCall#requiredActions() actions} the call needs, and a
     * {@code StringEquals} on {@code sts:ExternalId} when it sends one.
     *
     * @param call the call to admit
     * @param prettyPrint whether to indent it over several lines
     * @return the policy JSON
     */
    public static String trustPolicyJson(AssumeRoleCall call, boolean prettyPrint) {
        return trustPolicy(call).toJson(IamPolicyWriter.builder().prettyPrint(prettyPrint).build());
    }

    /**
     * The trust policy a chained role needs to let {@code call}'s caller assume it.
     *
     * @param call the call to admit
     * @return the policy
     */
    public static IamPolicy trustPolicy(AssumeRoleCall call) {
        IamStatement.Builder statement = IamStatement.builder()
                .effect(IamEffect.ALLOW)
                .addPrincipal(IamPrincipalType.AWS, call.callerRoleArn())
                .actionIds(call.requiredActions());
        if (call.externalId() != null) {
            statement.addCondition(IamConditionOperator.STRING_EQUALS, "sts:ExternalId", call.externalId());
        }
        return IamPolicy.builder().version("2012-10-17").addStatement(statement.build()).build();
    }

    /**
     * The statement the caller role's permissions policy needs for {@code call}, as a policy JSON: the
     * {@linkplain AssumeRoleCall#requiredActions() actions} the call needs, on the target role.
     *
     * @param call the call to allow
     * @param prettyPrint whether to indent it over several lines
     * @return the policy JSON
     */
    public static String callerPermissionsJson(AssumeRoleCall call, boolean prettyPrint) {
        IamStatement statement = IamStatement.builder()
                .effect(IamEffect.ALLOW)
                .actionIds(call.requiredActions())
                .addResource(call.roleArn())
                .build();
        return IamPolicy.builder().version("2012-10-17").addStatement(statement).build()
                .toJson(IamPolicyWriter.builder().prettyPrint(prettyPrint).build());
    }

    /**
     * The {@code aws iam create-open-id-connect-provider} arguments that register the token's issuer, for GKE
     * and other OIDC issuers (Google tokens need no OIDC provider). AWS validates well-known issuers with
     * its trusted CAs, but the AWS CLI v1 still requires a thumbprint list: pass the issuer's certificate
     * thumbprint there.
     *
     * @param report the inspected token
     * @return the arguments after {@code aws}, or an empty list for a Google token
     */
    public static List<String> createOpenIdConnectProviderArgs(TokenReport report) {
        if (report.kind() == TokenKind.GOOGLE_SERVICE_ACCOUNT || report.issuer() == null) {
            return List.of();
        }
        return List.of("iam", "create-open-id-connect-provider", "--url", report.issuer(),
                "--client-id-list", String.join(",", report.audience()));
    }

    /**
     * The name IAM gives an issuer's OIDC provider, which also prefixes its condition keys: the issuer URL
     * without its scheme and trailing slashes ({@code container.googleapis.com/v1/projects/P/locations/L/clusters/C}).
     *
     * @param issuer the token's {@code iss}
     * @return the provider's name
     */
    public static String oidcProviderName(String issuer) {
        return issuer.replaceFirst("^https?://", "").replaceAll("/+$", "");
    }
}
