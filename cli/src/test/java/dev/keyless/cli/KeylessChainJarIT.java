package dev.keyless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyless.testing.MotoServer;
import dev.keyless.testing.TestTokens;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged {@code keyless.jar} as the real AWS CLI's {@code credential_process}, with a two-hop chain,
 * against moto enforcing authentication: the AWS CLI signs with the second role's credentials, and moto checked
 * the AssumeRole between them (the landing session's signature and permission, the orders role's trust policy
 * and external ID).
 */
@ExtendWith(MotoServer.class)
class KeylessChainJarIT {

    private static final String JAVA = ProcessHandle.current().info().command().orElse("java");
    private static final String JAR = System.getProperty("keyless.jar", "target/keyless.jar");

    private final MotoServer moto;

    @TempDir
    Path dir;

    KeylessChainJarIT(MotoServer moto) {
        this.moto = moto;
    }

    @Test
    void awsCli_credentialProcessWithTwoHopChain_signsAsTheSecondRole() throws Exception {
        MotoChain roles = MotoChain.create(moto, dir);
        String token = TestTokens.gke(Instant.now(), Duration.ofHours(1));
        Path tokenFile = Files.writeString(dir.resolve("token"), token);
        List<String> keyless = List.of(JAVA, "-jar", JAR, "credential-process", "--role-arn", roles.landingArn(),
                "--role-session-name", roles.session(), "--sts-endpoint", moto.endpoint().toString(),
                "--token-file", tokenFile.toString(), "--chain-role-arn", roles.ordersArn(), "--external-id",
                roles.externalId(), "--chain-duration", "900");
        Files.writeString(dir.resolve("config"), "[profile chained]\nregion = us-east-1\ncredential_process = "
                + String.join(" ", keyless) + "\n", StandardCharsets.UTF_8);

        List<String> command = new ArrayList<>(List.of("aws", "sts", "get-caller-identity", "--profile", "chained",
                "--output", "json", "--endpoint-url", moto.endpoint().toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(dir.resolve("out").toFile())
                .redirectError(dir.resolve("err").toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("AWS_") || name.startsWith("GCE_"));
        builder.environment().put("AWS_CONFIG_FILE", dir.resolve("config").toString());
        builder.environment().put("AWS_SHARED_CREDENTIALS_FILE", dir.resolve("credentials").toString());
        builder.environment().put("AWS_EC2_METADATA_DISABLED", "true");
        int exit;
        // Only the unsigned AssumeRoleWithWebIdentity goes unchecked; the AssumeRole and the AWS CLI's call are not.
        try (MotoServer.Enforcement enforced = moto.enforceAuthentication(1)) {
            Process process = builder.start();
            assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
            exit = process.exitValue();
        }
        String out = Files.readString(dir.resolve("out"));
        String err = Files.readString(dir.resolve("err"));

        assertThat(exit).as(err).isZero();
        assertThat(out).contains("\"Arn\": \"" + roles.ordersSession() + "\"");
        assertThat(out + err).doesNotContain("eyJ").doesNotContain(roles.externalId());
    }
}
