package dev.keyless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyless.testing.StsStub;
import dev.keyless.testing.TestTokens;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The classes of hostile input of issue 12, each through the commands a user runs. */
class KeylessCliHostileInputTest {

    private static final String ROLE = StsStub.ROLE_ARN;
    /** A claim that tries to print a line of its own, colour the terminal and reverse what follows. */
    private static final String FORGED = "x\n[PASS] Role assumed: forged\u001b[31m\u202e";

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

    private static String forgedToken() {
        return TestTokens.sign(TestTokens.gkeClaims(Instant.now(), Duration.ofHours(1)).subject(FORGED)
                .claim("azp", "\u001b]0;title\u0007").build());
    }

    static void assertNoForgedLineNorControlCharacter(Cli result) {
        assertThat(result.all().lines()).noneMatch(line -> line.startsWith("[PASS] Role assumed: forged"));
        assertThat(result.all().chars().filter(c -> c != '\n' && (Character.isISOControl(c)
                || Character.getType(c) == Character.FORMAT)).toArray()).isEmpty();
        assertThat(result.all()).doesNotContain("\tat ").doesNotContain("Exception:");
    }

    @Test
    void doctor_subWithNewlineAndEscapes_cannotForgeAPassLine() throws Exception {
        sts = new StsStub();
        sts.fail(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");

        Cli result = Cli.run("doctor", "--role-arn", ROLE, "--sts-endpoint", sts.endpoint().toString(),
                "--token-file", write("token", forgedToken()).toString());

        assertThat(result.exit()).isEqualTo(1);
        assertNoForgedLineNorControlCharacter(result);
        assertThat(result.out()).contains("x\\n[PASS] Role assumed: forged\\u001b[31m\\u202e");
    }

    @Test
    void inspect_subWithNewlineAndEscapes_cannotForgeALine() throws Exception {
        Cli result = Cli.run("inspect", "--token-file", write("token", forgedToken()).toString());

        assertNoForgedLineNorControlCharacter(result);
    }

    @Test
    void credentialProcess_subWithNewlineAndEscapes_isEscapedInTheError() throws Exception {
        sts = new StsStub();
        sts.fail(403, "AccessDenied", "Not authorized\n[PASS] from STS \u001b[2J");

        Cli result = Cli.run("credential-process", "--role-arn", ROLE, "--sts-endpoint", sts.endpoint().toString(),
                "--token-file", write("token", forgedToken()).toString());

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.out()).isEmpty();
        assertNoForgedLineNorControlCharacter(result);
        assertThat(result.err().lines()).noneMatch(line -> line.startsWith("[PASS] from STS"));
    }

