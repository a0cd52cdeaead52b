package dev.keyless.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

/**
 * The ways an STS, a proxy or an emulator may echo a token in an error (each segment alone, segments joined
 * with or without their dots, pieces of the signature), and the assertion that none of it reached a text.
 */
public final class TokenEchoes {

    /** A shared run this long is a piece of the token, not chance: 16 base64url characters are 96 bits. */
    private static final int PIECE = 16;

    private TokenEchoes() {
    }

    /**
     * Every way a segment of {@code token} is echoed.
     *
     * @param token a compact JWT
     * @return the echoes
     */
    public static List<String> of(String token) {
        String[] s = token.split("\\.");
        return List.of(token, s[0], s[1], s[2], s[0] + "." + s[1], s[1] + "." + s[2], token.replace(".", ""),
                s[0] + s[1], s[1] + s[2], s[2].substring(0, 40), s[2].substring(s[2].length() - 40),
                s[1].substring(10, 60));
    }

    /**
     * An error message holding every echo, each with different punctuation around it.
     *
     * @param token a compact JWT
     * @return the message
     */
    public static String message(String token) {
        StringBuilder sb = new StringBuilder("Invalid token");
        String[] around = {" ", " '", "' (", ") [", "] sig=", ", payload:", "\n", "\t", "\"", "=", "/", ";"};
        List<String> echoes = of(token);
        for (int i = 0; i < echoes.size(); i++) {
            sb.append(around[i % around.length]).append(echoes.get(i));
        }
        return sb.append('.').toString();
    }

    /**
     * Asserts that {@code text} holds no piece of {@code token} of 16 or more characters.
     *
     * @param text what was printed, logged or returned
     * @param token the token
     */
    public static void assertNoPiece(String text, String token) {
        for (String segment : token.split("\\.")) {
            for (int i = 0; i + PIECE <= segment.length(); i += 4) {
                String piece = segment.substring(i, i + PIECE);
                assertThat(text).as("a piece of the token at %d", i).doesNotContain(piece);
            }
        }
        assertThat(text).doesNotContain("eyJ");
    }
}
