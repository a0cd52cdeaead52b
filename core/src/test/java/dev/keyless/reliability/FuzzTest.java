package dev.keyless.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.keyless.diagnostics.PolicyVerdict;
import dev.keyless.diagnostics.TokenInspector;
import dev.keyless.diagnostics.TokenReport;
import dev.keyless.diagnostics.TrustPolicyEvaluator;
import dev.keyless.testing.TestTokens;
import dev.keyless.token.TokenSourceException;
import dev.keyless.token.TokenSources;
import dev.keyless.token.WebIdentityToken;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Property-based fuzzing. Whatever bytes arrive, the inspector reports, the token-file reader accepts or throws
 * {@link TokenSourceException}, and the evaluator decides or throws {@link IllegalArgumentException}; nothing else
 * escapes. And the properties a user relies on:
 * <ul>
 *   <li>no report, verdict or message contains a token segment (a run of 16 or more base64url characters of the
 *       input) or {@code eyJ}, the start of every JSON segment;</li>
 *   <li>a token accepted from a file is the file's content, and its claims are the claims it was signed with;
 *       past 20,000 characters it is refused, as STS would;</li>
 *   <li>a trust policy is never admitted without an {@code Allow} statement that names the provider and the
 *       action, and adding a {@code Deny} statement never turns a refusal into admission.</li>
 * </ul>
 */
class FuzzTest {

