package dev.keyless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.keyless.testing.StsStub;
import dev.keyless.testing.TestTokens;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.policybuilder.iam.IamPolicyReader;

class KeylessCliTest {

    private static final String ROLE = StsStub.ROLE_ARN;
    private static final String GKE_HOST =
            "container.googleapis.com/v1/projects/checkout-prod/locations/europe-west1/clusters/prod-1";

    @TempDir
    Path dir;

    private StsStub sts;

    @AfterEach
    void stopSts() {
        if (sts != null) {
            sts.server().stop();
        }
    }

    private Path write(String name, String content) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    private static String gke() {
        return TestTokens.gke(Instant.now(), Duration.ofHours(1));
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"inspect", "trust-policy", "check-policy", "doctor", "credential-process", "serve"})
    void everyCommand_hasHelp(String command) {
        Cli result = Cli.run(command, "--help");

        assertThat(result.exit()).isZero();
        assertThat(result.out()).startsWith("Usage: keyless " + command).contains("--token-file", "--metadata", "--audience");
    }

    @Test
    void noCommand_printsUsageWithEveryCommandAndExitsTwo() {
        Cli result = Cli.run();

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.out()).isEmpty();
        assertThat(result.err()).contains("inspect", "trust-policy", "check-policy", "doctor", "credential-process", "serve",
                "Exit codes");
    }

    @Test
    void inspect_tokenFile_printsClaimsNotToken() throws Exception {
        String token = gke();
        Path file = write("token", token + "\n");

        Cli result = Cli.run("inspect", "--token-file", file.toString());

        assertThat(result.exit()).isZero();
        assertThat(result.out()).contains("GKE projected service-account token", "signature not verified",
                "sub  system:serviceaccount:checkout:checkout-api", "pod  " + TestTokens.POD, "No problems found.");
        assertThat(result.all()).doesNotContain(token).doesNotContain("eyJ");
    }

    @Test
    void inspect_defaultsToTheTokenFileTheEnvironmentNames() throws Exception {
        Path file = write("token", gke());

        Cli result = Cli.run(Map.of("AWS_WEB_IDENTITY_TOKEN_FILE", file.toString()), "", "inspect");

        assertThat(result.exit()).isZero();
        assertThat(result.out()).contains("GKE projected service-account token");
    }

    @Test
    void inspect_stdinAsJson() throws Exception {
        Cli result = Cli.run(Map.of(), TestTokens.google(Instant.now(), "sts.amazonaws.com") + "\n", "inspect", "--json", "-");

        assertThat(result.exit()).isZero();
        Map<String, Object> json = JSONObjectUtils.parse(result.out());
        assertThat(json).containsEntry("kind", "GOOGLE_SERVICE_ACCOUNT").containsEntry("signatureVerified", false);
        assertThat(JSONObjectUtils.getJSONObject(json, "claims")).containsEntry("sub", TestTokens.GSA_UNIQUE_ID);
        assertThat(result.out()).doesNotContain("eyJ");
    }

    @Test
    void inspect_expiredToken_exitsOneWithTheFix() throws Exception {
        Path file = write("token", TestTokens.gke(Instant.now().minus(Duration.ofHours(3)), Duration.ofHours(1)));

        Cli result = Cli.run("inspect", "--token-file", file.toString());

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.out()).contains("ERROR expired", "fix:", "subPath");
    }

    @ParameterizedTest
    @ValueSource(strings = {"hello", "aGVsbG8.d29ybGQ", "%%%.$$$.&&&", "{\"alg\":\"RS256\"}"})
    void inspect_garbageOnStdin_isAFindingNotAStackTrace(String input) {
        Cli result = Cli.run(Map.of(), input, "inspect", "-");

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.out()).contains("not a JWT", "fix:");
        assertThat(result.all()).doesNotContain("Exception", "\tat ");
    }

    @Test
    void inspect_jsonArrayClaims_andAMegabyte_areFindingsOrRefusedWithTheLimit() {
        String array = b64("{\"alg\":\"RS256\"}") + "." + b64("[1,2]") + "." + b64("sig");
        assertThat(Cli.run(Map.of(), array, "inspect", "-").out()).contains("not-a-jwt");

        Cli long_ = Cli.run(Map.of(), "eyJ" + "A".repeat(25_000), "inspect", "-");
        assertThat(long_.exit()).isEqualTo(1);
        assertThat(long_.out()).contains("too-long", "not-a-jwt").doesNotContain("AAAAAAAAAA");

        Cli huge = Cli.run(Map.of(), "eyJ" + "A".repeat(1 << 20), "inspect", "-");
        assertThat(huge.exit()).isEqualTo(1);
        assertThat(huge.err()).isEqualTo("keyless: Standard input is more than 32768 bytes; the limit is 32768 bytes, "
                + "and reading stopped there.\n");
    }

    @Test
    void inspect_missingFile_namesThePathAndTheFix() {
        Path missing = dir.resolve("nope/token");

        Cli result = Cli.run("inspect", "--token-file", missing.toString());

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).startsWith("keyless: ").contains(missing.toString()).doesNotContain("\tat ");
    }

    @Test
    void inspect_tokenPastedAsAnArgument_isRefusedWithoutEchoingIt() {
        String token = gke();

        Cli result = Cli.run("inspect", token);

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("use '-'").doesNotContain(token).doesNotContain("eyJ");
    }

    @Test
    void inspect_twoTokenSources_isAUsageError() throws Exception {
        Cli result = Cli.run("inspect", "--metadata", "--token-file", write("t", gke()).toString());

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("mutually exclusive");
    }

    @Test
    void trustPolicy_printsParseablePolicyAndTheOidcProviderCommand() throws Exception {
        Path file = write("token", gke());

        Cli result = Cli.run("trust-policy", "--account-id", "123456789012", "--token-file", file.toString());

        assertThat(result.exit()).isZero();
        assertThat(IamPolicyReader.create().read(result.out()).statements()).hasSize(1);
        assertThat(result.out()).contains("arn:aws:iam::123456789012:oidc-provider/" + GKE_HOST, GKE_HOST + ":sub");
        assertThat(result.err()).contains("aws iam create-open-id-connect-provider --url " + TestTokens.GKE_ISSUER
                + " --client-id-list sts.amazonaws.com");
    }

    @Test
    void trustPolicy_badAccountId_saysSo() throws Exception {
        Cli result = Cli.run("trust-policy", "--account-id", "12345", "--token-file", write("token", gke()).toString());

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("'--account-id': '12345': an AWS account id is exactly 12 digits");
    }

    @Test
    void checkPolicy_generatedPolicy_admits() throws Exception {
        Path token = write("token", gke());
        Path policy = write("policy.json",
                Cli.run("trust-policy", "--account-id", "123456789012", "--token-file", token.toString()).out());

        Cli result = Cli.run("check-policy", "--policy-file", policy.toString(), "--role-arn", ROLE,
                "--token-file", token.toString());

        assertThat(result.exit()).isZero();
        assertThat(result.out()).contains("ADMITTED");
    }

    @Test
    void checkPolicy_anotherServiceAccount_exitsOneNamingKeyAndValues() throws Exception {
        Path policy = write("policy.json", Cli.run("trust-policy", "--account-id", "123456789012",
                "--token-file", write("payments", TestTokens.sign(TestTokens.gkeClaims(Instant.now(), Duration.ofHours(1))
                        .subject("system:serviceaccount:payments:payments-api").build())).toString()).out());

        Cli result = Cli.run(Map.of("AWS_ROLE_ARN", ROLE), "", "check-policy", "--policy-file", policy.toString(),
                "--token-file", write("token", gke()).toString());

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.out()).contains(GKE_HOST + ":sub", "system:serviceaccount:payments:payments-api",
                "system:serviceaccount:checkout:checkout-api").doesNotContain("eyJ");
    }

    @Test
    void checkPolicy_missingPolicyFile_saysWhere() throws Exception {
        Cli result = Cli.run("check-policy", "--policy-file", dir.resolve("none.json").toString(), "--role-arn", ROLE,
                "--token-file", write("token", gke()).toString());

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).contains("No policy file at", "none.json");
    }

    @Test
    void checkPolicy_notJson_saysSo() throws Exception {
        Cli result = Cli.run("check-policy", "--policy-file", write("p.json", "Version: 2012").toString(),
                "--role-arn", ROLE, "--token-file", write("token", gke()).toString());

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).startsWith("keyless: ").doesNotContain("\tat ");
    }

    @Test
    void credentialProcess_printsTheCredentialProcessJson() throws Exception {
        sts = new StsStub();
        Instant expiration = Instant.now().plus(Duration.ofHours(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        sts.succeed(expiration);

        Cli result = Cli.run("credential-process", "--role-arn", ROLE, "--sts-endpoint", sts.endpoint().toString(),
                "--token-file", write("token", gke()).toString());

        assertThat(result.exit()).as(result.err()).isZero();
        Map<String, Object> json = JSONObjectUtils.parse(result.out());
        assertThat(json).containsEntry("Version", 1L).containsEntry("Expiration", expiration.toString());
        assertThat((String) json.get("AccessKeyId")).startsWith("ASIAKEYLESSTEST");
        assertThat((String) json.get("SecretAccessKey")).startsWith(StsStub.SECRET_PREFIX);
        assertThat((String) json.get("SessionToken")).startsWith(StsStub.SESSION_TOKEN_PREFIX);
        assertThat(result.err()).isEmpty();
    }

    @Test
    void credentialProcess_accessDenied_explainsOnStderrAndPrintsNothingOnStdout() throws Exception {
        sts = new StsStub();
        sts.fail(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
        String token = gke();

        Cli result = Cli.run("credential-process", "--role-arn", ROLE, "--sts-endpoint", sts.endpoint().toString(),
                "--token-file", write("token", token).toString());

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.out()).isEmpty();
        assertThat(result.err()).contains("AccessDenied", ROLE, "system:serviceaccount:checkout:checkout-api")
                .doesNotContain(token).doesNotContain("eyJ");
    }

    @Test
    void credentialProcess_withoutRole_asksForIt() throws Exception {
        Cli result = Cli.run("credential-process", "--token-file", write("token", gke()).toString());

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).contains("--role-arn", "AWS_ROLE_ARN");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "::", "10.0.0.7", "192.168.1.1"})
    void serve_nonLoopbackBind_isRefusedSayingWhy(String bind) throws Exception {
        Path authorization = dir.resolve("authorization");

        Cli result = Cli.run("serve", "--bind", bind, "--role-arn", ROLE, "--token-file", write("token", gke()).toString(),
                "--authorization-token-file", authorization.toString());

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("--bind " + bind + " is not a loopback address", "127.0.0.1", "::1");
        assertThat(authorization).as("nothing written before the command line is known good").doesNotExist();
    }

    @Test
    void serve_portTaken_exitsOneNamingThePortAndTheFix_andLeavesNoToken() throws Exception {
        Path authorization = dir.resolve("authorization");
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 0, java.net.InetAddress.getByName("127.0.0.1"))) {
            Cli result = Cli.run("serve", "--port", String.valueOf(taken.getLocalPort()), "--role-arn", ROLE,
                    "--token-file", write("token", gke()).toString(), "--authorization-token-file", authorization.toString());

            assertThat(result.exit()).isEqualTo(1);
            assertThat(result.err()).contains("Port " + taken.getLocalPort() + " on 127.0.0.1 is already in use",
                    "--port");
            assertThat(result.out()).isEmpty();
        }
        assertThat(authorization).doesNotExist();
    }

    @Test
    void serve_withoutRole_asksForIt_andWritesNoToken() throws Exception {
        Path authorization = dir.resolve("authorization");

        Cli result = Cli.run("serve", "--token-file", write("token", gke()).toString(),
                "--authorization-token-file", authorization.toString());

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).contains("--role-arn", "AWS_ROLE_ARN");
        assertThat(authorization).doesNotExist();
    }

    @Test
    void serve_healthPathSameAsCredentialsPath_isAUsageError() throws Exception {
        Cli result = Cli.run("serve", "--health-path", "/credentials", "--role-arn", ROLE,
                "--token-file", write("token", gke()).toString());

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("health must never serve credentials");
    }

    @Test
    void serve_authorizationTokenFileTooShort_exitsOneWithoutEchoingIt() throws Exception {
        Cli result = Cli.run("serve", "--role-arn", ROLE, "--token-file", write("token", gke()).toString(),
                "--authorization-token-file", write("authorization", "hunter2\n").toString());

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).contains("holds 7 characters", "at least 16").doesNotContain("hunter2");
    }

    @Test
    void doctor_accessDenied_printsTheFailingStepAndTheFix() throws Exception {
        sts = new StsStub();
        sts.fail(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
        String token = gke();

        Cli result = Cli.run("doctor", "--role-arn", ROLE, "--sts-endpoint", sts.endpoint().toString(),
                "--token-file", write("token", token).toString());

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.out()).contains("[PASS] Token found", "[PASS] Token sane", "[PASS] STS reachable",
                "[FAIL] Role assumed", "AccessDenied", "fix: ", "keyless check-policy", "[SKIP] Caller identity");
        assertThat(result.all()).doesNotContain(token).doesNotContain("eyJ");
    }

    @Test
    void doctor_expiredToken_stopsAtTokenSane() throws Exception {
        Cli result = Cli.run("doctor", "--role-arn", ROLE, "--sts-endpoint", "http://127.0.0.1:9",
                "--token-file", write("token", TestTokens.gke(Instant.now().minus(Duration.ofHours(3)),
                        Duration.ofHours(1))).toString());

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.out()).contains("[FAIL] Token sane", "expired", "fix:", "[SKIP] STS reachable",
                "[SKIP] Role assumed", "[SKIP] Caller identity");
    }

    @Test
    void doctor_missingTokenFile_failsTheFirstStep() {
        Cli result = Cli.run("doctor", "--role-arn", ROLE, "--token-file", dir.resolve("token").toString());

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.out()).contains("[FAIL] Token found", dir.resolve("token").toString());
    }

    @Test
    void doctor_unreachableSts_saysSo() throws Exception {
        Cli result = Cli.run("doctor", "--role-arn", ROLE, "--sts-endpoint", "http://127.0.0.1:9",
                "--token-file", write("token", gke()).toString());

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.out()).contains("[FAIL] STS reachable", "127.0.0.1:9", "egress");
    }

    @Test
    void tokenWithAlgNone_isNeverSentToSts() throws Exception {
        sts = new StsStub();
        sts.succeed(Instant.now().plusSeconds(3600));
        String unsigned = new com.nimbusds.jwt.PlainJWT(new JWTClaimsSet.Builder(TestTokens.gkeClaims(Instant.now(),
                Duration.ofHours(1)).build()).build()).serialize();

        Cli result = Cli.run("doctor", "--role-arn", ROLE, "--sts-endpoint", sts.endpoint().toString(),
                "--token-file", write("token", unsigned).toString());

        assertThat(result.exit()).isEqualTo(1);
        assertThat(sts.server().getAllServeEvents()).isEmpty();
    }
}
