package dev.keyless.testing;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Generators of hostile input for property-based tests: token-shaped text whose header and claims hold control
 * characters, escape sequences, bidi overrides and forged output lines, values of the wrong type, deep and wide
 * JSON; and shapeless bytes. Shared by core's and the CLI's suites.
 */
public final class HostileTokens {

    /** Text that tries to forge a line, drive the terminal, or reorder what is shown. */
    public static final List<String> NASTY = List.of("\n[PASS] Role assumed: forged", "\r[PASS] overwritten",
            "\u001b[31m", "\u001b[2J\u001b[H", "\u001b]0;title\u0007", "\u009b31m", "\u202e", "\u2066", "\u200b",
            "\u0000", "\u007f", "\b\b\b", "\t", "\u2028", "\ud800", "\\n", "%0a", "eyJfake.eyJfake.sig");

    private HostileTokens() {
    }

    /** A string mixing ordinary text and {@link #NASTY} pieces. */
    public static Arbitrary<String> nastyStrings() {
        Arbitrary<String> piece = Arbitraries.oneOf(Arbitraries.of(NASTY),
                Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(12),
                Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMaxLength(6));
        return piece.list().ofMinSize(1).ofMaxSize(6).map(pieces -> String.join("", pieces));
    }

    /** A JSON value: a hostile string, a wrong type, deep or wide nesting. */
    public static Arbitrary<String> values() {
        return Arbitraries.oneOf(
                nastyStrings().map(HostileTokens::quote),
                Arbitraries.of("1", "-1", "1e400", "1.5", "true", "false", "null", "{}", "[]", "\"tomorrow\"",
                        "9223372036854775808", "[1,{}]", "{\"a\":[null]}"),
                Arbitraries.integers().between(1, 3000).map(d -> "[".repeat(d) + "]".repeat(d)),
                Arbitraries.integers().between(1, 800).map(d -> "{\"a\":".repeat(d) + "1" + "}".repeat(d)),
                Arbitraries.integers().between(1, 1500).map(w -> {
                    StringBuilder sb = new StringBuilder("{");
                    for (int i = 0; i < w; i++) {
                        sb.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":").append(i);
                    }
                    return sb.append('}').toString();
                }),
                nastyStrings().list().ofMaxSize(4).map(l -> l.stream().map(HostileTokens::quote)
                        .reduce((a, b) -> a + "," + b).map(x -> "[" + x + "]").orElse("[]")));
    }

    /** A compact JWS whose header and every claim may be hostile; signed with garbage. */
    public static Arbitrary<String> tokens() {
        Arbitrary<String> claims = Combinators.combine(values(), values(), values(), values(), values(), values(),
                Arbitraries.of("\"https://container.googleapis.com/v1/projects/p/locations/l/clusters/c\"",
                        "\"https://accounts.google.com\"", "\"http://issuer.example\"", "\"\"")).as(
                (sub, aud, azp, exp, email, extra, iss) -> "{\"iss\":" + pick(iss, extra) + ",\"sub\":" + sub
                        + ",\"aud\":" + aud + ",\"azp\":" + azp + ",\"exp\":" + exp + ",\"email\":" + email
                        + ",\"kubernetes.io\":" + extra + "}");
        Arbitrary<String> header = Arbitraries.oneOf(
                Arbitraries.just("{\"alg\":\"RS256\",\"typ\":\"JWT\"}"),
                nastyStrings().map(k -> "{\"alg\":\"RS256\",\"kid\":" + quote(k) + "}"),
                nastyStrings().map(a -> "{\"alg\":" + quote(a) + "}"),
                values().map(v -> "{\"alg\":" + v + "}"));
        return Combinators.combine(header, claims, Arbitraries.strings().withCharRange('a', 'z').ofMinLength(4).ofMaxLength(40))
                .as((h, c, sig) -> b64(h) + "." + b64(c) + "." + sig);
    }

    /** Anything at all: bytes, whitespace, NULs, half tokens. */
    public static Arbitrary<byte[]> bytes() {
        return Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(2000),
                tokens().map(t -> t.getBytes(StandardCharsets.UTF_8)),
                nastyStrings().map(s -> s.getBytes(StandardCharsets.UTF_8)),
                Arbitraries.integers().between(20_001, 40_000).map(n -> ("eyJ" + "A".repeat(n)).getBytes(StandardCharsets.US_ASCII)));
    }

    private static String pick(String iss, String other) {
        return other.length() % 3 == 0 ? other : iss;
    }

    /** A JSON string literal, escaping only what JSON requires: the rest of the nastiness stays in. */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    public static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
