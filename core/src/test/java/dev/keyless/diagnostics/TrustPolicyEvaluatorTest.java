package dev.keyless.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyless.testing.TestTokens;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TrustPolicyEvaluatorTest {

    private static final String ROLE = "arn:aws:iam::123456789012:role/checkout-s3-writer";
    private static final String GKE_HOST =
            "container.googleapis.com/v1/projects/checkout-prod/locations/europe-west1/clusters/prod-1";
    private static final String GKE_PROVIDER = "arn:aws:iam::123456789012:oidc-provider/" + GKE_HOST;
    private static final String GKE_SUB = "system:serviceaccount:checkout:checkout-api";

    private static final String GKE_TOKEN = TestTokens.gke(Instant.now(), Duration.ofHours(1));
    private static final String GOOGLE_TOKEN = TestTokens.google(Instant.now(), "sts.amazonaws.com");

    private static String policy(String... statements) {
        return "{\"Version\":\"2012-10-17\",\"Statement\":[" + String.join(",", statements) + "]}";
    }

    private static String statement(String effect, String federated, String condition) {
        return "{\"Effect\":\"" + effect + "\",\"Principal\":{\"Federated\":\"" + federated + "\"},"
                + "\"Action\":\"sts:AssumeRoleWithWebIdentity\""
                + (condition == null ? "" : ",\"Condition\":" + condition) + "}";
    }

    private static String gkePolicy(String condition) {
        return policy(statement("Allow", GKE_PROVIDER, condition));
    }

    private static String exact(String sub) {
        return "{\"StringEquals\":{\"" + GKE_HOST + ":aud\":\"sts.amazonaws.com\",\"" + GKE_HOST + ":sub\":\"" + sub + "\"}}";
    }

    @Test
    void evaluate_exactGkePolicy_admitsWithoutWarnings() {
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(gkePolicy(exact(GKE_SUB)), GKE_TOKEN, ROLE);
        assertThat(verdict.admitted()).isTrue();
        assertThat(verdict.matchedStatement()).isEqualTo("#1");
        assertThat(verdict.warnings()).isEmpty();
        assertThat(verdict.describe()).contains("ADMITTED");
    }

    @Test
    void evaluate_subMismatch_namesKeyAndBothValues() {
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(
                gkePolicy(exact("system:serviceaccount:payments:payments-api")), GKE_TOKEN, ROLE);
        assertThat(verdict.outcome()).isEqualTo(PolicyVerdict.Outcome.NOT_ADMITTED);
        assertThat(verdict.reasons()).containsExactly("#1: StringEquals " + GKE_HOST + ":sub: policy wants "
                + "\"system:serviceaccount:payments:payments-api\", token has \"" + GKE_SUB + "\"");
        assertThat(verdict.describe()).doesNotContain("eyJ");
    }

    @Test
    void evaluate_audienceMismatch_isReported() {
        String condition = "{\"StringEquals\":{\"" + GKE_HOST + ":aud\":\"my-app\",\"" + GKE_HOST + ":sub\":\"" + GKE_SUB + "\"}}";
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(gkePolicy(condition), GKE_TOKEN, ROLE);
        assertThat(verdict.reasons()).singleElement().asString()
                .contains(":aud: policy wants \"my-app\", token has \"sts.amazonaws.com\"");
    }

    @Test
    void evaluate_stringLikeWildcards_matchAndWarn() {
        String condition = "{\"StringLike\":{\"" + GKE_HOST + ":sub\":\"system:serviceaccount:checkout:*\"}}";
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(gkePolicy(condition), GKE_TOKEN, ROLE);
        assertThat(verdict.admitted()).isTrue();
        assertThat(verdict.warnings()).singleElement().asString().contains("every service account in namespace checkout");

        String question = "{\"StringLike\":{\"" + GKE_HOST + ":sub\":\"system:serviceaccount:checkout:checkout-ap?\"}}";
        assertThat(TrustPolicyEvaluator.evaluate(gkePolicy(question), GKE_TOKEN, ROLE).admitted()).isTrue();

        String other = "{\"StringLike\":{\"" + GKE_HOST + ":sub\":\"system:serviceaccount:payments:*\"}}";
        assertThat(TrustPolicyEvaluator.evaluate(gkePolicy(other), GKE_TOKEN, ROLE).admitted()).isFalse();
    }

    @Test
    void evaluate_clusterWideWildcard_warnsAboutWholeCluster() {
        String condition = "{\"StringLike\":{\"" + GKE_HOST + ":sub\":\"system:serviceaccount:*\"}}";
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(gkePolicy(condition), GKE_TOKEN, ROLE);
        assertThat(verdict.warnings()).singleElement().asString().contains("every service account in the cluster");
    }

    @Test
    void evaluate_stringNotEquals_andIgnoreCase() {
        String not = "{\"StringEquals\":{\"" + GKE_HOST + ":sub\":\"" + GKE_SUB + "\"},"
                + "\"StringNotEquals\":{\"" + GKE_HOST + ":aud\":\"sts.amazonaws.com\"}}";
        assertThat(TrustPolicyEvaluator.evaluate(gkePolicy(not), GKE_TOKEN, ROLE).admitted()).isFalse();
        String ignoreCase = "{\"StringEqualsIgnoreCase\":{\"" + GKE_HOST + ":sub\":\"" + GKE_SUB.toUpperCase() + "\"}}";
        assertThat(TrustPolicyEvaluator.evaluate(gkePolicy(ignoreCase), GKE_TOKEN, ROLE).admitted()).isTrue();
    }

    @Test
    void evaluate_forAnyValueAndForAllValuesOnAudienceLists() {
        String multiAud = TestTokens.sign(TestTokens.gkeClaims(Instant.now(), Duration.ofHours(1))
                .audience(java.util.List.of("sts.amazonaws.com", "vault")).build());
        String anyValue = "{\"StringEquals\":{\"" + GKE_HOST + ":sub\":\"" + GKE_SUB + "\"},"
                + "\"ForAnyValue:StringEquals\":{\"" + GKE_HOST + ":aud\":\"sts.amazonaws.com\"}}";
        assertThat(TrustPolicyEvaluator.evaluate(gkePolicy(anyValue), multiAud, ROLE).admitted()).isTrue();

        String allValues = "{\"StringEquals\":{\"" + GKE_HOST + ":sub\":\"" + GKE_SUB + "\"},"
                + "\"ForAllValues:StringEquals\":{\"" + GKE_HOST + ":aud\":\"sts.amazonaws.com\"}}";
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(gkePolicy(allValues), multiAud, ROLE);
        assertThat(verdict.admitted()).isFalse();
        assertThat(verdict.reasons()).singleElement().asString().contains("[\"sts.amazonaws.com\", \"vault\"]");
    }

    @Test
    void evaluate_ifExistsAndNull() {
        String ifExists = "{\"StringEquals\":{\"" + GKE_HOST + ":sub\":\"" + GKE_SUB + "\"},"
                + "\"StringEqualsIfExists\":{\"" + GKE_HOST + ":amr\":\"authenticated\"}}";
        assertThat(TrustPolicyEvaluator.evaluate(gkePolicy(ifExists), GKE_TOKEN, ROLE).admitted()).isTrue();
        String nullCheck = "{\"StringEquals\":{\"" + GKE_HOST + ":sub\":\"" + GKE_SUB + "\"},"
                + "\"Null\":{\"" + GKE_HOST + ":amr\":\"true\"}}";
        assertThat(TrustPolicyEvaluator.evaluate(gkePolicy(nullCheck), GKE_TOKEN, ROLE).admitted()).isTrue();
        String notNull = "{\"Null\":{\"" + GKE_HOST + ":amr\":\"false\"}}";
        assertThat(TrustPolicyEvaluator.evaluate(gkePolicy(notNull), GKE_TOKEN, ROLE).admitted()).isFalse();
    }

    @Test
    void evaluate_googleAudMapsToAzp() {
        String byAzp = policy(statement("Allow", "accounts.google.com",
                "{\"StringEquals\":{\"accounts.google.com:aud\":\"" + TestTokens.GSA_UNIQUE_ID + "\","
                + "\"accounts.google.com:sub\":\"" + TestTokens.GSA_UNIQUE_ID + "\"}}"));
        PolicyVerdict admitted = TrustPolicyEvaluator.evaluate(byAzp, GOOGLE_TOKEN, ROLE);
        assertThat(admitted.admitted()).isTrue();
        assertThat(admitted.warnings()).isEmpty();

        // The token's aud is sts.amazonaws.com, but AWS compares accounts.google.com:aud with azp.
        String byAud = policy(statement("Allow", "accounts.google.com",
                "{\"StringEquals\":{\"accounts.google.com:aud\":\"sts.amazonaws.com\","
                + "\"accounts.google.com:sub\":\"" + TestTokens.GSA_UNIQUE_ID + "\"}}"));
        PolicyVerdict refused = TrustPolicyEvaluator.evaluate(byAud, GOOGLE_TOKEN, ROLE);
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.reasons()).singleElement().asString()
                .contains("accounts.google.com:aud: policy wants \"sts.amazonaws.com\", token has \"" + TestTokens.GSA_UNIQUE_ID + "\"");
    }

    @Test
    void evaluate_googleTokenWithoutAzp_audMapsToAud() {
        java.util.Map<String, Object> claims = new java.util.HashMap<>(
                TestTokens.googleClaims(Instant.now(), "sts.amazonaws.com").build().toJSONObject());
        claims.remove("azp");
        String byAud = policy(statement("Allow", "accounts.google.com",
                "{\"StringEquals\":{\"accounts.google.com:aud\":\"sts.amazonaws.com\","
                + "\"accounts.google.com:sub\":\"" + TestTokens.GSA_UNIQUE_ID + "\"}}"));
        assertThat(TrustPolicyEvaluator.evaluate(byAud, claims, ROLE).admitted()).isTrue();
    }

    @Test
    void evaluate_googleOaudOnly_admitsButWarnsAnyServiceAccountCouldAssume() {
        String oaudOnly = policy(statement("Allow", "accounts.google.com",
                "{\"StringEquals\":{\"accounts.google.com:oaud\":\"sts.amazonaws.com\"}}"));
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(oaudOnly, GOOGLE_TOKEN, ROLE);
        assertThat(verdict.admitted()).isTrue();
        assertThat(verdict.warnings()).singleElement().asString().contains("only accounts.google.com:oaud")
                .contains("any Google service account of any project");
    }

    @Test
    void evaluate_noSubCondition_warns() {
        String audOnly = "{\"StringEquals\":{\"" + GKE_HOST + ":aud\":\"sts.amazonaws.com\"}}";
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(gkePolicy(audOnly), GKE_TOKEN, ROLE);
        assertThat(verdict.admitted()).isTrue();
        assertThat(verdict.warnings()).singleElement().asString().contains("no condition on " + GKE_HOST + ":sub");
    }

    @Test
    void evaluate_wrongIssuerOrAccountInFederatedPrincipal_saysWhy() {
        String otherCluster = policy(statement("Allow",
                "arn:aws:iam::123456789012:oidc-provider/container.googleapis.com/v1/projects/p/locations/l/clusters/other",
                exact(GKE_SUB)));
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(otherCluster, GKE_TOKEN, ROLE);
        assertThat(verdict.admitted()).isFalse();
        assertThat(verdict.reasons()).anySatisfy(r -> assertThat(r).contains("Principal.Federated").contains(GKE_PROVIDER));

        String otherAccount = policy(statement("Allow", "arn:aws:iam::999999999999:oidc-provider/" + GKE_HOST, exact(GKE_SUB)));
        assertThat(TrustPolicyEvaluator.evaluate(otherAccount, GKE_TOKEN, ROLE).reasons())
                .anySatisfy(r -> assertThat(r).contains("another account"));
    }

    @Test
    void evaluate_keyOfAnotherProvider_isNamedAsSuch() {
        String googleKeys = "{\"StringEquals\":{\"accounts.google.com:sub\":\"" + GKE_SUB + "\"}}";
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(gkePolicy(googleKeys), GKE_TOKEN, ROLE);
        assertThat(verdict.admitted()).isFalse();
        assertThat(verdict.reasons()).singleElement().asString().contains("another identity provider");
    }

    @Test
    void evaluate_actionNotCovered_saysSo() {
        String json = policy("{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\"" + GKE_PROVIDER + "\"},"
                + "\"Action\":\"sts:AssumeRole\",\"Condition\":" + exact(GKE_SUB) + "}");
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(json, GKE_TOKEN, ROLE);
        assertThat(verdict.admitted()).isFalse();
        assertThat(verdict.reasons()).anySatisfy(r -> assertThat(r).contains("does not cover sts:AssumeRoleWithWebIdentity"));
        String wildcard = json.replace("sts:AssumeRole\"", "sts:*\"");
        assertThat(TrustPolicyEvaluator.evaluate(wildcard, GKE_TOKEN, ROLE).admitted()).isTrue();
    }

    @Test
    void evaluate_secondStatementAdmits() {
        String json = policy(
                "{\"Sid\":\"Payments\"," + statement("Allow", GKE_PROVIDER, exact("system:serviceaccount:payments:payments-api")).substring(1),
                "{\"Sid\":\"Checkout\"," + statement("Allow", GKE_PROVIDER, exact(GKE_SUB)).substring(1));
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(json, GKE_TOKEN, ROLE);
        assertThat(verdict.admitted()).isTrue();
        assertThat(verdict.matchedStatement()).isEqualTo("\"Checkout\" (#2)");
    }

    @Test
    void evaluate_explicitDeny_overridesAllow() {
        String json = policy(statement("Allow", GKE_PROVIDER, exact(GKE_SUB)),
                "{\"Sid\":\"NoCheckout\"," + statement("Deny", GKE_PROVIDER,
                        "{\"StringLike\":{\"" + GKE_HOST + ":sub\":\"system:serviceaccount:checkout:*\"}}").substring(1));
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(json, GKE_TOKEN, ROLE);
        assertThat(verdict.outcome()).isEqualTo(PolicyVerdict.Outcome.DENIED_EXPLICITLY);
        assertThat(verdict.matchedStatement()).isEqualTo("\"NoCheckout\" (#2)");
    }

    @Test
    void evaluate_urlEncodedPolicyFromGetRole_isDecoded() {
        String encoded = URLEncoder.encode(gkePolicy(exact(GKE_SUB)), StandardCharsets.UTF_8).replace("+", "%20");
        assertThat(TrustPolicyEvaluator.evaluate(encoded, GKE_TOKEN, ROLE).admitted()).isTrue();
    }

    @Test
    void evaluate_unsupportedOperator_cannotEvaluateRatherThanPass() {
        String json = gkePolicy("{\"StringEquals\":{\"" + GKE_HOST + ":sub\":\"" + GKE_SUB + "\"},"
                + "\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.0/8\"}}");
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(json, GKE_TOKEN, ROLE);
        assertThat(verdict.outcome()).isEqualTo(PolicyVerdict.Outcome.CANNOT_EVALUATE);
        assertThat(verdict.describe()).contains("IpAddress");
    }

    @Test
    void evaluate_allowThatCannotBeEvaluatedBesideAnAllowThatMatches_admits() {
        // Allows are ORed: one that matches admits whatever another one would say.
        String json = policy(statement("Allow", GKE_PROVIDER, "{\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.0/8\"}}"),
                statement("Allow", GKE_PROVIDER, exact(GKE_SUB)));

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(json, GKE_TOKEN, ROLE);

        assertThat(verdict.outcome()).isEqualTo(PolicyVerdict.Outcome.ADMITTED);
        assertThat(verdict.matchedStatement()).isEqualTo("#2");
    }

    @Test
    void evaluate_denyThatCannotBeEvaluated_cannotEvaluateEvenBesideAMatchingAllow() {
        String json = policy(statement("Allow", GKE_PROVIDER, exact(GKE_SUB)),
                statement("Deny", GKE_PROVIDER, "{\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.0/8\"}}"));

        assertThat(TrustPolicyEvaluator.evaluate(json, GKE_TOKEN, ROLE).outcome())
                .isEqualTo(PolicyVerdict.Outcome.CANNOT_EVALUATE);
    }

    @Test
    void evaluate_malformedPolicyOrRoleArn_explains() {
        assertThatThrownBy(() -> TrustPolicyEvaluator.evaluate("{not json", GKE_TOKEN, ROLE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not valid JSON")
                .hasMessageContaining("line 1, column")
                .hasMessageNotContaining("{not json").hasMessageNotContaining("jackson")
                .hasMessageNotContaining("Exception");
        assertThatThrownBy(() -> TrustPolicyEvaluator.evaluate(gkePolicy(exact(GKE_SUB)), GKE_TOKEN, "my-role"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("my-role");
    }

    private static final String ACTION = "\"Action\":\"sts:AssumeRoleWithWebIdentity\"";
    private static final String PRINCIPAL = "\"Principal\":{\"Federated\":\"" + GKE_PROVIDER + "\"}";
    private static final String CONDITION = "\"Condition\":" + "{\"StringEquals\":{\"" + GKE_HOST + ":sub\":\"" + GKE_SUB + "\"}}";

    /** Every member of the class "an element the evaluator does not understand", each of which once admitted. */
    static Stream<Arguments> malformedPolicies() {
        return Stream.of(
                Arguments.of("lower-case deny", policy("{\"Effect\":\"deny\"," + PRINCIPAL + "," + ACTION + "," + CONDITION + "}"),
                        "Effect is \"deny\""),
                Arguments.of("lower-case allow", policy("{\"Effect\":\"allow\"," + PRINCIPAL + "," + ACTION + "," + CONDITION + "}"),
                        "Effect is \"allow\""),
                Arguments.of("bogus effect", policy("{\"Effect\":\"Bogus\"," + PRINCIPAL + "," + ACTION + "," + CONDITION + "}"),
                        "Effect is \"Bogus\""),
                Arguments.of("effect not a string", policy("{\"Effect\":true," + PRINCIPAL + "," + ACTION + "," + CONDITION + "}"),
                        "Effect is the boolean true"),
                Arguments.of("no effect", policy("{" + PRINCIPAL + "," + ACTION + "," + CONDITION + "}"),
                        "has no Effect"),
                Arguments.of("mis-cased element", policy("{\"effect\":\"Allow\"," + PRINCIPAL + "," + ACTION + "," + CONDITION + "}"),
                        "\"effect\" is not an IAM statement element (did you mean \"Effect\"?)"),
                Arguments.of("unknown element", policy("{\"Effect\":\"Allow\"," + PRINCIPAL + "," + ACTION + "," + CONDITION
                        + ",\"Unless\":{\"StringEquals\":{\"x\":\"y\"}}}"), "\"Unless\" is not an IAM statement element"),
                Arguments.of("misspelt Condition", policy("{\"Effect\":\"Allow\"," + PRINCIPAL + "," + ACTION
                        + ",\"Conditions\":{\"StringEquals\":{\"" + GKE_HOST + ":sub\":\"someone-else\"}}}"),
                        "\"Conditions\" is not an IAM statement element"),
                Arguments.of("unknown top-level element", "{\"Version\":\"2012-10-17\",\"Statements\":[]," + "\"Statement\":["
                        + statement("Allow", GKE_PROVIDER, exact(GKE_SUB)) + "]}", "\"Statements\" is not an IAM policy element"),
                Arguments.of("wrong version", "{\"Version\":\"2024-01-01\",\"Statement\":["
                        + statement("Allow", GKE_PROVIDER, exact(GKE_SUB)) + "]}", "Version is \"2024-01-01\""),
                Arguments.of("unknown operator", gkePolicy("{\"StringEqualz\":{\"" + GKE_HOST + ":sub\":\"someone-else\"}}"),
                        "the condition operator \"StringEqualz\" is not one IAM knows"),
                Arguments.of("mis-cased operator", gkePolicy("{\"stringequals\":{\"" + GKE_HOST + ":sub\":\"" + GKE_SUB + "\"}}"),
                        "(did you mean \"StringEquals\"?)"),
                Arguments.of("mis-cased IfExists", gkePolicy("{\"StringEqualsifexists\":{\"" + GKE_HOST + ":sub\":\"" + GKE_SUB + "\"}}"),
                        "(did you mean \"StringEqualsIfExists\"?)"),
                Arguments.of("condition value an object", gkePolicy("{\"StringEquals\":{\"" + GKE_HOST + ":sub\":{\"any\":\"x\"}}}"),
                        "is a object; IAM expects a string or a list"),
                Arguments.of("condition value null", gkePolicy("{\"StringEquals\":{\"" + GKE_HOST + ":sub\":null}}"),
                        "is a null"),
                Arguments.of("condition value empty list", gkePolicy("{\"StringNotEquals\":{\"" + GKE_HOST + ":sub\":[]}}"),
                        "is an empty list"),
                Arguments.of("condition value nested list", gkePolicy("{\"StringEquals\":{\"" + GKE_HOST + ":sub\":[[\"" + GKE_SUB + "\"]]}}"),
                        "holds a list"),
                Arguments.of("condition block a string", gkePolicy("{\"StringEquals\":\"" + GKE_SUB + "\"}"),
                        "not an object of condition keys"),
                Arguments.of("condition a list", gkePolicy("[]"), "Condition is a list"),
                Arguments.of("principal type mis-cased", policy("{\"Effect\":\"Allow\",\"Principal\":{\"federated\":\""
                        + GKE_PROVIDER + "\"}," + ACTION + "," + CONDITION + "}"), "unknown principal type \"federated\""),
                Arguments.of("principal a bare string", policy("{\"Effect\":\"Allow\",\"Principal\":\"" + GKE_PROVIDER + "\","
                        + ACTION + "," + CONDITION + "}"), "IAM accepts only \"*\""),
                Arguments.of("action a number", policy("{\"Effect\":\"Allow\"," + PRINCIPAL + ",\"Action\":7," + CONDITION + "}"),
                        "Action is a number"),
                Arguments.of("resource in a trust policy", policy("{\"Effect\":\"Allow\"," + PRINCIPAL + "," + ACTION + ","
                        + CONDITION + ",\"Resource\":\"*\"}"), "may not have Resource"),
                Arguments.of("statement a string", policy("\"Allow everything\""), "the statement is a string"),
                Arguments.of("policy a list", "[" + statement("Allow", GKE_PROVIDER, exact(GKE_SUB)) + "]", "the policy is a JSON list"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedPolicies")
    void evaluate_elementIamDoesNotAccept_cannotBeAdmittedAsWritten(String name, String policy, String reason) {
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(policy, GKE_TOKEN, ROLE);
        assertThat(verdict.outcome()).as(name).isEqualTo(PolicyVerdict.Outcome.INVALID);
        assertThat(verdict.admitted()).isFalse();
        assertThat(verdict.reasons()).as(name).anySatisfy(r -> assertThat(r).contains(reason));
        assertThat(verdict.describe()).contains("CANNOT BE ADMITTED AS WRITTEN").contains(reason);
    }

    @Test
    void evaluate_wellFormedAllowBesideMalformedStatement_stillCannotBeAdmitted() {
        String policy = policy(statement("Allow", GKE_PROVIDER, exact(GKE_SUB)),
                "{\"Effect\":\"deny\"," + PRINCIPAL + "," + ACTION + "}");
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(policy, GKE_TOKEN, ROLE);
        assertThat(verdict.outcome()).isEqualTo(PolicyVerdict.Outcome.INVALID);
        assertThat(verdict.statements().get(1).effect()).isEqualTo("unknown Effect");
        assertThat(verdict.reasons()).containsExactly("#2: Effect is \"deny\"; IAM accepts exactly \"Allow\" or "
                + "\"Deny\" (case-sensitive)");
    }

    @Test
    void evaluate_conditionValuesAsNumbersAndBooleans_areAccepted() {
        String policy = gkePolicy("{\"StringEquals\":{\"" + GKE_HOST + ":sub\":\"" + GKE_SUB + "\"},"
                + "\"Null\":{\"" + GKE_HOST + ":amr\":true}}");
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(policy, GKE_TOKEN, ROLE);
        assertThat(verdict.problems()).isEmpty();
        assertThat(verdict.outcome()).isEqualTo(PolicyVerdict.Outcome.ADMITTED);
    }

    @Test
    void describe_sidAndClaimWithNewlinesAndEscapes_staysOnItsLines() {
        String policy = policy("{\"Sid\":\"a\\n[PASS] forged\\u001b[31m\",\"Effect\":\"Allow\"," + PRINCIPAL + ","
                + ACTION + ",\"Condition\":{\"StringEquals\":{\"" + GKE_HOST + ":sub\":\"x\\n[PASS] also\\u202e\"}}}");
        String text = TrustPolicyEvaluator.evaluate(policy, GKE_TOKEN, ROLE).describe();
        assertThat(text.lines()).noneMatch(line -> line.startsWith("[PASS]"));
        assertThat(text).doesNotContain("\u001b").doesNotContain("\u202e").contains("\\n[PASS] forged\\u001b[31m");
    }

    // Rule: a condition key compared with another claim than its name suggests says which, and what was meant.
    // accounts.google.com:aud "matches ... azp when the azp field is set", and then "the aud field matches the
    // accounts.google.com:oaud condition key" (https://docs.aws.amazon.com/IAM/latest/UserGuide/
    // reference_policies_iam-condition-keys.html, "Available keys for AWS web identity federation").

    private static String googlePolicy(String conditions) {
        return policy(statement("Allow", "accounts.google.com", "{\"StringEquals\":{" + conditions
                + ",\"accounts.google.com:sub\":\"" + TestTokens.GSA_UNIQUE_ID + "\"}}"));
    }

    @Test
    void evaluate_googleAudConditionThatHolds_notesItIsComparedWithAzpNotAud() {
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(
                googlePolicy("\"accounts.google.com:aud\":\"" + TestTokens.GSA_UNIQUE_ID + "\""), GOOGLE_TOKEN, ROLE);

        assertThat(verdict.admitted()).isTrue();
        assertThat(verdict.statements().get(0).notes()).containsExactly("accounts.google.com:aud is compared with the "
                + "token's azp (\"" + TestTokens.GSA_UNIQUE_ID + "\"), not its aud (\"sts.amazonaws.com\"); for aud use "
                + "accounts.google.com:oaud");
        assertThat(verdict.describe()).contains("    note: accounts.google.com:aud is compared with the token's azp");
    }

    @Test
    void evaluate_googleAudConditionWantingTheTokensAud_failsSayingOaudWasMeant() {
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(
                googlePolicy("\"accounts.google.com:aud\":\"sts.amazonaws.com\""), GOOGLE_TOKEN, ROLE);

        assertThat(verdict.admitted()).isFalse();
        assertThat(verdict.reasons()).containsExactly("#1: StringEquals accounts.google.com:aud: policy wants "
                + "\"sts.amazonaws.com\", token has \"" + TestTokens.GSA_UNIQUE_ID + "\"; accounts.google.com:aud is "
                + "compared with the token's azp (\"" + TestTokens.GSA_UNIQUE_ID + "\"), not its aud "
                + "(\"sts.amazonaws.com\"); the policy's value \"sts.amazonaws.com\" is the token's aud, so you "
                + "probably meant accounts.google.com:oaud");
        assertThat(verdict.statements().get(0).notes()).as("said once, in the reason").isEmpty();
    }

    @Test
    void evaluate_googleAudConditionWantingAnotherValue_failsNamingTheClaimCompared() {
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(
                googlePolicy("\"accounts.google.com:aud\":\"999\""), GOOGLE_TOKEN, ROLE);

        assertThat(verdict.reasons()).singleElement().asString().endsWith("accounts.google.com:aud is compared with the "
                + "token's azp (\"" + TestTokens.GSA_UNIQUE_ID + "\"), not its aud (\"sts.amazonaws.com\"); for aud use "
                + "accounts.google.com:oaud");
    }

    @Test
    void evaluate_googleOaudConditionWantingTheTokensAzp_failsSayingAudWasMeant() {
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(
                googlePolicy("\"accounts.google.com:oaud\":\"" + TestTokens.GSA_UNIQUE_ID + "\""), GOOGLE_TOKEN, ROLE);

        assertThat(verdict.admitted()).isFalse();
        assertThat(verdict.reasons()).singleElement().asString().endsWith("accounts.google.com:oaud is compared with "
                + "the token's aud (\"sts.amazonaws.com\"), not its azp (\"" + TestTokens.GSA_UNIQUE_ID + "\"); the "
                + "policy's value \"" + TestTokens.GSA_UNIQUE_ID + "\" is the token's azp, so you probably meant "
                + "accounts.google.com:aud");
    }

    @Test
    void evaluate_googleTokenWhoseAzpIsItsAud_hasNoNoteForAud() {
        String sameAzp = TestTokens.google(Instant.now(), TestTokens.GSA_UNIQUE_ID);
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(
                googlePolicy("\"accounts.google.com:aud\":\"" + TestTokens.GSA_UNIQUE_ID + "\""), sameAzp, ROLE);

        assertThat(verdict.admitted()).isTrue();
        assertThat(verdict.statements().get(0).notes()).isEmpty();
    }

    @Test
    void evaluate_externalIdInAWebIdentityPolicy_neverMatchesAndIsNamedInAWarning() {
        String json = gkePolicy("{\"StringEquals\":{\"" + GKE_HOST + ":sub\":\"" + GKE_SUB + "\",\"sts:ExternalId\":\"x\"}}");

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(json, GKE_TOKEN, ROLE);

        assertThat(verdict.outcome()).isEqualTo(PolicyVerdict.Outcome.NOT_ADMITTED);
        assertThat(verdict.warnings()).anySatisfy(w -> assertThat(w).startsWith("#1: sts:ExternalId is carried only by "
                + "sts:AssumeRole calls").contains("AssumeRoleWithWebIdentity call never carries it"));
    }

    // Rule: an admitted token is never reported without what would make STS refuse it anyway.

    private static final Instant ISSUED = Instant.parse("2025-03-01T12:00:00Z");

    private static Clock at(Instant instant) {
        return Clock.fixed(instant, ZoneOffset.UTC);
    }

    @Test
    void evaluate_expiredTokenThePolicyAdmits_isAdmittedButRefusedForItsExpiry() {
        String token = TestTokens.gke(ISSUED, Duration.ofHours(1));

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(gkePolicy(exact(GKE_SUB)), token, ROLE,
                at(ISSUED.plus(Duration.ofHours(2))));

        assertThat(verdict.admitted()).isTrue();
        assertThat(verdict.passes()).isFalse();
        assertThat(verdict.refusals()).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo("expired");
            assertThat(f.message()).contains("2025-03-01T13:00:00Z");
        });
        assertThat(verdict.describe()).contains("ADMITTED by #1, but STS would refuse the call anyway (1 reason below)",
                "STS would refuse the call anyway:\n  - expired: The token expired at 2025-03-01T13:00:00Z");
        assertThat(TrustPolicyEvaluator.evaluate(gkePolicy(exact(GKE_SUB)), token, ROLE,
                at(ISSUED.plus(Duration.ofMinutes(30)))).passes()).isTrue();
    }

    @Test
    void evaluate_tokenNotYetValid_isRefusedBeyondTheSkewOnly() {
        String token = TestTokens.gke(ISSUED, Duration.ofHours(1));

        PolicyVerdict early = TrustPolicyEvaluator.evaluate(gkePolicy(exact(GKE_SUB)), token, ROLE,
                at(ISSUED.minus(Duration.ofMinutes(5))));
        assertThat(early.admitted()).isTrue();
        assertThat(early.refusals()).extracting(Finding::code).containsExactly("clock-skew", "clock-skew");
        assertThat(early.refusals()).extracting(Finding::message).anySatisfy(m -> assertThat(m).contains("nbf"))
                .anySatisfy(m -> assertThat(m).contains("iat"));

        assertThat(TrustPolicyEvaluator.evaluate(gkePolicy(exact(GKE_SUB)), token, ROLE,
                at(ISSUED.minus(Duration.ofSeconds(30)))).passes()).as("within the skew").isTrue();
    }

    @Test
    void evaluate_tokenWithoutSubOrAud_isRefusedEvenByAPolicyWithoutConditions() {
        java.util.Map<String, Object> claims = new java.util.HashMap<>(
                TestTokens.gkeClaims(ISSUED, Duration.ofHours(1)).build().toJSONObject());
        claims.remove("sub");
        claims.remove("aud");

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(gkePolicy(null), claims, ROLE, at(ISSUED));

        assertThat(verdict.admitted()).isTrue();
        assertThat(verdict.refusals()).extracting(Finding::code).containsExactly("no-sub", "no-aud");
        assertThat(verdict.passes()).isFalse();
    }

    @Test
    void evaluate_oidcProviderOfAnotherAccount_isARefusal() {
        String json = policy(statement("Allow", "arn:aws:iam::999999999999:oidc-provider/" + GKE_HOST, exact(GKE_SUB)));

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(json, GKE_TOKEN, ROLE);

        assertThat(verdict.admitted()).isFalse();
        assertThat(verdict.refusals()).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo("provider-account");
            assertThat(f.message()).contains("arn:aws:iam::999999999999:oidc-provider/" + GKE_HOST)
                    .contains("role's own account, 123456789012");
        });
    }

    @Test
    void evaluate_policyWithoutTheWebIdentityAction_isAMissingActionRefusal() {
        String json = policy("{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\"" + GKE_PROVIDER + "\"},"
                + "\"Action\":\"sts:AssumeRole\",\"Condition\":" + exact(GKE_SUB) + "}");

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(json, GKE_TOKEN, ROLE);

        assertThat(verdict.refusals()).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo("missing-action");
            assertThat(f.fix()).contains("\"sts:AssumeRoleWithWebIdentity\"").contains("Principal.Federated");
        });
    }

    @Test
    void evaluate_anyToken_saysWhatWasNotCheckedOffline() {
        PolicyVerdict gke = TrustPolicyEvaluator.evaluate(gkePolicy(exact(GKE_SUB)), GKE_TOKEN, ROLE);
        assertThat(gke.notCheckedOffline()).hasSize(2);
        assertThat(gke.notCheckedOffline().get(0)).startsWith("The token's signature");
        assertThat(gke.notCheckedOffline().get(1)).contains(GKE_PROVIDER, "client IDs", "sts.amazonaws.com");

        PolicyVerdict google = TrustPolicyEvaluator.evaluate(googlePolicy("\"accounts.google.com:aud\":\""
                + TestTokens.GSA_UNIQUE_ID + "\""), GOOGLE_TOKEN, ROLE);
        assertThat(google.notCheckedOffline()).singleElement().asString().startsWith("The token's signature");
    }

    @Test
    void evaluate_reportOverload_judgesExpiryAtTheReportsTime() {
        String token = TestTokens.gke(ISSUED, Duration.ofHours(1));

        TokenReport fresh = TokenInspector.inspect(token, at(ISSUED.plus(Duration.ofMinutes(1))));
        TokenReport stale = TokenInspector.inspect(token, at(ISSUED.plus(Duration.ofHours(3))));

        assertThat(TrustPolicyEvaluator.evaluate(gkePolicy(exact(GKE_SUB)), fresh, ROLE).passes()).isTrue();
        assertThat(TrustPolicyEvaluator.evaluate(gkePolicy(exact(GKE_SUB)), stale, ROLE).refusals())
                .extracting(Finding::code).containsExactly("expired");
    }
}
