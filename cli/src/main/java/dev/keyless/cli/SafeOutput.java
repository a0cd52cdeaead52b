package dev.keyless.cli;

import dev.keyless.internal.text.Escaping;
import java.io.PrintWriter;
import java.io.Writer;

/**
 * Everything a command prints goes through this writer: any control character, escape sequence or bidi
 * override that reaches it is shown escaped ({@link Escaping}), so no token claim, policy text or server
 * answer can drive the terminal. Line breaks pass; values that may hold one are escaped where they are put
 * into a line, so a value can never start a line of its own. Not thread-safe, as the writer it wraps.
 */
final class SafeOutput extends Writer {

    private final Writer out;

    private SafeOutput(Writer out) {
        this.out = out;
    }

    /**
     * A print writer that escapes what reaches {@code out}.
     *
     * @param out the command line's writer
     * @return the escaping writer, flushing on every line
     */
    static PrintWriter wrap(PrintWriter out) {
        return new PrintWriter(new SafeOutput(out), true);
    }

    @Override
    public void write(char[] buffer, int offset, int length) {
        String text = new String(buffer, offset, length);
        StringBuilder sb = new StringBuilder(text.length());
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean lineBreak = c == '\n' || c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n';
            if (lineBreak) {
                sb.append(Escaping.escape(text.substring(start, i))).append(c);
                start = i + 1;
            }
        }
        sb.append(Escaping.escape(text.substring(start)));
        try {
            out.write(sb.toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void flush() throws java.io.IOException {
        out.flush();
    }

    @Override
    public void close() throws java.io.IOException {
        out.flush();
    }
}
