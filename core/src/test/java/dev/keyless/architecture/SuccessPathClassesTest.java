package dev.keyless.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyless.testing.TestTokens;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fresh JVM's first credentials load nothing but the SDK and Keyless: no nimbus-jose-jwt and no
 * iam-policy-builder, which are for diagnostics. Their classes on the success path are what made Keyless's
 * cold start several times slower than the SDK's own provider.
 */
class SuccessPathClassesTest {

    @TempDir
    Path dir;

    @Test
    void firstResolveCredentials_inAFreshJvm_loadsNoDiagnosticsLibrary() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), TestTokens.gke(Instant.now(), Duration.ofHours(1)));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xlog:class+load=info",
                "-cp", System.getProperty("java.class.path"),
                FirstCredentials.class.getName(), token.toString()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("out").toFile()).start();
        assertThat(child.waitFor(2, TimeUnit.MINUTES)).as("the child JVM finished").isTrue();
        List<String> output = Files.readAllLines(dir.resolve("out"), StandardCharsets.UTF_8);

        assertThat(child.exitValue()).as(tail(output)).isZero();
        assertThat(output).as("the success path ran").contains("resolved ASIACOLDSTART");
        List<String> loaded = output.stream().filter(line -> line.contains("[class,load]")).toList();
        assertThat(loaded).as("class loading was logged").hasSizeGreaterThan(500);
        assertThat(loaded).as("Keyless itself was loaded")
                .anyMatch(line -> line.contains(" dev.keyless.WebIdentityCredentialsProvider "));
        assertThat(loaded).filteredOn(line -> line.contains(" com.nimbusds.")).as("nimbus-jose-jwt classes").isEmpty();
        assertThat(loaded).filteredOn(line -> line.contains(" software.amazon.awssdk.policybuilder."))
                .as("iam-policy-builder classes").isEmpty();
        assertThat(loaded).filteredOn(line -> line.contains(" dev.keyless.diagnostics."))
                .as("Keyless's diagnostics classes").isEmpty();
    }

    private static String tail(List<String> output) throws IOException {
        return String.join("\n", output.subList(Math.max(0, output.size() - 40), output.size()));
    }
}
