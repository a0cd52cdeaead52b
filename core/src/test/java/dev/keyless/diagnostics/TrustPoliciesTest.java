package dev.keyless.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyless.testing.TestTokens;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.policybuilder.iam.IamConditionOperator;
import software.amazon.awssdk.policybuilder.iam.IamPolicy;
import software.amazon.awssdk.policybuilder.iam.IamPolicyReader;
import software.amazon.awssdk.policybuilder.iam.IamPrincipalType;
import software.amazon.awssdk.policybuilder.iam.IamStatement;

class TrustPoliciesTest {

    private static final String ACCOUNT = "123456789012";
    private static final String ROLE = "arn:aws:iam::123456789012:role/checkout-s3-writer";
    private static final String GKE_HOST =
            "container.googleapis.com/v1/projects/checkout-prod/locations/europe-west1/clusters/prod-1";

    private static final String GKE_TOKEN = TestTokens.gke(Instant.now(), Duration.ofHours(1));
    private static final String GOOGLE_TOKEN = TestTokens.google(Instant.now(), "sts.amazonaws.com");

    private static String condition(IamStatement statement, String key) {
        return statement.conditions().stream().filter(c -> c.key().value().equals(key))
                .filter(c -> c.operator().equals(IamConditionOperator.STRING_EQUALS))
                .map(c -> c.value()).findFirst().orElse(null);
    }

    @Test
    void gkeToken_pinsProviderAudienceAndSubject() {
        String json = TrustPolicies.trustPolicyJson(TokenInspector.inspect(GKE_TOKEN), ACCOUNT);

        IamStatement statement = IamPolicyReader.create().read(json).statements().get(0);
        assertThat(statement.effect().value()).isEqualTo("Allow");
        assertThat(statement.actions()).extracting(a -> a.value()).containsExactly("sts:AssumeRoleWithWebIdentity");
        assertThat(statement.principals()).hasSize(1);
        assertThat(statement.principals().get(0).type()).isEqualTo(IamPrincipalType.FEDERATED);
        assertThat(statement.principals().get(0).id()).isEqualTo("arn:aws:iam::123456789012:oidc-provider/" + GKE_HOST);
        assertThat(statement.conditions()).hasSize(2);
        assertThat(condition(statement, GKE_HOST + ":aud")).isEqualTo("sts.amazonaws.com");
        assertThat(condition(statement, GKE_HOST + ":sub")).isEqualTo("system:serviceaccount:checkout:checkout-api");
        assertThat(json).doesNotContain("eyJ");
    }

    @Test
    void googleToken_pinsAzpOaudAndNumericSubject() {
        IamPolicy policy = TrustPolicies.trustPolicy(TokenInspector.inspect(GOOGLE_TOKEN), ACCOUNT);

        IamStatement statement = policy.statements().get(0);
        assertThat(statement.principals().get(0).id()).isEqualTo("accounts.google.com");
        assertThat(statement.conditions()).hasSize(3);
        assertThat(condition(statement, "accounts.google.com:aud")).isEqualTo(TestTokens.GSA_UNIQUE_ID);
        assertThat(condition(statement, "accounts.google.com:oaud")).isEqualTo("sts.amazonaws.com");
        assertThat(condition(statement, "accounts.google.com:sub")).isEqualTo(TestTokens.GSA_UNIQUE_ID);
    }

    @Test
    void generatedPolicies_areAdmittedByTheEvaluatorWithoutWarnings() {
        for (String token : new String[] {GKE_TOKEN, GOOGLE_TOKEN}) {
            String json = TrustPolicies.trustPolicyJson(TokenInspector.inspect(token), ACCOUNT);

            PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(json, token, ROLE);

            assertThat(verdict.admitted()).as(json).isTrue();
            assertThat(verdict.warnings()).isEmpty();
        }
    }

    @Test
    void generatedPolicy_refusesAnotherServiceAccount() {
        String json = TrustPolicies.trustPolicyJson(TokenInspector.inspect(GKE_TOKEN), ACCOUNT);
        String other = TestTokens.sign(TestTokens.gkeClaims(Instant.now(), Duration.ofHours(1))
                .subject("system:serviceaccount:payments:payments-api").build());

        assertThat(TrustPolicyEvaluator.evaluate(json, other, ROLE).admitted()).isFalse();
    }

    @Test
    void createOpenIdConnectProviderArgs_forGkeIssuer() {
        assertThat(TrustPolicies.createOpenIdConnectProviderArgs(TokenInspector.inspect(GKE_TOKEN)))
                .containsExactly("iam", "create-open-id-connect-provider", "--url", TestTokens.GKE_ISSUER,
                        "--client-id-list", "sts.amazonaws.com");
    }

    @Test
    void createOpenIdConnectProviderArgs_noneForGoogle() {
        assertThat(TrustPolicies.createOpenIdConnectProviderArgs(TokenInspector.inspect(GOOGLE_TOKEN))).isEmpty();
    }

    @Test
    void badAccountId_isRefusedWithTheValue() {
        assertThatThrownBy(() -> TrustPolicies.trustPolicy(TokenInspector.inspect(GKE_TOKEN), "1234"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'1234'").hasMessageContaining("12 digits");
    }

    @Test
    void tokenWithoutSubject_cannotBePinned() {
        String token = TestTokens.sign(TestTokens.gkeClaims(Instant.now(), Duration.ofHours(1)).subject(null).build());

        assertThatThrownBy(() -> TrustPolicies.trustPolicy(TokenInspector.inspect(token), ACCOUNT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sub");
    }
}
