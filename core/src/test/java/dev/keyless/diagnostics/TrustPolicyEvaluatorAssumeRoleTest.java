package dev.keyless.diagnostics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code sts:AssumeRole} by a role's session (a hop of a chain) against the target role's trust policy. Each rule
 * is IAM's, from the IAM User Guide page named beside the test.
 */
class TrustPolicyEvaluatorAssumeRoleTest {

    private static final String CALLER = "arn:aws:iam::111122223333:role/landing";
    private static final String TARGET = "arn:aws:iam::444455556666:role/bucket-owner";
    private static final String SECRET_EXTERNAL_ID = "Extern4l-Id-Shared.Secret";

    private static final AssumeRoleCall PLAIN = AssumeRoleCall.of(CALLER, TARGET);

    private static String policy(String... statements) {
        return "{\"Version\":\"2012-10-17\",\"Statement\":[" + String.join(",", statements) + "]}";
    }

    private static String statement(String effect, String principal, String action, String condition) {
        return "{\"Effect\":\"" + effect + "\",\"Principal\":" + principal + ",\"Action\":" + action
                + (condition == null ? "" : ",\"Condition\":" + condition) + "}";
    }

    private static String allow(String principal, String condition) {
        return statement("Allow", principal, "\"sts:AssumeRole\"", condition);
    }

    private static String aws(String id) {
        return "{\"AWS\":\"" + id + "\"}";
    }

    private static AssumeRoleCall withTags(Map<String, String> tags, List<String> transitive) {
        return new AssumeRoleCall(CALLER, TARGET, null, tags, transitive, null);
    }

