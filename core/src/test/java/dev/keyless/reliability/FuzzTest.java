package dev.keyless.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyless.diagnostics.PolicyVerdict;
import dev.keyless.diagnostics.TokenInspector;
import dev.keyless.diagnostics.TokenReport;
import dev.keyless.diagnostics.TrustPolicyEvaluator;
import dev.keyless.testing.TestTokens;
import dev.keyless.token.TokenSourceException;
import dev.keyless.token.TokenSources;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Property-based fuzzing: whatever bytes arrive, the inspector reports, the token-file reader accepts or throws
 * {@link TokenSourceException}, and the evaluator decides or throws {@link IllegalArgumentException}. Nothing
 * else escapes, and no report or message repeats a token.
 */
class FuzzTest {

    private static final String GKE = TestTokens.gke(Instant.now(), Duration.ofHours(1));
    private static final String ROLE = "arn:aws:iam::123456789012:role/checkout-s3-writer";
    private static Path dir;

    @BeforeContainer
    static void createDir() throws Exception {
        dir = Files.createTempDirectory("keyless-fuzz");
    }

    @AfterContainer
    static void deleteDir() throws Exception {
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
        Files.delete(dir);
    }

    /** Tokens near the real shape: segments of random base64url JSON, real segments mixed in, random noise. */
    @Provide
    Arbitrary<String> tokens() {
        Arbitrary<String> json = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(200),
                Arbitraries.of("{}", "[]", "null", "1", "\"x\"", "{\"alg\":\"RS256\"}", "{\"alg\":\"none\"}",
                        "{\"exp\":\"soon\",\"aud\":[1,{}],\"iss\":null}", "{\"exp\":1e400}", "{\"kubernetes.io\":[]}",
                        "{\"sub\":{\"a\":1},\"aud\":\"sts.amazonaws.com\",\"iat\":-1}"));
        Arbitrary<String> segment = Arbitraries.oneOf(
                json.map(j -> Base64.getUrlEncoder().withoutPadding().encodeToString(j.getBytes(StandardCharsets.UTF_8))),
                Arbitraries.strings().withCharRange('!', '~').ofMaxLength(60),
                Arbitraries.of(GKE.split("\\.")));
        Arbitrary<String> shaped = Combinators.combine(segment, segment, segment, Arbitraries.of(".", "..", "", " ."))
                .as((a, b, c, dot) -> a + dot + b + "." + c);
        Arbitrary<String> mutated = Combinators.combine(Arbitraries.integers().between(0, GKE.length() - 1),
                Arbitraries.chars()).as((i, ch) -> GKE.substring(0, i) + ch + GKE.substring(i + 1));
        return Arbitraries.oneOf(shaped, mutated, Arbitraries.strings().ofMaxLength(300));
    }

    @Property(tries = 2000)
    void inspector_neverThrowsAndNeverRepeatsAToken(@ForAll("tokens") String input) {
        TokenReport report = TokenInspector.inspect(input);

        assertThat(report.kind()).isNotNull();
        String text = report.toText() + report.toJson() + report.summary();
        assertThat(text).doesNotContain(GKE);
        if (input.length() > 40) {
            assertThat(text).doesNotContain(input.strip());
        }
    }

    @Property(tries = 500)
    void tokenFileReader_acceptsOrExplains(@ForAll("tokens") String input) throws Exception {
        Path file = Files.createTempFile(dir, "token", "");
        Files.writeString(file, input, StandardCharsets.UTF_8);
        try {
            TokenSources.file(file).fetchToken();
        } catch (TokenSourceException e) {
            assertThat(e.getMessage()).contains(file.toString());
            if (input.strip().length() > 40) {
                assertThat(e.getMessage()).doesNotContain(input.strip());
            }
        } finally {
            Files.delete(file);
        }
    }

    /** Trust policies of every shape, from valid to nonsense. */
    @Provide
    Arbitrary<String> policies() {
        Arbitrary<String> key = Arbitraries.of("accounts.google.com:aud", "accounts.google.com:sub",
                "accounts.google.com:oaud", "container.googleapis.com/v1/projects/checkout-prod/locations/europe-west1/"
                        + "clusters/prod-1:sub", "aws:SourceIp", "", "x:y");
        Arbitrary<String> operator = Arbitraries.of("StringEquals", "StringLike", "StringNotEquals", "StringNotLike",
                "ForAnyValue:StringLike", "ForAllValues:StringEquals", "StringEqualsIfExists", "Null", "Bogus", "");
        Arbitrary<String> value = Arbitraries.oneOf(Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(20)
                        .map(v -> "\"" + v.replace("\\", "").replace("\"", "") + "\""),
                Arbitraries.of("[]", "[\"*\"]", "true", "null", "{}", "1"));
        Arbitrary<String> condition = Combinators.combine(operator, key, value)
                .as((o, k, v) -> "{\"" + o + "\":{\"" + k + "\":" + v + "}}");
        Arbitrary<String> principal = Arbitraries.of("{\"Federated\":\"accounts.google.com\"}", "\"*\"", "{}",
                "{\"AWS\":\"arn:aws:iam::123456789012:root\"}", "{\"Federated\":[]}");
        Arbitrary<String> statement = Combinators.combine(Arbitraries.of("Allow", "Deny", "Maybe"), principal,
                Arbitraries.of("\"sts:AssumeRoleWithWebIdentity\"", "\"sts:*\"", "[]", "\"s3:GetObject\""), condition)
                .as((e, p, a, c) -> "{\"Effect\":\"" + e + "\",\"Principal\":" + p + ",\"Action\":" + a
                        + ",\"Condition\":" + c + "}");
        Arbitrary<String> valid = statement.list().ofMaxSize(3).map(List::toString)
                .map(l -> "{\"Version\":\"2012-10-17\",\"Statement\":" + l.replace(", ", ",") + "}");
        return Arbitraries.oneOf(valid, Arbitraries.strings().ofMaxLength(100),
                Arbitraries.of("", "{}", "[]", "{\"Statement\":null}", "{\"Statement\":[1]}", "%7B%7D"));
    }

    @Property(tries = 2000)
    void evaluator_decidesOrRefusesThePolicy(@ForAll("policies") String policy) {
        String token = TestTokens.google(Instant.now(), "sts.amazonaws.com");
        try {
            PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(policy, TokenInspector.inspect(token), ROLE);
            assertThat(verdict.outcome()).isNotNull();
            assertThat(verdict.describe()).doesNotContain(token);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank().doesNotContain(token);
        }
    }

    /** An Effect other than exactly Allow or Deny, anywhere in the policy, never lets a token in. */
    @Property(tries = 300)
    void evaluator_unknownEffectNeverAdmits(@ForAll("policies") String policy,
            @ForAll("effects") String effect) {
        String token = TestTokens.google(Instant.now(), "sts.amazonaws.com");
        String mangled = policy.replaceFirst("\"Effect\":\"(Allow|Deny|Maybe)\"", "\"Effect\":\"" + effect + "\"");
        try {
            PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(mangled, TokenInspector.inspect(token), ROLE);
            if (!mangled.equals(policy)) {
                assertThat(verdict.admitted()).as(mangled).isFalse();
                assertThat(verdict.outcome()).isEqualTo(PolicyVerdict.Outcome.INVALID);
            }
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Provide
    Arbitrary<String> effects() {
        return Arbitraries.oneOf(Arbitraries.of("allow", "ALLOW", "deny", "Bogus", "", " Allow", "Allow "),
                Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(8));
    }
}
