package dev.keyless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyless.testing.TestTokens;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Chaining into another account": each {@code keyless.jar trust-policy} command there, run on a
 * token of the shape it is shown for, prints exactly the policy JSON under it. A change to what
 * {@code trust-policy} writes fails here until the README shows it.
 */
class ReadmeChainingTest {

    private static final Path README = Path.of("..", "README.md");
    private static final String SECTION = "## Chaining into another account";
    private static final String COMMAND = "java -jar keyless.jar ";

    @TempDir
    Path dir;

    @Test
    void everyTrustPolicyCommandInTheSection_printsThePolicyShownUnderIt() throws IOException {
        Path token = dir.resolve("token");
        Files.writeString(token, TestTokens.gke(Instant.now(), Duration.ofHours(1)), StandardCharsets.UTF_8);
        Map<String, String> pod = Map.of("AWS_WEB_IDENTITY_TOKEN_FILE", token.toString());

        List<String[]> examples = examples(section());
        assertThat(examples).as("trust-policy commands, each followed by its JSON").hasSize(3);
        for (String[] example : examples) {
            String[] args = example[0].substring(COMMAND.length()).trim().split("\\s+");
            Cli result = Cli.run(pod, "", args);
            assertThat(result.exit()).as(example[0] + "\n" + result.err()).isZero();
            assertThat(result.out().strip()).as(example[0]).isEqualTo(example[1].strip());
        }
    }

    private static String section() throws IOException {
        String readme = Files.readString(README, StandardCharsets.UTF_8);
        int start = readme.indexOf(SECTION);
        assertThat(start).as("README section " + SECTION).isNotNegative();
        int end = readme.indexOf("\n## ", start + SECTION.length());
        return readme.substring(start, end < 0 ? readme.length() : end);
    }

    /** Each {@code keyless.jar trust-policy} command (continuation lines joined) and the json block after it. */
    private static List<String[]> examples(String section) {
        List<String[]> examples = new ArrayList<>();
        List<String> lines = Arrays.asList(section.split("\n"));
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).startsWith(COMMAND + "trust-policy")) {
                continue;
            }
            StringBuilder command = new StringBuilder();
            int j = i;
            for (; lines.get(j).endsWith("\\"); j++) {
                command.append(lines.get(j), 0, lines.get(j).length() - 1).append(' ');
            }
            command.append(stripComment(lines.get(j)));
            while (!lines.get(j).equals("```json")) {
                j++;
            }
            StringBuilder json = new StringBuilder();
            for (j++; !lines.get(j).equals("```"); j++) {
                json.append(lines.get(j)).append('\n');
            }
            examples.add(new String[] {command.toString(), json.toString()});
            i = j;
        }
        return examples;
    }

    private static String stripComment(String line) {
        int hash = line.indexOf(" #");
        return hash < 0 ? line : line.substring(0, hash);
    }
}
