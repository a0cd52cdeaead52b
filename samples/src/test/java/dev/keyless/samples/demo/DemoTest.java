package dev.keyless.samples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoTest {

    private static final String ROLE_ARN = "arn:aws:iam::123456789012:role/checkout-s3-writer";
    private static final String REFUSING_ROLE_ARN = "arn:aws:iam::123456789012:role/payments-ledger-reader";

    @Test
    void run_onLoopback_usesS3FollowsRotationAndExplainsRefusal_withoutPrintingSecrets() {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        Demo demo = new Demo(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        PrintStream originalErr = System.err;
        int status;
        // Logging goes to stderr: capture it too, so the secret check covers the log lines.
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        try {
            status = demo.run();
        } finally {
            System.setErr(originalErr);
        }
        String output = stdout.toString(StandardCharsets.UTF_8);
        String logs = stderr.toString(StandardCharsets.UTF_8);

        assertThat(status).as(output).isZero();
        assertThat(output)
                .contains("1. Started a local OIDC issuer at http://127.0.0.1:")
                .contains("sub=system:serviceaccount:checkout:checkout-api, aud=sts.amazonaws.com")
                .contains("2. Started a local STS at http://127.0.0.1:")
                .containsPattern("\"127\\.0\\.0\\.1:\\d+:sub\" : \"system:serviceaccount:checkout:checkout-api\"")
                .containsPattern("3. Started a local S3 at http://127\\.0\\.0\\.1:\\d+ \\(S3Proxy [\\d.]+ from Maven Central")
                .contains("4. The S3 sample's code")
                .contains("WebIdentityCredentialsProvider(roleArn=" + ROLE_ARN)
                .contains("read back \"order 1 exported\"")
                .containsPattern("account 123456789012, provider KeylessWebIdentityCredentialsProvider, "
                        + "expiring at \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ \\(in 5\\d min\\)")
                .contains("assumed-role/checkout-s3-writer/checkout-api-7d9f8b6c4-x2k9p")
                .contains("0 new STS calls")
                .contains("S3 accepted the new credentials")
                .endsWith("a refusal explained." + System.lineSeparator())
                .contains("Demo finished in ");

        List<LocalSts.Exchange> calls = demo.sts().exchanges();
        assertThat(calls).extracting(LocalSts.Exchange::roleArn)
                .containsExactly(ROLE_ARN, ROLE_ARN, REFUSING_ROLE_ARN);
        assertThat(calls.get(1).tokenIssuedAt()).isAfter(calls.get(0).tokenIssuedAt());
        assertThat(output).contains("STS verified the token issued at " + calls.get(1).tokenIssuedAt()
                + " (the first was issued at " + calls.get(0).tokenIssuedAt() + ")");

        String refusal = output.substring(output.indexOf("\n5. "));
        assertThat(refusal)
                .contains("WebIdentityCredentialsException (STS error AccessDenied)")
                .contains("403 AccessDenied")
                .contains(REFUSING_ROLE_ARN)
                .contains("sub=system:serviceaccount:checkout:checkout-api")
                .contains("Likely cause: the role's trust policy does not admit this token.")
                .contains("Trust policy of " + REFUSING_ROLE_ARN + ": NOT ADMITTED")
                .contains("system:serviceaccount:payments:payments-api");

        assertThat(secrets(demo)).hasSize(3 + 2 * 3);
        for (String text : List.of(output, logs)) {
            assertThat(text).doesNotContain("eyJ");
            for (String secret : secrets(demo)) {
                assertThat(text).doesNotContain(secret);
            }
        }
    }

    @Test
    void main_inItsOwnJvm_exitsZeroWithinTheTimeBudget_andPrintsNoCredentials(@TempDir Path dir) throws Exception {
        // Surefire puts the test classpath in java.class.path (directly, or in its booter jar's manifest).
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path log = dir.resolve("demo.out");
        long started = System.nanoTime();
        Process process = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                Demo.class.getName())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        boolean exited = process.waitFor(60, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - started) / 1e9;
        if (!exited) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);

        assertThat(exited).as("the demo's JVM exited on its own; output:%n%s", output).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(seconds).as("seconds the demo took, JVM start included").isLessThan(30);
        assertThat(output)
                .contains("1. Started a local OIDC issuer", "2. Started a local STS", "3. Started a local S3",
                        "4. The S3 sample's code", "5. A provider for " + REFUSING_ROLE_ARN, "Demo finished in ")
                .doesNotContain("eyJ")
                .doesNotContainPattern("ASIA[A-Z2-7]{16}")
                .doesNotContain("Demo FAILED");
    }

    /** The tokens minted, and the key ids, secret keys and session tokens STS handed out. */
    private static List<String> secrets(Demo demo) {
        List<String> secrets = new ArrayList<>(demo.issuer().mintedTokens());
        for (LocalSts.IssuedCredentials c : demo.sts().issuedCredentials()) {
            secrets.add(c.accessKeyId());
            secrets.add(c.secretAccessKey());
            secrets.add(c.sessionToken());
        }
        return secrets;
    }
}