    private static Map<String, String> tags(String... keysAndValues) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            tags.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return tags;
    }

    // Principal forms: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html

    @Test
    void evaluate_assumeRole_callerRoleArnPrincipal_admitsWithoutWarnings() {
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(policy(allow(aws(CALLER), null)), PLAIN);

        assertThat(verdict.outcome()).isEqualTo(PolicyVerdict.Outcome.ADMITTED);
        assertThat(verdict.passes()).isTrue();
        assertThat(verdict.matchedStatement()).isEqualTo("#1");
        assertThat(verdict.warnings()).isEmpty();
        assertThat(verdict.describe()).startsWith("Trust policy of " + TARGET + ", for sts:AssumeRole by role " + CALLER
                + ": ADMITTED by #1");
    }

    @Test
    void evaluate_assumeRole_accountRootPrincipal_admitsAnyRoleOfThatAccount() {
        // "The account ARN and the shortened account ID behave the same way ... does not limit permissions to only
        // the root user of the account" (Principal, "AWS account principals").
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(
                policy(allow(aws("arn:aws:iam::111122223333:root"), null)), PLAIN);

        assertThat(verdict.admitted()).isTrue();
        assertThat(verdict.warnings()).singleElement().asString().contains("trusts account 111122223333 as a whole")
                .contains(CALLER);
        assertThat(TrustPolicyEvaluator.evaluate(policy(allow(aws("arn:aws:iam::999999999999:root"), null)), PLAIN)
                .outcome()).isEqualTo(PolicyVerdict.Outcome.NOT_ADMITTED);
    }

    @Test
    void evaluate_assumeRole_accountIdPrincipal_admitsAnyRoleOfThatAccount() {
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(policy(allow(aws("111122223333"), null)), PLAIN);

        assertThat(verdict.admitted()).isTrue();
        assertThat(TrustPolicyEvaluator.evaluate(policy(allow(aws("444455556666"), null)), PLAIN).admitted()).isFalse();
    }

    @Test
    void evaluate_assumeRole_accountPrincipalWithPrincipalArnCondition_admitsWithoutTheAccountWarning() {
        String json = policy(allow(aws("111122223333"), "{\"ArnEquals\":{\"aws:PrincipalArn\":\"" + CALLER + "\"}}"));

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(json, PLAIN);

        assertThat(verdict.admitted()).isTrue();
        assertThat(verdict.warnings()).isEmpty();
    }

    @Test
    void evaluate_assumeRole_everyPrincipal_admitsAndWarns() {
        // "Principal": "*" and {"AWS": "*"} are equivalent (Principal, "All principals").
        for (String everyone : List.of("\"*\"", aws("*"))) {
            PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(policy(allow(everyone, null)), PLAIN);

            assertThat(verdict.admitted()).as(everyone).isTrue();
            assertThat(verdict.warnings()).singleElement().asString().contains("any principal of any AWS account");
        }
    }

    @Test
    void evaluate_assumeRole_principalList_admitsWhenOneEntryNamesTheCaller() {
        // Several principals are ORed (Principal: "You can specify more than one principal ... a logical OR").
        String principal = "{\"AWS\":[\"arn:aws:iam::111122223333:role/other\",\"" + CALLER + "\"]}";

        assertThat(TrustPolicyEvaluator.evaluate(policy(allow(principal, null)), PLAIN).admitted()).isTrue();
    }

    @Test
    void evaluate_assumeRole_differentRole_notAdmittedNamingBoth() {
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(
                policy(allow(aws("arn:aws:iam::111122223333:role/payments"), null)), PLAIN);

        assertThat(verdict.outcome()).isEqualTo(PolicyVerdict.Outcome.NOT_ADMITTED);
        assertThat(verdict.reasons()).containsExactly("#1: Principal.AWS is [arn:aws:iam::111122223333:role/payments], "
                + "which names neither the caller role " + CALLER + " nor its account 111122223333");
    }

    @Test
    void evaluate_assumeRole_sameRoleNameInAnotherAccount_saysWhichAccount() {
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(
                policy(allow(aws("arn:aws:iam::999999999999:role/landing"), null)), PLAIN);

        assertThat(verdict.admitted()).isFalse();
        assertThat(verdict.reasons()).singleElement().asString()
                .contains("names a role of that name in account 999999999999; the caller role is in 111122223333");
    }

    @Test
    void evaluate_assumeRole_federatedOrServicePrincipal_neverAdmitsARoleSession() {
        for (String principal : List.of("{\"Federated\":\"accounts.google.com\"}",
                "{\"Service\":\"ec2.amazonaws.com\"}")) {
            PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(policy(allow(principal, null)), PLAIN);

            assertThat(verdict.outcome()).as(principal).isEqualTo(PolicyVerdict.Outcome.NOT_ADMITTED);
            assertThat(verdict.reasons()).singleElement().asString().startsWith("#1: no Principal.AWS")
                    .contains("never a role's session").contains("Principal {\"AWS\": \"" + CALLER + "\"}");
        }
    }

    @Test
    void evaluate_assumeRole_sessionArnPrincipal_cannotBeEvaluatedWithoutTheSessionName() {
        // An assumed-role session principal names one session (Principal, "Role session principals").
        String json = policy(allow(aws("arn:aws:sts::111122223333:assumed-role/landing/checkout"), null));

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(json, PLAIN);

        assertThat(verdict.outcome()).isEqualTo(PolicyVerdict.Outcome.CANNOT_EVALUATE);
        assertThat(verdict.reasons()).singleElement().asString().contains("one session of role landing")
                .contains("session name");
    }

    @Test
    void evaluate_assumeRole_assumedRoleArnAsCaller_isRefusedNamingTheRoleArn() {
        assertThatThrownBy(() -> TrustPolicyEvaluator.evaluate(policy(allow(aws(CALLER), null)),
                AssumeRoleCall.of("arn:aws:sts::111122223333:assumed-role/landing/checkout", TARGET)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("assumed-role session ARN")
                .hasMessageContaining("arn:aws:iam::111122223333:role/landing");
        assertThatThrownBy(() -> TrustPolicyEvaluator.evaluate(policy(allow(aws(CALLER), null)),
                AssumeRoleCall.of(CALLER, "bucket-owner")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'bucket-owner' is not a role ARN");
    }

    @Test
    void evaluate_assumeRole_notPrincipal_isNotEvaluatedAndSaysWhy() {
        // "You cannot use the NotPrincipal element in ... an IAM role trust policy" (NotPrincipal).
        String json = policy("{\"Effect\":\"Allow\",\"NotPrincipal\":" + aws("arn:aws:iam::111122223333:role/x")
                + ",\"Action\":\"sts:AssumeRole\"}");

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(json, PLAIN);

        assertThat(verdict.admitted()).isFalse();
        assertThat(verdict.reasons()).singleElement().asString()
                .contains("IAM does not accept NotPrincipal in a role trust policy");
    }

    // Actions: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
    // ("The prefix and the action name are case insensitive"; wildcards in the action name).

    @Test
    void evaluate_assumeRole_actionWildcardsAndCase_followIamActionMatching() {
        for (String action : List.of("\"sts:*\"", "\"sts:Assume*\"", "\"STS:assumerole\"", "\"sts:Assume?ole\"",
                "\"*\"", "[\"s3:GetObject\",\"sts:AssumeRole\"]")) {
            assertThat(TrustPolicyEvaluator.evaluate(policy(statement("Allow", aws(CALLER), action, null)), PLAIN)
                    .admitted()).as(action).isTrue();
        }
        PolicyVerdict webIdentityOnly = TrustPolicyEvaluator.evaluate(
                policy(statement("Allow", aws(CALLER), "\"sts:AssumeRoleWithWebIdentity\"", null)), PLAIN);
        assertThat(webIdentityOnly.admitted()).isFalse();
        assertThat(webIdentityOnly.reasons()).containsExactly(
                "#1: Action is [sts:AssumeRoleWithWebIdentity], which does not cover sts:AssumeRole");
        assertThat(webIdentityOnly.refusals()).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo("missing-action");
            assertThat(f.message()).contains("covers sts:AssumeRole");
        });
    }

    // External ID: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html and
    // "sts:ExternalId" in reference_policies_iam-condition-keys.html (present only when the caller provides one).

    private static final String EXTERNAL_ID_POLICY = policy(allow(aws(CALLER),
            "{\"StringEquals\":{\"sts:ExternalId\":\"" + SECRET_EXTERNAL_ID + "\"}}"));

    @Test
    void evaluate_assumeRole_externalIdMissing_notAdmitted() {
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(EXTERNAL_ID_POLICY, PLAIN);

        assertThat(verdict.outcome()).isEqualTo(PolicyVerdict.Outcome.NOT_ADMITTED);
        assertThat(verdict.reasons()).containsExactly("#1: StringEquals sts:ExternalId: policy wants 1 value (not shown), "
                + "the call has no such value (the call sends no external ID)");
    }

    @Test
    void evaluate_assumeRole_externalIdWrong_notAdmittedWithNeitherValueShown() {
        AssumeRoleCall call = new AssumeRoleCall(CALLER, TARGET, "another-id", null, null, null);

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(EXTERNAL_ID_POLICY, call);

        assertThat(verdict.outcome()).isEqualTo(PolicyVerdict.Outcome.NOT_ADMITTED);
        assertThat(verdict.reasons()).singleElement().asString().contains("sts:ExternalId")
                .contains("not among them (not shown)");
        assertThat(verdict.describe() + verdict.refusals() + verdict.notCheckedOffline())
                .doesNotContain(SECRET_EXTERNAL_ID).doesNotContain("another-id");
    }

    @Test
    void evaluate_assumeRole_externalIdDiffersInCase_saysSoWithoutShowingIt() {
        AssumeRoleCall call = new AssumeRoleCall(CALLER, TARGET, SECRET_EXTERNAL_ID.toLowerCase(), null, null, null);

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(EXTERNAL_ID_POLICY, call);

        assertThat(verdict.admitted()).isFalse();
        assertThat(verdict.reasons()).singleElement().asString().contains("differs from one only in letter case");
        assertThat(verdict.describe()).doesNotContainIgnoringCase(SECRET_EXTERNAL_ID);
    }

    @Test
    void evaluate_assumeRole_externalIdRight_admitsAndNeverShowsIt() {
        AssumeRoleCall call = new AssumeRoleCall(CALLER, TARGET, SECRET_EXTERNAL_ID, null, null, null);

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(EXTERNAL_ID_POLICY, call);

        assertThat(verdict.passes()).isTrue();
        assertThat(verdict.describe()).doesNotContain(SECRET_EXTERNAL_ID);
    }

    @Test
    void evaluate_assumeRole_externalIdSentButNoCondition_admits() {
        AssumeRoleCall call = new AssumeRoleCall(CALLER, TARGET, SECRET_EXTERNAL_ID, null, null, null);

        assertThat(TrustPolicyEvaluator.evaluate(policy(allow(aws(CALLER), null)), call).passes()).isTrue();
    }

    @Test
    void evaluate_assumeRole_externalIdStsWouldNotAccept_isARefusalThatHidesTheValue() {
        AssumeRoleCall call = new AssumeRoleCall(CALLER, TARGET, "has spaces in it", null, null, null);

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(policy(allow(aws(CALLER), null)), call);

        assertThat(verdict.admitted()).isTrue();
        assertThat(verdict.passes()).isFalse();
        assertThat(verdict.refusals()).extracting(Finding::code).containsExactly("external-id");
        assertThat(verdict.describe()).contains("16 characters").doesNotContain("has spaces in it");
    }

    // Session tags: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html ("Permissions required to
    // add session tags": sts:TagSession in the trust policy, else AssumeRole fails).

    @Test
    void evaluate_assumeRole_tagsSentWithoutTagSession_notAdmittedNamingTheMissingAction() {
        AssumeRoleCall call = withTags(tags("Project", "checkout"), null);

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(policy(allow(aws(CALLER), null)), call);

        assertThat(verdict.outcome()).isEqualTo(PolicyVerdict.Outcome.NOT_ADMITTED);
        assertThat(verdict.reasons()).containsExactly("#1: Action is [sts:AssumeRole], which does not cover "
                + "sts:TagSession (the call needs it because it sends session tags)");
        assertThat(verdict.refusals()).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo("missing-action");
            assertThat(f.message()).contains("sts:TagSession").contains("because it sends session tags");
        });
    }

    @Test
    void evaluate_assumeRole_tagSessionInItsOwnStatement_admittedByBoth() {
        String json = policy(allow(aws(CALLER), null),
                "{\"Sid\":\"Tags\"," + statement("Allow", aws(CALLER), "\"sts:TagSession\"", null).substring(1));

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(json, withTags(tags("Project", "checkout"), null));

        assertThat(verdict.passes()).isTrue();
        assertThat(verdict.matchedStatement()).isEqualTo("#1 and \"Tags\" (#2)");
        assertThat(verdict.reasons()).isEmpty();
    }

    private static String tagPolicy(String condition) {
        return policy(statement("Allow", aws(CALLER), "[\"sts:AssumeRole\",\"sts:TagSession\"]", condition));
    }

    @Test
    void evaluate_assumeRole_requestTag_matchesTheTagValueWhateverTheKeyCase() {
        // "aws:RequestTag/TagKey1 ... matches a request tag key named either TagKey1 or tagkey1"
        // (reference_policies_condition-keys.html, aws:RequestTag/tag-key).
        String json = tagPolicy("{\"StringEquals\":{\"aws:RequestTag/Project\":\"checkout\"}}");

        assertThat(TrustPolicyEvaluator.evaluate(json, withTags(tags("project", "checkout"), null)).passes()).isTrue();

        PolicyVerdict mismatch = TrustPolicyEvaluator.evaluate(json, withTags(tags("Project", "payments"), null));
        assertThat(mismatch.outcome()).isEqualTo(PolicyVerdict.Outcome.NOT_ADMITTED);
        assertThat(mismatch.reasons()).containsExactly("#1: StringEquals aws:RequestTag/Project: policy wants "
                + "\"checkout\", the call has \"payments\"");

        PolicyVerdict absent = TrustPolicyEvaluator.evaluate(json, withTags(tags("Team", "a"), null));
        assertThat(absent.reasons()).singleElement().asString().contains("(the call sends no session tag Project)");
    }

    @Test
    void evaluate_assumeRole_tagKeysForAllValues_admitsOnlySubsetsOfThePolicysKeys() {
        // ForAllValues: every request value must match a policy value, and it is true when the request carries no
        // values (reference_policies_multi-value-conditions.html).
        String json = tagPolicy("{\"ForAllValues:StringEquals\":{\"aws:TagKeys\":[\"Project\",\"CostCenter\"]}}");

        assertThat(TrustPolicyEvaluator.evaluate(json, withTags(tags("Project", "a"), null)).passes()).isTrue();
        PolicyVerdict extra = TrustPolicyEvaluator.evaluate(json, withTags(tags("Project", "a", "Team", "b"), null));
        assertThat(extra.admitted()).isFalse();
        assertThat(extra.reasons()).singleElement().asString().contains("[\"Project\", \"Team\"]");
        assertThat(TrustPolicyEvaluator.evaluate(json.replace("sts:TagSession", "sts:AssumeRole"), PLAIN).admitted())
                .as("no tags: ForAllValues is true").isTrue();
        assertThat(TrustPolicyEvaluator.evaluate(json, withTags(tags("Project", "a"), null)).warnings()).isEmpty();
    }

    @Test
    void evaluate_assumeRole_tagKeysForAnyValue_falseWithoutTagsEvenWhenNegated() {
        // "For no matching key or a null dataset, the condition returns false" (ForAnyValue).
        String json = policy(allow(aws(CALLER), "{\"ForAnyValue:StringNotEquals\":{\"aws:TagKeys\":\"Secret\"}}"));

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(json, PLAIN);

        assertThat(verdict.outcome()).isEqualTo(PolicyVerdict.Outcome.NOT_ADMITTED);
        assertThat(verdict.reasons()).singleElement().asString().contains("(the call sends no session tags)");
    }

    @Test
    void evaluate_assumeRole_tagKeysWithoutSetOperator_warnsAndCannotEvaluateSeveralKeys() {
        // "Multivalued condition keys require condition set operators ForAllValues or ForAnyValue"
        // (reference_policies_single-vs-multi-valued-condition-keys.html).
        String json = tagPolicy("{\"StringEquals\":{\"aws:TagKeys\":\"Project\"}}");

        PolicyVerdict one = TrustPolicyEvaluator.evaluate(json, withTags(tags("Project", "a"), null));
        assertThat(one.admitted()).isTrue();
        assertThat(one.warnings()).singleElement().asString().contains("multivalued key aws:TagKeys")
                .contains("ForAllValues: or ForAnyValue:");

        PolicyVerdict two = TrustPolicyEvaluator.evaluate(json, withTags(tags("Project", "a", "Team", "b"), null));
        assertThat(two.outcome()).isEqualTo(PolicyVerdict.Outcome.CANNOT_EVALUATE);
        assertThat(two.reasons()).singleElement().asString().contains("IAM does not document how StringEquals");
    }

    @Test
    void evaluate_assumeRole_setOperatorOnSingleValuedKey_warns() {
        String json = policy(allow(aws(CALLER), "{\"ForAllValues:StringEquals\":{\"sts:SourceIdentity\":\"alice\"}}"));

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(json, PLAIN);

        assertThat(verdict.admitted()).as("true when the key is absent").isTrue();
        assertThat(verdict.warnings()).singleElement().asString().contains("single-valued key sts:SourceIdentity")
                .contains("true when the call does not carry the key at all");
    }

    @Test
    void evaluate_assumeRole_transitiveTagKeys_needTagSessionAndMatchTheirCondition() {
        // sts:TransitiveTagKeys "compares the transitive session tag keys in the request" (id_session-tags.html).
        String json = tagPolicy("{\"ForAllValues:StringEquals\":{\"sts:TransitiveTagKeys\":[\"Project\"]}}");

        assertThat(TrustPolicyEvaluator.evaluate(json, withTags(tags("Project", "a"), List.of("Project"))).passes())
                .isTrue();
        PolicyVerdict other = TrustPolicyEvaluator.evaluate(json, withTags(tags("Team", "a"), List.of("Team")));
        assertThat(other.admitted()).isFalse();
        assertThat(other.reasons()).singleElement().asString()
                .contains("sts:TransitiveTagKeys: policy wants \"Project\", the call has \"Team\"");

        PolicyVerdict withoutTagSession = TrustPolicyEvaluator.evaluate(policy(allow(aws(CALLER), null)),
                withTags(null, List.of("Project")));
        assertThat(withoutTagSession.reasons()).singleElement().asString()
                .contains("sts:TagSession (the call needs it because it marks tag keys transitive)");
    }

    @Test
    void evaluate_assumeRole_tagsStsWouldRefuse_areRefusals() {
        Map<String, String> bad = tags("Project", "a", "project", "b", "aws:team", "c", "k".repeat(129), "d");

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(tagPolicy(null), withTags(bad, null));

        assertThat(verdict.admitted()).isTrue();
        assertThat(verdict.passes()).isFalse();
        assertThat(verdict.refusals()).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo("session-tags");
            assertThat(f.message()).contains("Project and project differ only in letter case")
                    .contains("the tag key aws:team begins with aws:").contains("has 129 characters (1 to 128)");
        });
    }

    // Source identity: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html
    // (sts:SetSourceIdentity in the target's trust policy; 2 to 64 characters, never starting with aws:).

    @Test
    void evaluate_assumeRole_sourceIdentityWithoutSetSourceIdentity_notAdmitted() {
        AssumeRoleCall call = new AssumeRoleCall(CALLER, TARGET, null, null, null, "alice");

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(policy(allow(aws(CALLER), null)), call);

        assertThat(verdict.outcome()).isEqualTo(PolicyVerdict.Outcome.NOT_ADMITTED);
        assertThat(verdict.reasons()).singleElement().asString()
                .contains("sts:SetSourceIdentity (the call needs it because it sets a source identity)");
        assertThat(verdict.refusals()).extracting(Finding::code).containsExactly("missing-action");
    }

    @Test
    void evaluate_assumeRole_sourceIdentityCondition_matchesTheValueSent() {
        String json = policy(statement("Allow", aws(CALLER), "[\"sts:AssumeRole\",\"sts:SetSourceIdentity\"]",
                "{\"StringEquals\":{\"sts:SourceIdentity\":\"alice\"}}"));

        assertThat(TrustPolicyEvaluator.evaluate(json, new AssumeRoleCall(CALLER, TARGET, null, null, null, "alice"))
                .passes()).isTrue();
        PolicyVerdict bob = TrustPolicyEvaluator.evaluate(json, new AssumeRoleCall(CALLER, TARGET, null, null, null, "bob"));
        assertThat(bob.admitted()).isFalse();
        assertThat(bob.reasons()).containsExactly("#1: StringEquals sts:SourceIdentity: policy wants \"alice\", the call "
                + "has \"bob\"");
        PolicyVerdict none = TrustPolicyEvaluator.evaluate(json.replace(",\"sts:SetSourceIdentity\"", ""), PLAIN);
        assertThat(none.reasons()).singleElement().asString().contains("(the call sets no source identity)");
    }

    @Test
    void evaluate_assumeRole_sourceIdentityStsWouldNotAccept_isARefusal() {
        String json = policy(statement("Allow", aws(CALLER), "[\"sts:AssumeRole\",\"sts:SetSourceIdentity\"]", null));

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(json,
                new AssumeRoleCall(CALLER, TARGET, null, null, null, "aws:alice"));

        assertThat(verdict.admitted()).isTrue();
        assertThat(verdict.refusals()).extracting(Finding::code).containsExactly("source-identity");
    }

    // Explicit deny: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
    // ("An explicit deny in any of these policies overrides the allow").

    @Test
    void evaluate_assumeRole_explicitDeny_overridesAllow() {
        String json = policy(allow(aws("111122223333"), null),
                "{\"Sid\":\"NotLanding\"," + statement("Deny", aws("111122223333"), "\"sts:AssumeRole\"",
                        "{\"StringEquals\":{\"aws:PrincipalArn\":\"" + CALLER + "\"}}").substring(1));

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(json, PLAIN);

        assertThat(verdict.outcome()).isEqualTo(PolicyVerdict.Outcome.DENIED_EXPLICITLY);
        assertThat(verdict.matchedStatement()).isEqualTo("\"NotLanding\" (#2)");
        assertThat(verdict.passes()).isFalse();
    }

    @Test
    void evaluate_assumeRole_denyOfTagSessionOnly_deniesACallWithTagsOnly() {
        String json = policy(statement("Allow", aws(CALLER), "[\"sts:AssumeRole\",\"sts:TagSession\"]", null),
                statement("Deny", "\"*\"", "\"sts:TagSession\"", null));

        assertThat(TrustPolicyEvaluator.evaluate(json, withTags(tags("Project", "a"), null)).outcome())
                .isEqualTo(PolicyVerdict.Outcome.DENIED_EXPLICITLY);
        assertThat(TrustPolicyEvaluator.evaluate(json, PLAIN).passes()).isTrue();
    }

    @Test
    void evaluate_assumeRole_denyOnAKeyOnlyAwsKnows_cannotEvaluateRatherThanAdmit() {
        String json = policy(allow(aws(CALLER), null), statement("Deny", "\"*\"", "\"sts:AssumeRole\"",
                "{\"StringNotEquals\":{\"aws:PrincipalTag/team\":\"platform\"}}"));

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(json, PLAIN);

        assertThat(verdict.outcome()).isEqualTo(PolicyVerdict.Outcome.CANNOT_EVALUATE);
        assertThat(verdict.matchedStatement()).isEqualTo("#2");
        assertThat(verdict.reasons()).singleElement().asString().contains("aws:PrincipalTag/team: cannot be evaluated "
                + "offline (the call may carry aws:PrincipalTag/team, but its value is known only to AWS)");
    }

    // ARN operators: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
    // ("Each of the six colon-delimited components of the ARN is checked separately").

    @Test
    void evaluate_assumeRole_arnLikeOnPrincipalArn_matchesPartByPart() {
        for (String pattern : List.of("arn:aws:iam::111122223333:role/land*", "arn:aws:iam::*:role/landing",
                "arn:aws:iam::111122223333:role/*")) {
            String json = policy(allow(aws("111122223333"), "{\"ArnLike\":{\"aws:PrincipalArn\":\"" + pattern + "\"}}"));
            assertThat(TrustPolicyEvaluator.evaluate(json, PLAIN).admitted()).as(pattern).isTrue();
        }
        String other = policy(allow(aws("111122223333"),
                "{\"ArnLike\":{\"aws:PrincipalArn\":\"arn:aws:iam::111122223333:role/pay*\"}}"));
        assertThat(TrustPolicyEvaluator.evaluate(other, PLAIN).admitted()).isFalse();
        // StringLike's * spans colons; ArnLike's does not: "arn:*:role/landing" is not a six-part ARN pattern.
        String notAnArn = policy(allow(aws("111122223333"), "{\"ArnLike\":{\"aws:PrincipalArn\":\"arn:*:role/landing\"}}"));
        assertThat(TrustPolicyEvaluator.evaluate(notAnArn, PLAIN).outcome())
                .isEqualTo(PolicyVerdict.Outcome.CANNOT_EVALUATE);
        String stringLike = notAnArn.replace("ArnLike", "StringLike");
        assertThat(TrustPolicyEvaluator.evaluate(stringLike, PLAIN).admitted()).isTrue();
    }

    @Test
    void evaluate_assumeRole_arnNotEqualsOnPrincipalArn_deniesOthers() {
        String json = policy(allow(aws("111122223333"), null), statement("Deny", "\"*\"", "\"sts:AssumeRole\"",
                "{\"ArnNotEquals\":{\"aws:PrincipalArn\":\"" + CALLER + "\"}}"));

        assertThat(TrustPolicyEvaluator.evaluate(json, PLAIN).admitted()).isTrue();
        assertThat(TrustPolicyEvaluator.evaluate(json, AssumeRoleCall.of("arn:aws:iam::111122223333:role/other", TARGET))
                .outcome()).isEqualTo(PolicyVerdict.Outcome.DENIED_EXPLICITLY);
    }

    @Test
    void evaluate_assumeRole_principalAccountCondition() {
        String json = policy(allow("\"*\"", "{\"StringEquals\":{\"aws:PrincipalAccount\":\"111122223333\"}}"));

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(json, PLAIN);

        assertThat(verdict.admitted()).isTrue();
        assertThat(verdict.warnings()).as("a principal condition limits \"*\"").isEmpty();
        assertThat(TrustPolicyEvaluator.evaluate(json.replace("111122223333", "444455556666"), PLAIN).admitted())
                .isFalse();
    }

    // Rule: a key compared with something other than its name suggests says so. aws:PrincipalArn "For IAM roles,
    // the request context returns the ARN of the role, not the ARN of the user that assumed the role"
    // (reference_policies_condition-keys.html, aws:PrincipalArn).

    @Test
    void evaluate_assumeRole_principalArnCondition_notesTheRoleArnIsCompared() {
        String json = policy(allow(aws("111122223333"), "{\"StringEquals\":{\"aws:PrincipalArn\":\"" + CALLER + "\"}}"));

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(json, PLAIN);

        assertThat(verdict.admitted()).isTrue();
        assertThat(verdict.statements().get(0).notes()).containsExactly("aws:PrincipalArn is compared with the caller's "
                + "role ARN (\"" + CALLER + "\"), not the ARN of its session (\"arn:aws:sts::111122223333:assumed-role/"
                + "landing/SESSION\")");
        assertThat(verdict.describe()).contains("    note: aws:PrincipalArn is compared with the caller's role ARN");
    }

    @Test
    void evaluate_assumeRole_principalArnConditionWithASessionArn_failsSayingTheRoleArnWasMeant() {
        String json = policy(allow(aws("111122223333"),
                "{\"StringEquals\":{\"aws:PrincipalArn\":\"arn:aws:sts::111122223333:assumed-role/landing/checkout\"}}"));

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(json, PLAIN);

        assertThat(verdict.admitted()).isFalse();
        assertThat(verdict.reasons()).singleElement().asString()
                .contains("aws:PrincipalArn is compared with the caller's role ARN")
                .endsWith("the policy's value \"arn:aws:sts::111122223333:assumed-role/landing/checkout\" is an "
                        + "assumed-role session ARN, which aws:PrincipalArn never holds, so you probably meant the "
                        + "role's ARN");
        assertThat(verdict.statements().get(0).notes()).as("said once, in the reason").isEmpty();
    }

    @Test
    void evaluate_assumeRole_webIdentityKeyInPolicy_neverMatchesAndIsNamedInAWarning() {
        String json = policy(allow(aws(CALLER), "{\"StringEquals\":{\"accounts.google.com:sub\":\"1122\"}}"));

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(json, PLAIN);

        assertThat(verdict.outcome()).isEqualTo(PolicyVerdict.Outcome.NOT_ADMITTED);
        assertThat(verdict.warnings()).singleElement().asString().startsWith("#1: accounts.google.com:sub is a condition "
                + "key of web-identity tokens").contains("an sts:AssumeRole call never carries it");
        String ifExists = json.replace("StringEquals", "StringEqualsIfExists");
        assertThat(TrustPolicyEvaluator.evaluate(ifExists, PLAIN).admitted()).isTrue();
    }

    // Rule: what would make STS refuse the call anyway, and what cannot be checked offline.

    @Test
    void evaluate_assumeRole_chainedSessionOverAnHour_admittedButRefused() {
        // "if you assume a role using role chaining and provide a DurationSeconds parameter value greater than one
        // hour, the operation fails" (id_roles_terms-and-concepts.html, role chaining).
        String json = policy(allow(aws(CALLER), null));

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(json, PLAIN, Duration.ofHours(2));

        assertThat(verdict.admitted()).isTrue();
        assertThat(verdict.passes()).isFalse();
        assertThat(verdict.refusals()).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo("chained-duration");
            assertThat(f.message()).contains("7200 s").contains("at most 3600 s");
        });
        assertThat(verdict.describe()).contains("ADMITTED by #1, but STS would refuse the call anyway (1 reason below)",
                "STS would refuse the call anyway:", "  - chained-duration: ");
        assertThat(TrustPolicyEvaluator.evaluate(json, PLAIN, Duration.ofHours(1)).passes()).isTrue();
    }

    @Test
    void evaluate_assumeRole_notCheckedOffline_namesTheCallerPermissionsStatement() {
        AssumeRoleCall call = new AssumeRoleCall(CALLER, TARGET, SECRET_EXTERNAL_ID, tags("Project", "a"), null, "alice");

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(policy(allow(aws(CALLER), null)), call);

        assertThat(verdict.notCheckedOffline()).first().asString()
                .startsWith("The permissions policy of role " + CALLER + " must allow sts:AssumeRole, sts:TagSession, "
                        + "sts:SetSourceIdentity on " + TARGET)
                .endsWith(TrustPolicies.callerPermissionsJson(call, false));
        assertThat(verdict.notCheckedOffline()).hasSize(3);
        assertThat(verdict.describe()).contains("Not checked offline:").doesNotContain(SECRET_EXTERNAL_ID);
    }

    @Test
    void trustPolicyForACall_isAdmittedByTheEvaluatorWithoutWarnings() {
        AssumeRoleCall call = new AssumeRoleCall(CALLER, TARGET, SECRET_EXTERNAL_ID, tags("Project", "a"),
                List.of("Project"), "alice");

        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(TrustPolicies.trustPolicyJson(call, true), call);

        assertThat(verdict.passes()).as(verdict.describe()).isTrue();
        assertThat(verdict.warnings()).isEmpty();
        assertThat(TrustPolicyEvaluator.evaluate(TrustPolicies.trustPolicyJson(call, true),
                AssumeRoleCall.of("arn:aws:iam::111122223333:role/other", TARGET)).admitted()).isFalse();
    }
}
