package dev.keyless.internal.text;

/**
 * Makes text from elsewhere (a token's claims, a policy, a server's answer) safe to print on a terminal or
 * write to a log line: every character that could move the cursor, start a new line, switch the terminal's
 * mode or reorder what is shown becomes a visible escape, so a value can neither forge a line of output nor
 * hide one.
 *
 * <p>Escaped: C0 and C1 control characters and DEL (so newlines, carriage returns, tabs and the ESC that
 * starts ANSI sequences), Unicode format characters (bidi overrides and isolates, zero-width characters, the
 * byte-order mark), the line and paragraph separators, and unpaired surrogates. {@code \n}, {@code \r} and
 * {@code \t} are shown as such; the rest as {@code \}{@code uXXXX}. Everything else, including non-ASCII
 * letters, is kept. A backslash is kept as it is, so text holding {@code \n} literally cannot be told from an
 * escaped newline; it can still not start a line.
 *
 * <p>Stateless and thread-safe.
 */
public final class Escaping {

    private Escaping() {
    }

    /**
     * The text with every unsafe character replaced by a visible escape.
     *
     * @param value the text, or {@code null}
     * @return the escaped text; {@code "null"} for {@code null}, as string concatenation would show it
     */
    public static String escape(Object value) {
        String text = String.valueOf(value);
        int first = firstUnsafe(text);
        if (first < 0) {
            return text;
        }
        StringBuilder sb = new StringBuilder(text.length() + 16).append(text, 0, first);
        for (int i = first; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                int codePoint = Character.toCodePoint(c, text.charAt(i + 1));
                if (unsafe(codePoint)) {
                    appendEscape(sb, c);
                    appendEscape(sb, text.charAt(i + 1));
                } else {
                    sb.append(c).append(text.charAt(i + 1));
                }
                i++;
            } else if (unsafe(c)) {
                appendEscape(sb, c);
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /**
     * Whether the text holds nothing {@link #escape} would change.
     *
     * @param text the text
     * @return {@code true} if it is safe to print as it is
     */
    public static boolean isSafe(String text) {
        return firstUnsafe(text) < 0;
    }

    private static int firstUnsafe(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                if (unsafe(Character.toCodePoint(c, text.charAt(i + 1)))) {
                    return i;
                }
                i++;
            } else if (unsafe(c)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean unsafe(int codePoint) {
        switch (Character.getType(codePoint)) {
            case Character.CONTROL:
            case Character.FORMAT:
            case Character.LINE_SEPARATOR:
            case Character.PARAGRAPH_SEPARATOR:
            case Character.SURROGATE:
            case Character.PRIVATE_USE:
            case Character.UNASSIGNED:
                return true;
            default:
                return false;
        }
    }

    private static void appendEscape(StringBuilder sb, char c) {
        switch (c) {
            case '\n':
                sb.append("\\n");
                break;
            case '\r':
                sb.append("\\r");
                break;
            case '\t':
                sb.append("\\t");
                break;
            default:
                sb.append(String.format("\\u%04x", (int) c));
        }
    }
}
