package dev.keyless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyless.testing.FakeMetadataServer;
import dev.keyless.testing.MotoServer;
import dev.keyless.testing.StsStub;
import dev.keyless.testing.TestTokens;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged {@code keyless.jar}, run as a process the way users run it: by the real AWS CLI through
 * {@code credential_process}, and as {@code doctor} and {@code inspect --metadata} in a pod.
 */
@ExtendWith(MotoServer.class)
class KeylessJarIT {

    private static final String ROLE = "arn:aws:iam::" + MotoServer.ACCOUNT_ID + ":role/checkout-s3-writer";
    private static final String JAVA = ProcessHandle.current().info().command().orElse("java");
    private static final String JAR = System.getProperty("keyless.jar", "target/keyless.jar");

    private final MotoServer moto;

    @TempDir
    Path dir;

    private Path tokenFile;
    private String token;

    KeylessJarIT(MotoServer moto) {
        this.moto = moto;
    }

    @BeforeEach
    void writeToken() throws IOException {
        token = TestTokens.gke(Instant.now(), Duration.ofHours(1));
        tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, token);
    }

    private record Run(int exit, String out, String err) {
    }

    private Run run(Map<String, String> env, List<String> command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(dir.resolve("out").toFile())
                .redirectError(dir.resolve("err").toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("AWS_") || name.startsWith("GCE_"));
        builder.environment().put("AWS_CONFIG_FILE", dir.resolve("config").toString());
        builder.environment().put("AWS_SHARED_CREDENTIALS_FILE", dir.resolve("credentials").toString());
        builder.environment().put("AWS_EC2_METADATA_DISABLED", "true");
        builder.environment().putAll(env);
        Process process = builder.start();
        assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
        return new Run(process.exitValue(), Files.readString(dir.resolve("out")), Files.readString(dir.resolve("err")));
    }

    private List<String> keyless(String... args) {
        List<String> command = new ArrayList<>(List.of(JAVA, "-jar", JAR));
        command.addAll(List.of(args));
        return command;
    }

    @Test
    void awsCli_acceptsCredentialProcessOutput() throws Exception {
        Files.writeString(dir.resolve("config"), "[profile keyless]\n"
                + "region = us-east-1\n"
                + "credential_process = " + String.join(" ", keyless("credential-process", "--role-arn", ROLE,
                        "--sts-endpoint", moto.endpoint().toString(), "--token-file", tokenFile.toString())) + "\n",
                StandardCharsets.UTF_8);

        Run run = run(Map.of(), List.of("aws", "sts", "get-caller-identity", "--profile", "keyless", "--output", "json",
                "--endpoint-url", moto.endpoint().toString()));

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("\"Account\": \"" + MotoServer.ACCOUNT_ID + "\"", "assumed-role/checkout-s3-writer/");
        assertThat(run.err()).doesNotContain("eyJ");
    }

    @Test
    void awsCli_credentialProcessRunWithTheCallersAwsProfile_stillGetsCredentials() throws Exception {
        // The AWS CLI hands credential_process its own environment, AWS_PROFILE=keyless included: a profile of
        // another kind (credential_process), which Keyless leaves to the AWS CLI.
        Files.writeString(dir.resolve("config"), "[profile keyless]\n"
                + "region = us-east-1\n"
                + "credential_process = " + String.join(" ", keyless("credential-process", "--role-arn", ROLE,
                        "--sts-endpoint", moto.endpoint().toString(), "--token-file", tokenFile.toString())) + "\n",
                StandardCharsets.UTF_8);

        Run run = run(Map.of("AWS_PROFILE", "keyless"), List.of("aws", "sts", "get-caller-identity", "--output",
                "json", "--endpoint-url", moto.endpoint().toString()));

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("assumed-role/checkout-s3-writer/");
    }

    @Test
    void awsCli_credentialProcessWithAKeylessProfile_assumesTheChainedRole() throws Exception {
        Files.writeString(dir.resolve("config"), "[profile gke]\n"
                + "role_arn = " + ROLE + "\n"
                + "web_identity_token_file = " + tokenFile + "\n"
                + "\n[profile orders]\n"
                + "role_arn = arn:aws:iam::" + MotoServer.ACCOUNT_ID + ":role/keyless-jar-orders\n"
                + "source_profile = gke\n"
                + "role_session_name = orders-writer\n"
                + "\n[profile app]\n"
                + "region = us-east-1\n"
                + "credential_process = " + String.join(" ", keyless("credential-process", "--profile", "orders",
                        "--sts-endpoint", moto.endpoint().toString())) + "\n",
                StandardCharsets.UTF_8);

        Run run = run(Map.of(), List.of("aws", "sts", "get-caller-identity", "--profile", "app", "--output", "json",
                "--endpoint-url", moto.endpoint().toString()));

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("assumed-role/keyless-jar-orders/orders-writer");
    }

    @Test
    void doctor_againstMoto_passesEveryStep() throws Exception {
        Run run = run(Map.of("AWS_ROLE_ARN", ROLE, "AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile.toString()),
                keyless("doctor", "--verbose", "--sts-endpoint", moto.endpoint().toString()));

        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("[PASS] Token found", "[PASS] Token sane", "[PASS] STS reachable",
                "[PASS] Role assumed: credentials for account " + MotoServer.ACCOUNT_ID,
                "[PASS] Caller identity: arn:aws:sts::" + MotoServer.ACCOUNT_ID + ":assumed-role/checkout-s3-writer/",
                "Federation works.").doesNotContain("FAIL");
        assertThat(run.out() + run.err()).doesNotContain(token).doesNotContain("eyJ");
    }

    @Test
    void inspect_metadata_readsPathBFromTheMetadataServerTheEnvironmentNames() throws Exception {
        try (FakeMetadataServer metadata = FakeMetadataServer.start()) {
            Run run = run(Map.of("GCE_METADATA_HOST", metadata.hostAndPort()),
                    keyless("inspect", "--metadata", "--audience", TestTokens.GSA_UNIQUE_ID));

            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(run.out()).contains("Google service-account identity token", "sub  " + TestTokens.GSA_UNIQUE_ID,
                    "aud  " + TestTokens.GSA_UNIQUE_ID).doesNotContain("eyJ");
            assertThat(metadata.requests()).allMatch(FakeMetadataServer.Request::flavorHeader);
        }
    }

    @Test
    void version_comesFromTheManifest() throws Exception {
        Run run = run(Map.of(), keyless("--version"));

        assertThat(run.exit()).isZero();
        assertThat(run.out()).startsWith("keyless 0.");
    }

    @Test
    void noArguments_printsUsageAndExitsTwo() throws Exception {
        Run run = run(Map.of(), keyless());

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains("Usage: keyless", "Exit codes");
    }

    @Test
    void credentialProcess_stsRefuses_printsItsMessageOnce() throws Exception {
        try (StsStub sts = new StsStub()) {
            sts.fail(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");

            Run run = run(Map.of(), keyless("credential-process", "--role-arn", ROLE, "--sts-endpoint",
                    sts.endpoint().toString(), "--token-file", tokenFile.toString()));

            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.out()).isEmpty();
            assertThat(run.err().lines().filter(line -> line.contains("AccessDenied"))).hasSize(1);
            assertThat(run.err()).startsWith("keyless: Could not assume role").doesNotContain("eyJ");
        }
    }

    @Test
    void credentialProcess_stsAcceptsAndNeverAnswers_failsWithinTheStatedTimeout() throws Exception {
        try (HungServer hung = new HungServer()) {
            Run run = run(Map.of(), keyless("credential-process", "--role-arn", ROLE, "--sts-endpoint",
                    hung.endpoint().toString(), "--timeout", "2", "--token-file", tokenFile.toString()));

            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.err()).startsWith("keyless: STS at " + hung.endpoint() + " did not answer within 2 s "
                    + "(--timeout).").doesNotContain("\tat ");
        }
    }

    @Test
    void inspect_endlessDeviceAsTheToken_failsWithTheLimitNotOutOfMemory() throws Exception {
        Run run = run(Map.of(), keyless("inspect", "--token-file", "/dev/zero"));

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("keyless: Token file /dev/zero is more than 32768 bytes; the limit is 32768 "
                + "bytes, and reading stopped there.\n");
        assertThat(run.out()).isEmpty();
    }
}
