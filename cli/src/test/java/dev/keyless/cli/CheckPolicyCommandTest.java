package dev.keyless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyless.testing.TestTokens;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code keyless check-policy} for a token and, with {@code --caller-role-arn}, for an {@code sts:AssumeRole} hop. */
class CheckPolicyCommandTest {

    private static final String CALLER = "arn:aws:iam::111122223333:role/landing";
    private static final String TARGET = "arn:aws:iam::444455556666:role/bucket-owner";
    private static final String ROLE = "arn:aws:iam::123456789012:role/checkout-s3-writer";
    private static final String EXTERNAL_ID = "Sh4red-Secret.External-Id";

    @TempDir
    Path dir;

    private Path write(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }

    private static String allow(String principal, String actions) {
        return "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" + principal
                + "\"},\"Action\":" + actions + "}]}";
    }

    private static List<String> hop(String policy, String... more) {
        List<String> args = new ArrayList<>(List.of("check-policy", "--policy-file", policy, "--caller-role-arn", CALLER,
                "--role-arn", TARGET));
        args.addAll(List.of(more));
        return args;
    }

    private Path trustPolicyFor(String... hopOptions) throws Exception {
        List<String> args = new ArrayList<>(List.of("trust-policy", "--caller-role-arn", CALLER, "--role-arn", TARGET));
        args.addAll(List.of(hopOptions));
        Cli written = Cli.run(args.toArray(String[]::new));
        assertThat(written.exit()).as(written.all()).isZero();
        return write("trust.json", written.out());
    }

    @Test
    void checkPolicy_assumeRole_policyTrustPolicyWrote_admitsAndExitsZeroWithoutAToken() throws Exception {
        String[] options = {"--external-id", EXTERNAL_ID, "--session-tag", "Project=checkout", "--transitive-tag-key",
            "Project", "--source-identity", "alice"};
        Path policy = trustPolicyFor(options);

        // A token file the environment names that does not exist: the hop must not read it.
        Cli result = Cli.run(Map.of("AWS_WEB_IDENTITY_TOKEN_FILE", dir.resolve("none").toString(),
                "AWS_ROLE_ARN", ROLE), "", hop(policy.toString(), options).toArray(String[]::new));

        assertThat(result.exit()).as(result.all()).isZero();
        assertThat(result.out()).startsWith("Trust policy of " + TARGET + ", for sts:AssumeRole by role " + CALLER
                + ": ADMITTED by #1").contains("Not checked offline:", "The permissions policy of role " + CALLER
                + " must allow sts:AssumeRole, sts:TagSession, sts:SetSourceIdentity on " + TARGET);
        assertThat(result.all()).doesNotContain(EXTERNAL_ID);
    }