    private static final String GKE = TestTokens.gke(Instant.now(), Duration.ofHours(1));
    private static final String GOOGLE = TestTokens.google(Instant.now(), "sts.amazonaws.com");
    private static final String ROLE = "arn:aws:iam::123456789012:role/checkout-s3-writer";
    private static final int STS_MAX_TOKEN_LENGTH = 20_000;
    /** What a token segment looks like: a run of base64url characters long enough to be worth stealing. */
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_-]{16,}");
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

    /**
     * Asserts {@code text} repeats no 16+ character base64url run of {@code input}, and no {@code eyJ} unless the
     * input's own decoded header or claims hold one (reports show claim values, such as a {@code kid}, by design).
     */
    private static void assertNoTokenIn(String text, String input) {
        if (!decodedSegmentsContain(input, "eyJ")) {
            assertThat(text).as("what a user sees").doesNotContain("eyJ");
        }
        Matcher m = SEGMENT.matcher(input);
        while (m.find()) {
            // Never print the segment itself: a failing assertion would leak what it guards.
            assertThat(text.contains(m.group()))
                    .as("a %d-character run of the input, at offset %d, appears in what a user sees", m.group().length(),
                            m.start())
                    .isFalse();
        }
    }

    private static boolean decodedSegmentsContain(String input, String what) {
        for (String part : input.split("\\.")) {
            try {
                if (new String(Base64.getUrlDecoder().decode(part.strip()), StandardCharsets.UTF_8).contains(what)) {
                    return true;
                }
            } catch (IllegalArgumentException notBase64) {
                // Not a base64url segment: nothing decoded to show.
            }
        }
        return false;
    }

    /** The message of {@code e} and of every cause. */
    private static String messages(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append('\n').append(t).append('\n');
        }
        return all.toString();
    }

    /** Tokens near the real shape: segments of random base64url JSON, real segments mixed in, random noise. */
    @Provide
    Arbitrary<String> tokens() {
        Arbitrary<String> json = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(200),
                Arbitraries.of("{}", "[]", "null", "1", "\"x\"", "{\"alg\":\"RS256\"}", "{\"alg\":\"none\"}",
                        "{\"exp\":\"soon\",\"aud\":[1,{}],\"iss\":null}", "{\"exp\":1e400}", "{\"kubernetes.io\":[]}",
                        "{\"sub\":{\"a\":1},\"aud\":\"sts.amazonaws.com\",\"iat\":-1}",
                        "{\"alg\":\"RS256\",\"kid\":\"eyJhbGciOiJSUzI1NiJ9\"}", "{\"alg\":\"RS256\"", "{\"alg\":"));
        Arbitrary<String> segment = Arbitraries.oneOf(
                json.map(j -> Base64.getUrlEncoder().withoutPadding().encodeToString(j.getBytes(StandardCharsets.UTF_8))),
                Arbitraries.strings().withCharRange('!', '~').ofMaxLength(60),
                Arbitraries.of(GKE.split("\\.")));
        Arbitrary<String> shaped = Combinators.combine(segment, segment, segment, Arbitraries.of(".", "..", "", " ."))
                .as((a, b, c, dot) -> a + dot + b + "." + c);
        Arbitrary<String> mutated = Combinators.combine(Arbitraries.integers().between(0, GKE.length() - 1),
                Arbitraries.chars()).as((i, ch) -> GKE.substring(0, i) + ch + GKE.substring(i + 1));
        // Past STS's limit: noise, and a real token padded with a claim.
        Arbitrary<String> oversized = Arbitraries.oneOf(
                Arbitraries.strings().withCharRange('!', '~').ofMinLength(STS_MAX_TOKEN_LENGTH + 1).ofMaxLength(30_000),
                Arbitraries.integers().between(STS_MAX_TOKEN_LENGTH - 2_000, 30_000).map(FuzzTest::paddedToken));
        return Arbitraries.frequencyOf(
                Tuple.of(5, shaped), Tuple.of(3, mutated),
                Tuple.of(2, Arbitraries.strings().ofMaxLength(300)), Tuple.of(1, oversized));
    }

    /** A real signed GKE token of about {@code length} characters (a padding claim makes up the length). */
    private static String paddedToken(int length) {
        int padding = Math.max(0, (length - GKE.length()) * 3 / 4);
        return TestTokens.sign(TestTokens.gkeClaims(Instant.now(), Duration.ofHours(1))
                .claim("padding", "p".repeat(padding)).build());
    }

    @Property(tries = 2000)
    void inspector_neverThrowsAndNeverRepeatsATokenSegment(@ForAll("tokens") String input) {
        TokenReport report = TokenInspector.inspect(input);

        assertThat(report.kind()).isNotNull();
        String text = report.toText() + report.toJson() + report.summary() + report;
        assertNoTokenIn(text, input);
        if (input.length() > STS_MAX_TOKEN_LENGTH) {
            assertThat(report.hasErrors()).as("a %d-character token is flagged", input.length()).isTrue();
        }
    }

    @Property(tries = 500)
    void tokenFileReader_acceptsTheContentOrExplainsWithoutRepeatingIt(@ForAll("tokens") String input)
            throws Exception {
        readTokenFile(input.getBytes(StandardCharsets.UTF_8), input);
    }

    /** Random bytes, invalid UTF-8 included, at every length up to past STS's limit. */
    @Provide
    Arbitrary<byte[]> bytes() {
        return Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(2_000),
                Arbitraries.bytes().array(byte[].class).ofMinSize(STS_MAX_TOKEN_LENGTH - 10).ofMaxSize(25_000));
    }

    @Property(tries = 200)
    void tokenFileReader_randomBytes_acceptsOrExplainsWithoutRepeatingThem(@ForAll("bytes") byte[] input)
            throws Exception {
        readTokenFile(input, new String(input, StandardCharsets.ISO_8859_1));
    }

    private static void readTokenFile(byte[] content, String asText) throws Exception {
        Path file = Files.createTempFile(dir, "token", "");
        Files.write(file, content);
        try {
            WebIdentityToken token = TokenSources.file(file).fetchToken();
            // Accepted: exactly the file's content (less the whitespace and BOM the reader trims), within STS's limit.
            String text = new String(content, StandardCharsets.UTF_8);
            assertThat(text).as("the accepted token is the file's content").contains(token.value());
            assertThat(token.value().length()).isBetween(4, STS_MAX_TOKEN_LENGTH);
            assertNoTokenIn(token.toString() + token.describeClaims(), token.value());
        } catch (TokenSourceException e) {
            assertThat(e.getMessage()).contains(file.toString());
            assertNoTokenIn(messages(e), asText);
        } finally {
            Files.delete(file);
        }
    }

    /** Claim values of every shape: quotes, backslashes, control characters, non-ASCII, and very long ones. */
    @Provide
    Arbitrary<String> claimValues() {
        // Surrogates excluded: a lone one cannot survive UTF-8, in a token or anywhere else.
        Arbitrary<String> text = Arbitraries.strings().withCharRange('\u0000', '\uD7FF').ofMinLength(1).ofMaxLength(80);
        Arbitrary<String> long_ = Arbitraries.strings().withCharRange(' ', '~').ofMinLength(10_000).ofMaxLength(16_000);
        return Arbitraries.frequencyOf(Tuple.of(9, text), Tuple.of(1, long_));
    }

    @Property(tries = 300)
    void tokenFile_acceptedTokenClaimsRoundTrip_andPastTheLimitItIsRefused(@ForAll("claimValues") String subject,
            @ForAll("claimValues") String audience, @ForAll("claimValues") String issuer) throws Exception {
        Instant issued = Instant.parse("2026-11-25T10:00:00Z");
        Instant expires = issued.plus(Duration.ofHours(1));
        String token = TestTokens.sign(new JWTClaimsSet.Builder().issuer(issuer).subject(subject).audience(audience)
                .issueTime(Date.from(issued)).expirationTime(Date.from(expires)).build());
        Path file = Files.createTempFile(dir, "token", "");
        Files.writeString(file, token, StandardCharsets.UTF_8);
        try {
            if (token.length() > STS_MAX_TOKEN_LENGTH) {
                assertThatThrownBy(() -> TokenSources.file(file).fetchToken())
                        .isInstanceOf(TokenSourceException.class)
                        .satisfies(e -> assertNoTokenIn(messages(e), token));
                return;
            }
            WebIdentityToken read = TokenSources.file(file).fetchToken();
            assertThat(read.value()).isEqualTo(token);
            assertThat(read.claims().subject()).isEqualTo(subject);
            assertThat(read.claims().issuer()).isEqualTo(issuer);
            assertThat(read.claims().audience()).containsExactly(audience);
            assertThat(read.claims().expirationTime()).isEqualTo(expires);

            TokenReport report = TokenInspector.inspect(token);
            assertThat(report.subject()).isEqualTo(subject);
            assertThat(report.issuer()).isEqualTo(issuer);
            assertThat(report.audience()).containsExactly(audience);
            assertThat(report.expiresAt()).isEqualTo(expires);
        } finally {
            Files.delete(file);
        }
    }

    /** One trust-policy statement; {@code condition} is {@code null} for none. */
    record Statement(String effect, String principal, String action, String condition) {
        String json() {
            return "{\"Effect\":\"" + effect + "\",\"Principal\":" + principal + ",\"Action\":" + action
                    + (condition == null ? "" : ",\"Condition\":" + condition) + "}";
        }

        /** Whether this statement could admit the Google token at all: an Allow naming the provider and the action. */
        boolean couldAdmit() {
            return effect.equals("Allow")
                    && (principal.equals("{\"Federated\":\"accounts.google.com\"}") || principal.equals("\"*\""))
                    && List.of("\"sts:AssumeRoleWithWebIdentity\"", "\"sts:*\"", "\"*\"").contains(action);
        }
    }

    static String policy(List<Statement> statements) {
        return "{\"Version\":\"2012-10-17\",\"Statement\":["
                + statements.stream().map(Statement::json).collect(Collectors.joining(",")) + "]}";
    }

    @Provide
    Arbitrary<Statement> statements() {
        return statements(Arbitraries.of("Allow", "Deny"));
    }

    Arbitrary<Statement> statements(Arbitrary<String> effects) {
        Arbitrary<String> key = Arbitraries.of("accounts.google.com:aud", "accounts.google.com:sub",
                "accounts.google.com:oaud", "ACCOUNTS.google.com:Sub", "container.googleapis.com/v1/projects/"
                        + "checkout-prod/locations/europe-west1/clusters/prod-1:sub", "aws:SourceIp", "", "x:y");
        Arbitrary<String> operator = Arbitraries.of("StringEquals", "StringLike", "StringNotEquals", "StringNotLike",
                "ForAnyValue:StringLike", "ForAllValues:StringEquals", "StringEqualsIfExists",
                "StringEqualsIgnoreCase", "Null", "Bogus", "");
        // The token's own values often, so that statements really match.
        Arbitrary<String> value = Arbitraries.oneOf(
                Arbitraries.of("sts.amazonaws.com", TestTokens.GSA_UNIQUE_ID, "*", "STS.amazonaws.com", "1122*")
                        .map(v -> "\"" + v + "\""),
                Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(20)
                        .map(v -> "\"" + v.replace("\\", "").replace("\"", "") + "\""),
                Arbitraries.of("[]", "[\"*\"]", "[\"x\",\"sts.amazonaws.com\"]", "true", "null", "{}", "1"));
        Arbitrary<String> condition = Arbitraries.oneOf(Arbitraries.just(null), Combinators.combine(operator, key, value)
                .as((o, k, v) -> "{\"" + o + "\":{\"" + k + "\":" + v + "}}"));
        Arbitrary<String> principal = Arbitraries.of("{\"Federated\":\"accounts.google.com\"}", "\"*\"", "{}",
                "{\"AWS\":\"arn:aws:iam::123456789012:root\"}", "{\"Federated\":[]}",
                "{\"Federated\":\"arn:aws:iam::123456789012:oidc-provider/container.googleapis.com/v1/projects/"
                        + "checkout-prod/locations/europe-west1/clusters/prod-1\"}");
        Arbitrary<String> action = Arbitraries.of("\"sts:AssumeRoleWithWebIdentity\"", "\"sts:*\"", "\"*\"", "[]",
                "\"s3:GetObject\"", "\"sts:AssumeRole\"");
        return Combinators.combine(effects, principal, action, condition).as(Statement::new);
    }

    /** Trust policies of every shape, from valid to nonsense. */
    @Provide
    Arbitrary<String> policies() {
        Arbitrary<String> valid = statements(Arbitraries.of("Allow", "Deny", "Maybe")).list().ofMaxSize(3)
                .map(FuzzTest::policy);
        return Arbitraries.oneOf(valid, Arbitraries.strings().ofMaxLength(100),
                Arbitraries.of("", "{}", "[]", "{\"Statement\":null}", "{\"Statement\":[1]}", "%7B%7D"));
    }

    @Property(tries = 2000)
    void evaluator_decidesOrRefusesThePolicy_neverRepeatingTheToken(@ForAll("policies") String policy) {
        try {
            PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(policy, TokenInspector.inspect(GOOGLE), ROLE);
            assertThat(verdict.outcome()).isNotNull();
            assertNoTokenIn(verdict.describe() + verdict + verdict.reasons() + verdict.warnings(), GOOGLE);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank();
            assertNoTokenIn(messages(e), GOOGLE);
        }
    }

    @Property(tries = 2000)
    void evaluator_withoutAnAllowNamingTheProviderAndTheAction_neverAdmits(
            @ForAll("statementLists") List<Statement> statements) {
        PolicyVerdict.Outcome outcome = outcome(statements);
        if (statements.stream().noneMatch(Statement::couldAdmit)) {
            assertThat(outcome).as(policy(statements)).isNotEqualTo(PolicyVerdict.Outcome.ADMITTED);
        }
    }

    @Property(tries = 2000)
    void evaluator_addingADeny_neverTurnsARefusalIntoAdmission(@ForAll("statementLists") List<Statement> statements,
            @ForAll("denies") Statement deny, @ForAll("positions") int position) {
        List<Statement> more = new ArrayList<>(statements);
        more.add(Math.min(position, more.size()), deny);
        PolicyVerdict.Outcome before = outcome(statements);
        PolicyVerdict.Outcome after = outcome(more);
        if (before != PolicyVerdict.Outcome.ADMITTED) {
            assertThat(after).as("%s%nthen%n%s", policy(statements), policy(more))
                    .isNotEqualTo(PolicyVerdict.Outcome.ADMITTED);
        }
    }

    @Provide
    Arbitrary<List<Statement>> statementLists() {
        return statements().list().ofMaxSize(4);
    }

    @Provide
    Arbitrary<Statement> denies() {
        return statements(Arbitraries.just("Deny"));
    }

    @Provide
    Arbitrary<Integer> positions() {
        return Arbitraries.integers().between(0, 4);
    }

    /** The evaluator's outcome, with a refused (invalid) policy counted as not admitted. */
    private static PolicyVerdict.Outcome outcome(List<Statement> statements) {
        try {
            return TrustPolicyEvaluator.evaluate(policy(statements), TokenInspector.inspect(GOOGLE), ROLE).outcome();
        } catch (IllegalArgumentException e) {
            return PolicyVerdict.Outcome.NOT_ADMITTED;
        }
    }

    /**
     * IAM accepts exactly {@code Allow} or {@code Deny}, case-sensitive; anything else makes the policy invalid,
     * never an allow (FEDERATION-FACTS.md). The evaluator treats every effect that is not {@code Deny} as
     * {@code Allow}.
     */
    @Example
    void evaluator_unknownOrMiscasedEffect_neverAdmits() {
        for (String effect : List.of("Maybe", "allow", "ALLOW", "")) {
            Statement statement = new Statement(effect, "{\"Federated\":\"accounts.google.com\"}",
                    "\"sts:AssumeRoleWithWebIdentity\"", null);
            assertThat(outcome(List.of(statement))).as(policy(List.of(statement)))
                    .isNotEqualTo(PolicyVerdict.Outcome.ADMITTED);
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
