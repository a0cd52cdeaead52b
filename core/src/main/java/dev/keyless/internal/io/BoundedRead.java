package dev.keyless.internal.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a file or a stream whole, but never more than a limit: a 3 GB file, {@code /dev/zero} or a server that
 * never stops sending costs at most {@code limit + 1} bytes of memory and fails with an
 * {@link InputTooLargeException} that gives the size and the limit. Text is decoded as strict UTF-8: a binary
 * file fails with a {@link NotTextException} that says so, not with the decoder's "Input length = 1".
 *
 * <p>Stateless and thread-safe.
 */
public final class BoundedRead {

    /**
     * What Keyless reads a token from (files, standard input, the metadata server): STS accepts at most
     * 20,000 characters, and this leaves room to say by how much a token is too long.
     */
    public static final int TOKEN_LIMIT = 32 * 1024;
    /** Policy documents: IAM allows at most 10,240 characters even for managed policies; URL-encoding triples that. */
    public static final int POLICY_LIMIT = 64 * 1024;
    /** An OIDC discovery document or a JWKS: a few keys, far below this. */
    public static final int DOCUMENT_LIMIT = 256 * 1024;
    /** Error answers are short documents; what is beyond this is not read. */
    public static final int ERROR_BODY_LIMIT = 64 * 1024;

    private BoundedRead() {
    }

    /**
     * Reads the whole stream.
     *
     * @param in the stream; not closed
     * @param limit the most bytes to accept
     * @param what the input, for the message: {@code "Token file /path"}
     * @return the bytes
     * @throws InputTooLargeException if the stream has more than {@code limit} bytes
     * @throws IOException if reading fails
     */
    public static byte[] bytes(InputStream in, int limit, String what) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit, 8192));
        byte[] buffer = new byte[8192];
        while (true) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, (long) limit + 1 - out.size()));
            if (n == -1) {
                return out.toByteArray();
            }
            out.write(buffer, 0, n);
            if (out.size() > limit) {
                throw new InputTooLargeException(what, -1, limit);
            }
        }
    }

    /**
     * Reads at most {@code limit} bytes and leaves the rest unread, for excerpts of answers that need not be
     * whole (error bodies).
     *
     * @param in the stream; not closed
     * @param limit the most bytes to read
     * @return the bytes read, at most {@code limit}
     * @throws IOException if reading fails
     */
    public static byte[] prefix(InputStream in, int limit) throws IOException {
        return in.readNBytes(limit);
    }

    /**
     * Reads the whole stream as UTF-8 text.
     *
     * @param in the stream; not closed
     * @param limit the most bytes to accept
     * @param what the input, for the message
     * @return the text
     * @throws InputTooLargeException if the stream has more than {@code limit} bytes
     * @throws NotTextException if it is not UTF-8
     * @throws IOException if reading fails
     */
    public static String utf8(InputStream in, int limit, String what) throws IOException {
        return decode(bytes(in, limit, what), what);
    }

    /**
     * Reads a whole file as UTF-8 text. A regular file larger than the limit is refused before it is read, with
     * its size; anything else (a device, a pipe) is read up to the limit.
     *
     * @param file the file
     * @param limit the most bytes to accept
     * @param what the input, for the message: {@code "Token file /path"}
     * @return the text
     * @throws InputTooLargeException if the file has more than {@code limit} bytes
     * @throws NotTextException if it is not UTF-8
     * @throws IOException if reading fails, as {@link Files#newInputStream} reports it
     *     ({@code NoSuchFileException}, {@code AccessDeniedException}, ...)
     */
    public static String utf8(Path file, int limit, String what) throws IOException {
        if (Files.isRegularFile(file)) {
            long size = Files.size(file);
            if (size > limit) {
                throw new InputTooLargeException(what, size, limit);
            }
        }
        try (InputStream in = Files.newInputStream(file)) {
            return utf8(in, limit, what);
        }
    }

    /**
     * Decodes strict UTF-8.
     *
     * @param bytes the bytes
     * @param what the input, for the message
     * @return the text
     * @throws NotTextException if the bytes are not UTF-8
     */
    public static String decode(byte[] bytes, String what) throws NotTextException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            throw new NotTextException(what, in.position(), bytes[in.position()]);
        }
        result = decoder.flush(out);
        if (result.isError()) {
            throw new NotTextException(what, in.position(), in.position() < bytes.length ? bytes[in.position()] : 0);
        }
        String text = out.flip().toString();
        int nul = text.indexOf('\0');
        if (nul >= 0) {
            // Valid UTF-8, but no token, policy or document holds a NUL: a binary file.
            throw new NotTextException(what, utf8Length(text, nul), 0);
        }
        return text;
    }

    private static long utf8Length(String text, int chars) {
        return text.substring(0, chars).getBytes(StandardCharsets.UTF_8).length;
    }
}