    @Test
    void checkPolicy_and_trustPolicy_forgedClaims_areEscaped() throws Exception {
        Path token = write("token", forgedToken());
        Cli policy = Cli.run("trust-policy", "--account-id", "123456789012", "--token-file", token.toString());
        assertThat(policy.exit()).isZero();
        assertNoForgedLineNorControlCharacter(policy);

        Cli check = Cli.run("check-policy", "--policy-file", write("p.json", policy.out()).toString(), "--role-arn", ROLE,
                "--token-file", token.toString());
        assertThat(check.exit()).as(check.all()).isZero();
        assertNoForgedLineNorControlCharacter(check);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "credential-process --role-arn arn:aws:iam::123456789012:role/app --duration 10 | '--duration': '10': STS accepts 900 to 43200",
        "credential-process --role-arn not-an-arn | '--role-arn': 'not-an-arn': it is not an ARN",
        "credential-process --role-arn arn:aws:s3:::bucket | it is an ARN of service s3, not iam",
        "doctor --role-arn arn:aws:iam::12345678901:role/app | its account is not 12 digits",
        "doctor --role-arn arn:aws:iam::123456789012:user/app | it does not name a role",
        "doctor --role-arn arn:aws:iam::123456789012:role/app --sts-endpoint file:///etc/passwd | the scheme file:// is not supported",
        "credential-process --role-arn arn:aws:iam::123456789012:role/app --timeout 0 | '--timeout': '0'",
        "trust-policy --account-id 12345678901 | an AWS account id is exactly 12 digits (11 characters given)",
        "check-policy --policy-file p.json --role-arn arn:aws:iam::123456789012:app | '--role-arn': 'arn:aws:iam::123456789012:app': it does not name a role",
    })
    void badOptionValue_isAWrongCommandLine(String args, String message) throws Exception {
        Path token = write("token", TestTokens.gke(Instant.now(), Duration.ofHours(1)));
        write("p.json", "{}");
        String[] argv = (args + " --token-file " + token).replace("p.json", dir.resolve("p.json").toString()).split(" ");

        Cli result = Cli.run(argv);

        assertThat(result.exit()).as(result.all()).isEqualTo(2);
        assertThat(result.err()).contains(message).contains("--help' for usage");
        assertThat(result.out()).isEmpty();
    }

    @Test
    void malformedPolicy_namesNoParserClassAndEchoesNothing() throws Exception {
        String secretish = "{\"Version\": \"2012-10-17\", \"Statement\": [ {\"Effect\": \"Allow\", oops-PRIVATE-TEXT";
        Cli result = Cli.run("check-policy", "--policy-file", write("p.json", secretish).toString(), "--role-arn", ROLE,
                "--token-file", write("token", TestTokens.gke(Instant.now(), Duration.ofHours(1))).toString());

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err()).startsWith("keyless: The trust policy is not valid JSON (it stops being JSON at line 1")
                .doesNotContain("PRIVATE").doesNotContain("jackson").doesNotContain("Exception").doesNotContain("Source:");
    }

    @Test
    void checkPolicy_lowerCaseDeny_cannotBeAdmittedAsWritten() throws Exception {
        Path token = write("token", TestTokens.gke(Instant.now(), Duration.ofHours(1)));
        String generated = Cli.run("trust-policy", "--account-id", "123456789012", "--token-file", token.toString()).out();

        Cli result = Cli.run("check-policy", "--policy-file",
                write("p.json", generated.replace("\"Allow\"", "\"allow\"")).toString(), "--role-arn", ROLE,
                "--token-file", token.toString());

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.out()).contains("CANNOT BE ADMITTED AS WRITTEN", "Effect is \"allow\"");
    }

    @Test
    void binaryAndHugePolicyAndTokenFiles_sayWhatIsWrong() throws Exception {
        Path binary = dir.resolve("binary");
        Files.write(binary, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2});
        Path huge = dir.resolve("huge");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(3L * 1024 * 1024 * 1024);
        }
        Path token = write("token", TestTokens.gke(Instant.now(), Duration.ofHours(1)));

        Cli inspectBinary = Cli.run("inspect", "--token-file", binary.toString());
        assertThat(inspectBinary.exit()).isEqualTo(1);
        assertThat(inspectBinary.err()).contains("is not text: the byte at offset 0 (0xff) is not UTF-8")
                .doesNotContain("Input length");

        Cli inspectHuge = Cli.run("inspect", "--token-file", huge.toString());
        assertThat(inspectHuge.exit()).isEqualTo(1);
        assertThat(inspectHuge.err()).contains("is 3221225472 bytes; the limit is 32768 bytes");

        Cli doctorHuge = Cli.run("doctor", "--role-arn", ROLE, "--token-file", huge.toString());
        assertThat(doctorHuge.exit()).isEqualTo(1);
        assertThat(doctorHuge.out()).contains("[FAIL] Token found", "is 3221225472 bytes; the limit is 32768 bytes");

        Cli policyHuge = Cli.run("check-policy", "--policy-file", huge.toString(), "--role-arn", ROLE,
                "--token-file", token.toString());
        assertThat(policyHuge.exit()).isEqualTo(1);
        assertThat(policyHuge.err()).contains("Policy file " + huge + " is 3221225472 bytes; the limit is 65536 bytes");

        Cli policyBinary = Cli.run("check-policy", "--policy-file", binary.toString(), "--role-arn", ROLE,
                "--token-file", token.toString());
        assertThat(policyBinary.exit()).isEqualTo(1);
        assertThat(policyBinary.err()).contains("Policy file " + binary + " is not text");
    }

    @Test
    void doctor_unreachableStsOnAnotherPort_namesThatPortInTheFix() throws Exception {
        Cli result = Cli.run("doctor", "--role-arn", ROLE, "--sts-endpoint", "https://127.0.0.1:9",
                "--token-file", write("token", TestTokens.gke(Instant.now(), Duration.ofHours(1))).toString());

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.out()).contains("egress from the pod to 127.0.0.1:9 ").doesNotContain(":443");
    }

    @Test
    void doctor_stsThatAcceptsAndNeverAnswers_failsWithinTheStatedTimeout() throws Exception {
        Path token = write("token", TestTokens.gke(Instant.now(), Duration.ofHours(1)));
        try (HungServer hung = new HungServer()) {
            CompletableFuture<Cli> run = CompletableFuture.supplyAsync(() -> Cli.run("doctor", "--role-arn", ROLE,
                    "--sts-endpoint", hung.endpoint().toString(), "--timeout", "1", "--token-file", token.toString()));

            // Bounded far above the timeout, so a slow machine never fails it, and a hang still ends the test.
            Cli result = run.get(60, TimeUnit.SECONDS);

            assertThat(hung.accepted.getCount()).isZero();
            assertThat(result.exit()).isEqualTo(1);
            assertThat(result.out()).contains("waiting at most 1 s (--timeout) for each STS call",
                    "[FAIL] STS reachable: " + hung.endpoint() + " did not answer within 1 s (--timeout)");
        }
    }

    @Test
    void credentialProcess_stsThatAcceptsAndNeverAnswers_failsWithinTheStatedTimeout() throws Exception {
        Path token = write("token", TestTokens.gke(Instant.now(), Duration.ofHours(1)));
        try (HungServer hung = new HungServer()) {
            CompletableFuture<Cli> run = CompletableFuture.supplyAsync(() -> Cli.run(Map.of(), "", "credential-process",
                    "--role-arn", ROLE, "--sts-endpoint", hung.endpoint().toString(), "--timeout", "1",
                    "--token-file", token.toString()));

            Cli result = run.get(60, TimeUnit.SECONDS);

            assertThat(hung.accepted.getCount()).isZero();
            assertThat(result.exit()).isEqualTo(1);
            assertThat(result.out()).isEmpty();
            assertThat(result.err()).startsWith("keyless: STS at " + hung.endpoint() + " did not answer within 1 s "
                    + "(--timeout).");
            assertThat(result.err().lines()).hasSize(1);
        }
    }
}
