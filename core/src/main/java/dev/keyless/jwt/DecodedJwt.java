package dev.keyless.jwt;

import dev.keyless.internal.text.Json;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A compact JWT decoded without verifying its signature: the header's {@code alg}, {@code kid} and
 * {@code typ}, and the {@link Claims}. It does not keep the token.
 *
 * <p>{@link #decode(String)} reads only what it must, with limits: at most {@value #MAX_LENGTH}
 * characters, JSON nested at most {@value #MAX_DEPTH} levels deep. A five-segment token (a JWE) is
 * recognised as encrypted and has no claims to read. Immutable and thread-safe.
 */
public final class DecodedJwt {

    /** The longest compact token {@link #decode(String)} reads; STS itself accepts at most 20,000 characters. */
    public static final int MAX_LENGTH = 64 * 1024;
    /** The deepest nesting of JSON arrays and objects accepted in the header and the payload. */
    public static final int MAX_DEPTH = Json.MAX_DEPTH;

    private final Map<String, Object> header;
    private final Claims claims;
    private final boolean encrypted;

    private DecodedJwt(Map<String, Object> header, Claims claims, boolean encrypted) {
        this.header = header;
        this.claims = claims;
        this.encrypted = encrypted;
    }

    /**
     * Decodes a compact JWS (three base64url segments) or recognises a compact JWE (five).
     *
     * @param compact the token
     * @return the decoded header and claims
     * @throws MalformedJwtException saying what is wrong, never repeating the token
     */
    public static DecodedJwt decode(String compact) {
        if (compact == null || compact.isEmpty()) {
            throw new MalformedJwtException("it is empty");
        }
        if (compact.length() > MAX_LENGTH) {
            throw new MalformedJwtException("it is " + compact.length() + " characters long; at most " + MAX_LENGTH
                    + " are read");
        }
        List<String> segments = split(compact);
        if (segments.size() != 3 && segments.size() != 5) {
            throw new MalformedJwtException("it has " + segments.size() + " dot-separated segment"
                    + (segments.size() == 1 ? "" : "s") + "; a signed JWT has 3");
        }
        Map<String, Object> header = object(segments.get(0), "header");
        if (segments.size() == 5) {
            return new DecodedJwt(header, Claims.of(Map.of()), true);
        }
        return new DecodedJwt(header, Claims.of(object(segments.get(1), "payload")), false);
    }

    /**
     * The header's {@code alg}.
     *
     * @return the algorithm, or {@code null} if the header has none
     */
    public String algorithm() {
        return string("alg");
    }

    /**
     * The header's {@code kid}.
     *
     * @return the key id, or {@code null}
     */
    public String keyId() {
        return string("kid");
    }

    /**
     * Whether this is an encrypted JWT (JWE, five segments); its claims cannot be read and are empty.
     *
     * @return {@code true} for a JWE
     */
    public boolean encrypted() {
        return encrypted;
    }

    /**
     * Whether the header says the token is unsigned ({@code "alg": "none"}).
     *
     * @return {@code true} if unsigned
     */
    public boolean unsigned() {
        return "none".equalsIgnoreCase(algorithm());
    }

    /**
     * The header, as parsed.
     *
     * @return an unmodifiable view of the header
     */
    public Map<String, Object> header() {
        return header;
    }

    /**
     * The claims, as parsed from the payload without verifying the signature.
     *
     * @return the claims
     */
    public Claims claims() {
        return claims;
    }

    private String string(String name) {
        Object value = header.get(name);
        return value instanceof String ? (String) value : null;
    }

    private static List<String> split(String compact) {
        List<String> segments = new ArrayList<>(5);
        int start = 0;
        for (int i = 0; i < compact.length() && segments.size() < 6; i++) {
            if (compact.charAt(i) == '.') {
                segments.add(compact.substring(start, i));
                start = i + 1;
            }
        }
        segments.add(compact.substring(start));
        return segments;
    }

    private static Map<String, Object> object(String segment, String name) {
        if (segment.isEmpty()) {
            throw new MalformedJwtException("its " + name + " segment is empty");
        }
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(segment);
        } catch (IllegalArgumentException e) {
            throw new MalformedJwtException("its " + name + " segment is not base64url");
        }
        String json;
        try {
            json = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new MalformedJwtException("its " + name + " is not UTF-8 text");
        }
        Object parsed;
        try {
            parsed = Json.parse(json);
        } catch (IllegalArgumentException e) {
            throw new MalformedJwtException("its " + name + " is " + e.getMessage());
        }
        if (!(parsed instanceof Map)) {
            throw new MalformedJwtException("its " + name + " is not a JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> object = (Map<String, Object>) parsed;
        return object;
    }

    /** The header's algorithm and key id; never the token. */
    @Override
    public String toString() {
        return "DecodedJwt(alg=" + algorithm() + ", kid=" + keyId() + ", " + claims + ")";
    }
}
