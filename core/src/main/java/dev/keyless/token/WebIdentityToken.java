package dev.keyless.token;

import dev.keyless.jwt.Claims;
import dev.keyless.jwt.DecodedJwt;
import dev.keyless.jwt.MalformedJwtException;
import java.util.Objects;

/**
 * An OIDC token to send to AWS STS, with what can be known about it without revealing it: its
 * {@link Claims} (issuer, subject, audience, authorized party, expiry), read without verifying the
 * signature, and a description of the source it came from.
 *
 * <p>{@link #of(String, String)} checks what STS would check first: a signed JWT of 4 to 20000
 * characters, no whitespace, algorithm {@code RS256}. A token that fails is refused here, so no STS call is
 * wasted on it.
 *
 * <p>{@link #toString()} never shows the token, only its non-secret claims. Instances are immutable and
 * thread-safe.
 */
public final class WebIdentityToken {

    /** STS's limit on {@code WebIdentityToken}. */
    static final int MAX_LENGTH = 20_000;
    private static final int MIN_LENGTH = 4;

    private final String value;
    private final String source;
    private final Claims claims;

    private WebIdentityToken(String value, String source, Claims claims) {
        this.value = value;
        this.source = source;
        this.claims = claims;
    }

    /**
     * Wraps a token from a custom source.
     *
     * @param value the compact JWT
     * @return the token
     * @throws TokenSourceException if it is not a signed RS256 JWT that STS could accept
     */
    public static WebIdentityToken of(String value) {
        return of(value, "custom token source");
    }

    /**
     * Wraps a token, naming where it came from for error messages ("file /var/run/...", "metadata server").
     *
     * @param value the compact JWT
     * @param source a non-secret description of the source
     * @return the token
     * @throws TokenSourceException if it is not a signed RS256 JWT that STS could accept
     */
    public static WebIdentityToken of(String value, String source) {
        Objects.requireNonNull(source, "source");
        if (value == null) {
            throw TokenSourceException.configurationFailure("The token source " + source + " returned no token.", null);
        }
        if (value.length() < MIN_LENGTH || value.length() > MAX_LENGTH) {
            throw invalid(source, "it is " + value.length() + " characters long; STS accepts "
                    + MIN_LENGTH + " to " + MAX_LENGTH, null);
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isWhitespace(value.charAt(i)) || Character.isISOControl(value.charAt(i))) {
                throw invalid(source, "it contains whitespace or a control character at offset " + i
                        + " (a JWT is three base64url segments joined by dots)", null);
            }
        }
        DecodedJwt jwt;
        try {
            jwt = DecodedJwt.decode(value);
            jwt.claims().requireStandardTypes();
        } catch (MalformedJwtException e) {
            // The message describes the structure or names the claim, never repeats the input.
            throw invalid(source, e.claim() != null ? e.getMessage() : "it is not a JWT (" + e.getMessage() + ")",
                    null);
        }
        if (jwt.encrypted()) {
            throw invalid(source, "it is an encrypted JWT (JWE); STS accepts signed RS256 tokens only", null);
        }
        if (jwt.unsigned()) {
            throw invalid(source, "it is unsigned (alg \"none\"); STS accepts RS256 only", null);
        }
        if (!"RS256".equals(jwt.algorithm())) {
            throw invalid(source, "it is signed with " + jwt.algorithm() + "; STS accepts RS256 only", null);
        }
        return new WebIdentityToken(value, source, jwt.claims());
    }

    private static TokenSourceException invalid(String source, String why, Throwable cause) {
        return TokenSourceException.configurationFailure(
                "The token from " + source + " cannot be sent to AWS STS: " + why + ".", cause);
    }

    /**
     * The token itself, for the STS request. Never log it.
     *
     * @return the compact JWT
     */
    public String value() {
        return value;
    }

    /**
     * A description of where the token came from, for messages.
     *
     * @return for example {@code file /var/run/secrets/aws/sts.amazonaws.com/serviceaccount/token}
     */
    public String source() {
        return source;
    }

    /**
     * The token's claims, read without verifying its signature. Claims are not secret; the signed token is.
     *
     * @return the claims
     */
    public Claims claims() {
        return claims;
    }

    /**
     * A one-line summary of the claims that decide whether a trust policy admits the token, for messages:
     * {@code iss=..., sub=..., aud=..., azp=..., exp=...}.
     *
     * @return the summary; never the token
     */
    public String describeClaims() {
        return claims.describe();
    }

    /** Shows the source and the non-secret claims, never the token. */
    @Override
    public String toString() {
        return "WebIdentityToken(source=" + source + ", " + describeClaims() + ")";
    }
}
