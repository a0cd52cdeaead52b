package dev.keyless.jwt;

/**
 * A text that is not a compact JWT Keyless can read, or whose registered claims have the wrong type. The
 * message says what is wrong (a segment count, a segment that is not base64url or not a JSON object, a
 * claim and its type) and never repeats the input.
 */
public final class MalformedJwtException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String claim;

    /**
     * Creates the exception.
     *
     * @param message what is wrong, without the input
     */
    public MalformedJwtException(String message) {
        this(message, null);
    }

    /**
     * Creates the exception for a claim of the wrong type.
     *
     * @param message what is wrong, without the input
     * @param claim the claim's name, or {@code null} if the token's structure is what is wrong
     */
    public MalformedJwtException(String message, String claim) {
        super(message);
        this.claim = claim;
    }

    /**
     * The registered claim whose type is wrong.
     *
     * @return the claim's name, or {@code null} if the token's structure is what is wrong
     */
    public String claim() {
        return claim;
    }
}
