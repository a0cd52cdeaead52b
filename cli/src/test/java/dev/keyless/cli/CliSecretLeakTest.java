package dev.keyless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.keyless.testing.StsStub;
import dev.keyless.testing.TestTokens;
import dev.keyless.testing.TokenEchoes;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command, succeeding and failing, with every logger at TRACE (surefire sets slf4j-simple's default level
 * for this module): no token, secret key or session token in the logs or in any output, except the credentials
 * {@code credential-process} prints on standard output, which is its job.
 */
class CliSecretLeakTest {

    @TempDir
    Path dir;

    @Test
    void everyCommandAtTrace_noTokenSecretKeyOrSessionToken() throws Exception {
        assertThat(System.getProperty("org.slf4j.simpleLogger.defaultLogLevel")).isEqualTo("trace");
        String token = TestTokens.gke(Instant.now(), Duration.ofHours(1));
        String expired = TestTokens.gke(Instant.now().minus(Duration.ofHours(3)), Duration.ofHours(1));
        Path tokenFile = Files.writeString(dir.resolve("token"), token);
        Path expiredFile = Files.writeString(dir.resolve("expired"), expired);
        Path policy = dir.resolve("policy.json");
        List<String> outputs = new ArrayList<>();
        List<String> credentialJson = new ArrayList<>();

        PrintStream originalErr = System.err;
        ByteArrayOutputStream logs = new ByteArrayOutputStream();
        System.setErr(new PrintStream(logs, true, StandardCharsets.UTF_8));
        try (StsStub sts = new StsStub()) {
            String endpoint = sts.endpoint().toString();
            String file = tokenFile.toString();
            sts.succeed(Instant.now().plus(Duration.ofHours(1)));
            Cli ok = Cli.run("credential-process", "--role-arn", StsStub.ROLE_ARN, "--sts-endpoint", endpoint,
                    "--token-file", file);
            assertThat(ok.exit()).isZero();
            credentialJson.add(ok.out());
            outputs.add(ok.err());
            outputs.add(Cli.run("doctor", "--verbose", "--role-arn", StsStub.ROLE_ARN, "--sts-endpoint", endpoint,
                    "--token-file", file).all());
            outputs.add(Cli.run("inspect", "--token-file", file).all());
            outputs.add(Cli.run("inspect", "--json", "--token-file", expiredFile.toString()).all());
            outputs.add(Cli.run(Map.of(), token, "inspect", "-").all());
            outputs.add(Cli.run("inspect", token).all());
            outputs.add(Cli.run("inspect", "--token-file", file, token).all());
            Cli policyRun = Cli.run("trust-policy", "--account-id", "123456789012", "--token-file", file);
            Files.writeString(policy, policyRun.out());
            outputs.add(policyRun.all());
            outputs.add(Cli.run("check-policy", "--policy-file", policy.toString(), "--role-arn", StsStub.ROLE_ARN,
                    "--token-file", file).all());
            Files.writeString(policy, "{\"not\": \"" + token + "\"}");
            outputs.add(Cli.run("check-policy", "--policy-file", policy.toString(), "--role-arn", StsStub.ROLE_ARN,
                    "--token-file", file).all());
            for (String code : new String[] {"AccessDenied", "InvalidIdentityToken", "ExpiredTokenException"}) {
                // A hostile STS that echoes the token in its error message.
                sts.fail(400, code, "Rejected " + token);
                outputs.add(Cli.run("doctor", "--role-arn", StsStub.ROLE_ARN, "--sts-endpoint", endpoint,
                        "--token-file", file).all());
                outputs.add(Cli.run("credential-process", "--role-arn", StsStub.ROLE_ARN, "--sts-endpoint", endpoint,
                        "--token-file", file).all());
            }
            outputs.add(Cli.run("doctor", "--role-arn", StsStub.ROLE_ARN, "--sts-endpoint", endpoint,
                    "--token-file", expiredFile.toString()).all());
            // serve's start-up failures; its running server is checked at TRACE by KeylessServeIT.
            outputs.add(Cli.run("serve", "--bind", "0.0.0.0", "--role-arn", StsStub.ROLE_ARN, "--sts-endpoint",
                    endpoint, "--token-file", file).all());
            try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 0,
                    java.net.InetAddress.getByName("127.0.0.1"))) {
                outputs.add(Cli.run("serve", "--port", String.valueOf(taken.getLocalPort()), "--role-arn",
                        StsStub.ROLE_ARN, "--sts-endpoint", endpoint, "--token-file", file).all());
            }
            outputs.add(Cli.run("serve", "--role-arn", StsStub.ROLE_ARN, "--token-file", file,
                    "--authorization-token-file", Files.writeString(dir.resolve("short"), token.substring(0, 10))
                            .toString()).all());
        } finally {
            System.setErr(originalErr);
        }

        String everything = String.join("\n", outputs) + "\n" + logs.toString(StandardCharsets.UTF_8);
        assertThat(logs.toString(StandardCharsets.UTF_8)).as("TRACE logging is on").contains("TRACE", "DEBUG");
        assertThat(everything).doesNotContain(token).doesNotContain(expired).doesNotContain("eyJ")
                .doesNotContain(token.substring(0, 10)).doesNotContain(StsStub.SECRET_PREFIX).doesNotContain(StsStub.SESSION_TOKEN_PREFIX);
        Map<String, Object> credentials = JSONObjectUtils.parse(credentialJson.get(0));
        assertThat((String) credentials.get("SecretAccessKey")).startsWith(StsStub.SECRET_PREFIX);
    }

    @Test
    void stsEchoesEverySegmentInEveryWay_noPieceOfTheTokenInAnyOutputOrLog() throws Exception {
        String token = TestTokens.gke(Instant.now(), Duration.ofHours(1));
        Path tokenFile = Files.writeString(dir.resolve("token"), token);
        List<String> outputs = new ArrayList<>();
        PrintStream originalErr = System.err;
        ByteArrayOutputStream logs = new ByteArrayOutputStream();
        System.setErr(new PrintStream(logs, true, StandardCharsets.UTF_8));
        try (StsStub sts = new StsStub()) {
            String endpoint = sts.endpoint().toString();
            for (String code : new String[] {"AccessDenied", "InvalidIdentityToken", "IDPCommunicationError"}) {
                sts.fail(code.equals("AccessDenied") ? 403 : 400, code, TokenEchoes.message(token));
                outputs.add(Cli.run("doctor", "--verbose", "--role-arn", StsStub.ROLE_ARN, "--sts-endpoint", endpoint,
                        "--token-file", tokenFile.toString()).all());
                outputs.add(Cli.run("credential-process", "--verbose", "--role-arn", StsStub.ROLE_ARN,
                        "--sts-endpoint", endpoint, "--token-file", tokenFile.toString()).all());
                outputs.add(Cli.run(Map.of(), token, "credential-process", "--role-arn", StsStub.ROLE_ARN,
                        "--sts-endpoint", endpoint, "-").all());
            }
        } finally {
            System.setErr(originalErr);
        }
        String everything = String.join("\n", outputs) + "\n" + logs.toString(StandardCharsets.UTF_8);
        assertThat(everything).contains("[token redacted]", "TRACE");
        TokenEchoes.assertNoPiece(everything, token);
    }
}
