package dev.keyless.internal.io;

import java.io.IOException;

/**
 * Input that is not UTF-8 text: a binary file, or text in another encoding. The message names the input and
 * the offset of the first byte that is not UTF-8, never the bytes themselves.
 */
public final class NotTextException extends IOException {

    private static final long serialVersionUID = 1L;

    private final long offset;

    NotTextException(String what, long offset, int firstBadByte) {
        super(what + " is not text: " + (firstBadByte == 0
                ? "it holds a NUL byte at offset " + offset + ", as binary files do"
                : "the byte at offset " + offset + " (0x" + String.format("%02x", firstBadByte & 0xff)
                        + ") is not UTF-8, as in binary files or text in another encoding")
                + ". Check that it is the file you meant.");
        this.offset = offset;
    }

    /**
     * Where the input stops being UTF-8.
     *
     * @return the offset of the first byte that is not UTF-8
     */
    public long offset() {
        return offset;
    }
}
