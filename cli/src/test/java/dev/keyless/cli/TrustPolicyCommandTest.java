package dev.keyless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyless.testing.TestTokens;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.policybuilder.iam.IamConditionOperator;
import software.amazon.awssdk.policybuilder.iam.IamPolicy;
import software.amazon.awssdk.policybuilder.iam.IamPolicyReader;
import software.amazon.awssdk.policybuilder.iam.IamPrincipalType;
import software.amazon.awssdk.policybuilder.iam.IamStatement;

/** {@code keyless trust-policy} for a token and, with {@code --caller-role-arn}, for an {@code sts:AssumeRole} hop. */
class TrustPolicyCommandTest {

    private static final String CALLER = "arn:aws:iam::111122223333:role/landing";
    private static final String TARGET = "arn:aws:iam::444455556666:role/bucket-owner";

    @TempDir
    Path dir;

    @Test
    void trustPolicy_assumeRole_printsTheTargetsTrustPolicyAndTheCallersStatementOnStderr() {
        Cli result = Cli.run("trust-policy", "--caller-role-arn", CALLER, "--role-arn", TARGET, "--external-id", "ext-1",
                "--session-tag", "Project=checkout", "--source-identity", "alice");

        assertThat(result.exit()).as(result.all()).isZero();
        IamStatement statement = IamPolicyReader.create().read(result.out()).statements().get(0);
        assertThat(statement.principals()).singleElement().satisfies(p -> {
            assertThat(p.type()).isEqualTo(IamPrincipalType.AWS);
            assertThat(p.id()).isEqualTo(CALLER);
        });
        assertThat(statement.actions()).extracting(a -> a.value())
                .containsExactly("sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity");
        assertThat(statement.conditions()).singleElement().satisfies(c -> {
            assertThat(c.operator()).isEqualTo(IamConditionOperator.STRING_EQUALS);
            assertThat(c.key().value()).isEqualTo("sts:ExternalId");
            assertThat(c.value()).isEqualTo("ext-1");
        });
        assertThat(result.err()).startsWith("# The permissions policy of role " + CALLER + " must also allow "
                + "sts:AssumeRole, sts:TagSession, sts:SetSourceIdentity on " + TARGET
                + " (print it alone with --caller-permissions):\n#   {\"Version\":\"2012-10-17\"")
                .contains("\"Resource\":\"" + TARGET + "\"").doesNotContain("ext-1");
    }

    @Test
    void trustPolicy_assumeRole_callerPermissions_printsThePermissionsPolicyAlone() {
        Cli result = Cli.run("trust-policy", "--caller-role-arn", CALLER, "--role-arn", TARGET, "--caller-permissions");

        assertThat(result.exit()).isZero();
        IamPolicy policy = IamPolicyReader.create().read(result.out());
        assertThat(policy.statements()).singleElement().satisfies(s -> {
            assertThat(s.actions()).extracting(a -> a.value()).containsExactly("sts:AssumeRole");
            assertThat(s.resources()).extracting(r -> r.value()).containsExactly(TARGET);
            assertThat(s.principals()).isEmpty();
        });
        assertThat(result.err()).isEmpty();
    }

    @Test
    void trustPolicy_assumeRole_withoutRoleArn_exitsTwo() {
        Cli result = Cli.run("trust-policy", "--caller-role-arn", CALLER);

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("--caller-role-arn needs --role-arn");
    }

    @Test
    void trustPolicy_assumeRole_withAccountIdOrToken_exitsTwo() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), TestTokens.gke(Instant.now(), Duration.ofHours(1)),
                StandardCharsets.UTF_8);

        Cli withAccount = Cli.run("trust-policy", "--caller-role-arn", CALLER, "--role-arn", TARGET, "--account-id",
                "123456789012");
        Cli withToken = Cli.run("trust-policy", "--caller-role-arn", CALLER, "--role-arn", TARGET, "--token-file",
                token.toString());

        assertThat(withAccount.exit()).isEqualTo(2);
        assertThat(withAccount.err()).contains("--account-id is for a token's trust policy");
        assertThat(withToken.exit()).isEqualTo(2);
        assertThat(withToken.err()).contains("--token-file is for a token's trust policy");
    }

    @Test
    void trustPolicy_assumeRole_badCallerArn_exitsTwoNamingTheOption() {
        Cli result = Cli.run("trust-policy", "--caller-role-arn", "arn:aws:iam::111122223333:user/alice", "--role-arn",
                TARGET);

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("'--caller-role-arn': 'arn:aws:iam::111122223333:user/alice': it does not name "
                + "a role");
    }

    @Test
    void trustPolicy_tokenWithoutAccountId_exitsTwoNamingBothModes() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), TestTokens.gke(Instant.now(), Duration.ofHours(1)),
                StandardCharsets.UTF_8);

        Cli result = Cli.run("trust-policy", "--token-file", token.toString());

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("Missing required option: '--account-id=N'", "--caller-role-arn");
    }

    @Test
    void trustPolicy_hopOptionsWithoutCallerRoleArn_exitTwo() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), TestTokens.gke(Instant.now(), Duration.ofHours(1)),
                StandardCharsets.UTF_8);

        for (String[] option : new String[][] {{"--role-arn", TARGET}, {"--caller-permissions"},
                {"--external-id", "abc"}}) {
            String[] args = new String[option.length + 5];
            System.arraycopy(new String[] {"trust-policy", "--account-id", "123456789012", "--token-file",
                token.toString()}, 0, args, 0, 5);
            System.arraycopy(option, 0, args, 5, option.length);

            Cli result = Cli.run(args);

            assertThat(result.exit()).as(String.join(" ", option)).isEqualTo(2);
            assertThat(result.err()).contains(option[0]).contains("--caller-role-arn");
        }
    }
}