    @Test
    void checkPolicy_assumeRole_anotherCaller_exitsOneNamingBoth() throws Exception {
        Path policy = write("p.json", allow("arn:aws:iam::111122223333:role/payments", "\"sts:AssumeRole\""));

        Cli result = Cli.run(hop(policy.toString()).toArray(String[]::new));

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.out()).contains("NOT ADMITTED", "Principal.AWS is [arn:aws:iam::111122223333:role/payments], "
                + "which names neither the caller role " + CALLER);
    }

    @Test
    void checkPolicy_assumeRole_chainedDurationOverAnHour_admittedButExitsOne() throws Exception {
        Path policy = write("p.json", allow(CALLER, "\"sts:AssumeRole\""));

        Cli result = Cli.run(hop(policy.toString(), "--duration", "7200").toArray(String[]::new));

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.out()).contains("ADMITTED by #1, but STS would refuse the call anyway (1 reason below)",
                "STS would refuse the call anyway:", "chained-duration: The call asks for a 7200 s session");
        assertThat(Cli.run(hop(policy.toString(), "--duration", "3600").toArray(String[]::new)).exit()).isZero();
    }

    @Test
    void checkPolicy_assumeRole_tagsWithoutTagSession_exitsOneNamingTheAction() throws Exception {
        Path policy = write("p.json", allow(CALLER, "\"sts:AssumeRole\""));

        Cli result = Cli.run(hop(policy.toString(), "--session-tag", "Project=checkout").toArray(String[]::new));

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.out()).contains("does not cover sts:TagSession (the call needs it because it sends session "
                + "tags)", "missing-action:");
    }

    @Test
    void checkPolicy_assumeRole_wrongExternalId_exitsOneAndNeverPrintsEitherValue() throws Exception {
        Path policy = trustPolicyFor("--external-id", EXTERNAL_ID);

        Cli result = Cli.run(hop(policy.toString(), "--external-id", "Another-Id").toArray(String[]::new));

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.out()).contains("sts:ExternalId: policy wants 1 value (not shown)");
        assertThat(result.all()).doesNotContain(EXTERNAL_ID).doesNotContain("Another-Id");
    }

    static Stream<Arguments> wrongHopCommandLines() {
        return Stream.of(
                Arguments.of(List.of("--token-file", "t"), "--token-file reads a token, but --caller-role-arn checks an "
                        + "sts:AssumeRole hop"),
                Arguments.of(List.of("--duration", "100"), "'--duration': '100': STS accepts 900 to 43200 seconds"),
                Arguments.of(List.of("--session-tag", "Project"), "'--session-tag': 'Project': give KEY=VALUE"),
                Arguments.of(List.of("--session-tag", "a=1", "--session-tag", "a=2"), "the tag key a is given twice"),
                Arguments.of(List.of("--session-tag", "Team=1", "--session-tag", "team=2"),
                        "the tag keys Team and team differ only in letter case"),
                Arguments.of(List.of("--session-tag", "aws:team=1"), "begins with aws:"),
                Arguments.of(List.of("--transitive-tag-key", ""), "'--transitive-tag-key': '': the tag key"),
                Arguments.of(List.of("--source-identity", "a b"), "'--source-identity': 'a b': the source identity"));
    }

    @ParameterizedTest
    @MethodSource("wrongHopCommandLines")
    void checkPolicy_assumeRole_wrongOptionValue_exitsTwoNamingTheOption(List<String> options, String message)
            throws Exception {
        Path policy = write("p.json", allow(CALLER, "\"sts:AssumeRole\""));

        Cli result = Cli.run(hop(policy.toString(), options.toArray(String[]::new)).toArray(String[]::new));

        assertThat(result.exit()).as(result.all()).isEqualTo(2);
        assertThat(result.err()).contains(message).contains("--help' for usage");
        assertThat(result.out()).isEmpty();
    }

    @Test
    void checkPolicy_assumeRole_externalIdStsRejects_exitsTwoWithoutEchoingIt() throws Exception {
        Path policy = write("p.json", allow(CALLER, "\"sts:AssumeRole\""));
        String spaced = "my secret id";

        Cli result = Cli.run(hop(policy.toString(), "--external-id", spaced).toArray(String[]::new));

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("Invalid value for option '--external-id': the external ID (not shown, 12 "
                + "characters)").doesNotContain(spaced);
    }

    @Test
    void checkPolicy_assumeRole_callerAssumedRoleArn_exitsTwoNamingTheRoleArn() throws Exception {
        Path policy = write("p.json", allow(CALLER, "\"sts:AssumeRole\""));

        Cli result = Cli.run("check-policy", "--policy-file", policy.toString(), "--role-arn", TARGET,
                "--caller-role-arn", "arn:aws:sts::111122223333:assumed-role/landing/checkout");

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("'--caller-role-arn'", "it is an assumed-role session ARN; give the role's own "
                + "ARN, arn:aws:iam::111122223333:role/landing");
    }

    @Test
    void checkPolicy_assumeRole_withoutRoleArn_exitsTwoEvenWithAwsRoleArnSet() throws Exception {
        Path policy = write("p.json", allow(CALLER, "\"sts:AssumeRole\""));

        Cli result = Cli.run(Map.of("AWS_ROLE_ARN", TARGET), "", "check-policy", "--policy-file", policy.toString(),
                "--caller-role-arn", CALLER);

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("--caller-role-arn needs --role-arn, the role to assume");
    }

    @ParameterizedTest
    @MethodSource("hopOnlyOptions")
    void checkPolicy_hopOptionWithoutCallerRoleArn_exitsTwo(List<String> option) throws Exception {
        Path token = write("token", TestTokens.gke(Instant.now(), Duration.ofHours(1)));
        List<String> args = new ArrayList<>(List.of("check-policy", "--policy-file", write("p.json", "{}").toString(),
                "--role-arn", ROLE, "--token-file", token.toString()));
        args.addAll(option);

        Cli result = Cli.run(args.toArray(String[]::new));

        assertThat(result.exit()).as(result.all()).isEqualTo(2);
        assertThat(result.err()).contains(option.get(0) + " ").contains("--caller-role-arn");
    }

    static Stream<List<String>> hopOnlyOptions() {
        return Stream.of(List.of("--external-id", "abc"), List.of("--session-tag", "a=b"),
                List.of("--transitive-tag-key", "a"), List.of("--source-identity", "alice"), List.of("--duration", "900"));
    }

    // Rule (b) for tokens: an admitted token is never reported without what would make STS refuse it anyway.

    @Test
    void checkPolicy_expiredTokenThePolicyAdmits_exitsOneSayingItIsExpired() throws Exception {
        Path token = write("token", TestTokens.gke(Instant.now().minus(Duration.ofHours(3)), Duration.ofHours(1)));
        Path policy = write("policy.json", Cli.run("trust-policy", "--account-id", "123456789012", "--token-file",
                token.toString()).out());

        Cli result = Cli.run("check-policy", "--policy-file", policy.toString(), "--role-arn", ROLE, "--token-file",
                token.toString());

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.out()).contains("ADMITTED by #1, but STS would refuse the call anyway (1 reason below)",
                "  - expired: The token expired at", "    fix: Read a fresh token.").doesNotContain("eyJ");
    }

    // Rule (a) for tokens: a Google aud condition that holds the token's aud says oaud was meant.

    @Test
    void checkPolicy_googleAudConditionWithTheTokensAud_saysOaudWasMeant() throws Exception {
        Path token = write("token", TestTokens.google(Instant.now(), "sts.amazonaws.com"));
        Path policy = write("policy.json", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                + "\"Principal\":{\"Federated\":\"accounts.google.com\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\","
                + "\"Condition\":{\"StringEquals\":{\"accounts.google.com:aud\":\"sts.amazonaws.com\","
                + "\"accounts.google.com:sub\":\"" + TestTokens.GSA_UNIQUE_ID + "\"}}}]}");

        Cli result = Cli.run("check-policy", "--policy-file", policy.toString(), "--role-arn", ROLE, "--token-file",
                token.toString());

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.out()).contains("accounts.google.com:aud is compared with the token's azp (\""
                + TestTokens.GSA_UNIQUE_ID + "\"), not its aud (\"sts.amazonaws.com\"); the policy's value "
                + "\"sts.amazonaws.com\" is the token's aud, so you probably meant accounts.google.com:oaud");
    }

    /** Surefire runs this module with every logger at TRACE: the external ID is in no log line and no output. */
    @Test
    void assumeRoleModesAtTrace_externalIdOnlyInTheTrustPolicyAskedFor() throws Exception {
        assertThat(System.getProperty("org.slf4j.simpleLogger.defaultLogLevel")).isEqualTo("trace");
        PrintStream originalErr = System.err;
        ByteArrayOutputStream logs = new ByteArrayOutputStream();
        System.setErr(new PrintStream(logs, true, StandardCharsets.UTF_8));
        List<String> outputs = new ArrayList<>();
        Cli trust;
        try {
            trust = Cli.run("trust-policy", "--verbose", "--caller-role-arn", CALLER, "--role-arn", TARGET,
                    "--external-id", EXTERNAL_ID);
            outputs.add(trust.err());
            Path policy = write("trust.json", trust.out());
            outputs.add(Cli.run(hop(policy.toString(), "--verbose", "--external-id", EXTERNAL_ID)
                    .toArray(String[]::new)).all());
            outputs.add(Cli.run(hop(policy.toString(), "--verbose", "--external-id", EXTERNAL_ID + "x")
                    .toArray(String[]::new)).all());
            outputs.add(Cli.run(hop(policy.toString(), "--verbose").toArray(String[]::new)).all());
            outputs.add(Cli.run(hop(policy.toString(), "--verbose", "--external-id", EXTERNAL_ID + " x")
                    .toArray(String[]::new)).all());
            outputs.add(Cli.run("trust-policy", "--verbose", "--caller-role-arn", CALLER, "--role-arn", TARGET,
                    "--external-id", EXTERNAL_ID, "--caller-permissions").all());
        } finally {
            System.setErr(originalErr);
        }

        assertThat(trust.out()).contains("\"sts:ExternalId\" : \"" + EXTERNAL_ID + "\"");
        assertThat(String.join("\n", outputs) + logs.toString(StandardCharsets.UTF_8)).doesNotContain(EXTERNAL_ID);
    }
}
