package dev.keyless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyless.testing.HostileTokens;
import dev.keyless.testing.TestTokens;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Every command over hostile input on standard input (issue 12): random bytes, inputs past the size limit, deep
 * and wide JSON, claims of the wrong type, control characters and escape sequences in every claim. The documented
 * exit code every time, never a stack trace, never a raw control character in the output, and never a line a
 * claim forged.
 */
class HostileInputPropertiesTest {

    private static final String ROLE = "arn:aws:iam::123456789012:role/checkout-s3-writer";
    /** Nothing listens here: doctor and credential-process fail at STS, quickly. */
    private static final String DEAD_STS = "http://127.0.0.1:9";
    private static Path policy;

    @BeforeContainer
    static void writePolicy() throws Exception {
        Path token = Files.createTempFile("keyless-token", "");
        Files.writeString(token, TestTokens.gke(Instant.now(), Duration.ofHours(1)));
        policy = Files.createTempFile("keyless-policy", ".json");
        Files.writeString(policy, Cli.run("trust-policy", "--account-id", "123456789012", "--token-file",
                token.toString()).out());
        Files.delete(token);
    }

    @AfterContainer
    static void deletePolicy() throws Exception {
        Files.deleteIfExists(policy);
    }

    @Provide
    Arbitrary<byte[]> inputs() {
        return HostileTokens.bytes();
    }

    static void assertWellBehaved(Cli result, Set<Integer> documented) {
        assertThat(result.exit()).as(result.all()).isIn(documented);
        assertThat(result.all()).doesNotContain("\tat ").doesNotContain("java.lang.").doesNotContain("Exception:");
        assertThat(result.all().chars().filter(c -> c != '\n' && (Character.isISOControl(c)
                || Character.getType(c) == Character.FORMAT || c == '\u2028' || c == '\u2029')).toArray())
                .as(result.all()).isEmpty();
    }

    /** For the commands whose every line is built by the CLI from escaped parts. */
    static void assertNoForgedLine(Cli result) {
        assertThat(result.all().lines()).noneMatch(line -> line.startsWith("[PASS] Role assumed: forged")
                || line.startsWith("[PASS] overwritten"));
    }

    @Property(tries = 150)
    void inspect(@ForAll("inputs") byte[] input) {
        assertWellBehaved(Cli.run(Map.of(), input, "inspect", "-"), Set.of(0, 1));
        assertWellBehaved(Cli.run(Map.of(), input, "inspect", "--json", "-"), Set.of(0, 1));
    }

    @Property(tries = 150)
    void trustPolicy(@ForAll("inputs") byte[] input) {
        Cli result = Cli.run(Map.of(), input, "trust-policy", "--account-id", "123456789012", "-");
        assertWellBehaved(result, Set.of(0, 1));
    }

    @Property(tries = 150)
    void checkPolicy(@ForAll("inputs") byte[] input) {
        Cli result = Cli.run(Map.of(), input, "check-policy", "--policy-file", policy.toString(), "--role-arn", ROLE, "-");
        assertWellBehaved(result, Set.of(0, 1));
        assertNoForgedLine(result);
    }

    @Property(tries = 100)
    void doctor(@ForAll("inputs") byte[] input) {
        Cli result = Cli.run(Map.of(), input, "doctor", "--role-arn", ROLE, "--sts-endpoint", DEAD_STS, "--timeout", "2", "-");
        assertWellBehaved(result, Set.of(1));
        assertNoForgedLine(result);
    }

    @Property(tries = 40)
    void credentialProcess(@ForAll("inputs") byte[] input) {
        Cli result = Cli.run(Map.of(), input, "credential-process", "--role-arn", ROLE, "--sts-endpoint", DEAD_STS,
                "--timeout", "2", "-");
        assertWellBehaved(result, Set.of(1));
        assertNoForgedLine(result);
        assertThat(result.out()).isEmpty();
    }

    @Property(tries = 100)
    void policyFile(@ForAll("inputs") byte[] content) throws Exception {
        Path file = Files.createTempFile("keyless-hostile-policy", ".json");
        try {
            Files.write(file, content);
            Cli result = Cli.run(Map.of(), TestTokens.gke(Instant.now(), Duration.ofHours(1)).getBytes(StandardCharsets.UTF_8),
                    "check-policy", "--policy-file", file.toString(), "--role-arn", ROLE, "-");
            assertWellBehaved(result, Set.of(1));
            assertNoForgedLine(result);
        } finally {
            Files.delete(file);
        }
    }
}
