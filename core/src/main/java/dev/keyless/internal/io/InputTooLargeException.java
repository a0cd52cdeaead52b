package dev.keyless.internal.io;

import java.io.IOException;

/**
 * Input larger than the limit for its kind; nothing beyond the limit was read. The message names the input,
 * its size where known, and the limit. Never holds any of the input.
 */
public final class InputTooLargeException extends IOException {

    private static final long serialVersionUID = 1L;

    private final long size;
    private final long limit;

    InputTooLargeException(String what, long size, long limit) {
        super(what + " is " + (size < 0 ? "more than " + limit + " bytes" : size + " bytes") + "; the limit is "
                + limit + " bytes" + (size < 0 ? ", and reading stopped there" : ", so it was not read") + ".");
        this.size = size;
        this.limit = limit;
    }

    /**
     * The input's size.
     *
     * @return the size in bytes, or {@code -1} when only known to exceed the limit (a stream, a device)
     */
    public long size() {
        return size;
    }

    /**
     * The limit that was exceeded.
     *
     * @return the limit in bytes
     */
    public long limit() {
        return limit;
    }
}
