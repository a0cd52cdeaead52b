package dev.keyless.sts;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** STS's rules for AssumeRole parameters, from the IAM User Guide pages named in {@link StsParameters}. */
class StsParametersTest {

    @Test
    void externalId_stsRules_problemNeverShowsTheValue() {
        assertThat(StsParameters.externalIdProblem("Abc-123_+=,.@:/x")).isNull();
        assertThat(StsParameters.externalIdProblem(null)).isNull();
        assertThat(StsParameters.externalIdProblem("x")).contains("1 characters").contains("2 to 1224");
        assertThat(StsParameters.externalIdProblem("x".repeat(1225))).contains("1225 characters");
        String spaced = "secret with spaces";
        assertThat(StsParameters.externalIdProblem(spaced)).contains("no spaces").doesNotContain(spaced);
    }

    @Test
    void sourceIdentity_stsRules() {
        assertThat(StsParameters.sourceIdentityProblem("alice@example.com")).isNull();
        assertThat(StsParameters.sourceIdentityProblem("a")).contains("2 to 64");
        assertThat(StsParameters.sourceIdentityProblem("a b")).contains("2 to 64");
        assertThat(StsParameters.sourceIdentityProblem("aws:alice")).contains("2 to 64");
        assertThat(StsParameters.sourceIdentityProblem("aws_alice")).isNull();
    }

    @Test
    void sessionTags_stsRules() {
        assertThat(StsParameters.sessionTagProblems(Map.of("Project", "checkout"))).isEmpty();
        Map<String, String> many = new LinkedHashMap<>();
        for (int i = 0; i < 51; i++) {
            many.put("k" + i, "v");
        }
        assertThat(StsParameters.sessionTagProblems(many)).containsExactly("51 session tags, more than STS's 50");
        assertThat(StsParameters.sessionTagProblems(Map.of("k", "v".repeat(257))))
                .containsExactly("the value of tag k has 257 characters (at most 256)");
        assertThat(StsParameters.sessionTagProblems(Map.of("k", "aws:x")))
                .containsExactly("the value of tag k begins with aws:, a prefix AWS reserves");
        assertThat(StsParameters.tagKeyProblem("")).contains("(1 to 128)");
        assertThat(StsParameters.tagKeyProblem("AWS:team")).contains("begins with aws:");
    }
}
