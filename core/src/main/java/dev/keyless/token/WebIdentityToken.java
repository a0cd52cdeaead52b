package dev.keyless.token;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Instant;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An OIDC token to send to AWS STS, with what can be known about it without revealing it: its issuer,
 * subject, audience, authorized party and expiry, read from the (unverified) claims, and a description of
 * the source it came from.
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
    private final JWTClaimsSet claims;

    private WebIdentityToken(String value, String source, JWTClaimsSet claims) {
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
        JWT jwt;
        try {
            jwt = JWTParser.parse(value);
        } catch (ParseException e) {
            // nimbus's messages describe the structure, never echo the input.
            throw invalid(source, "it is not a JWT (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            // nimbus 10 throws NullPointerException for a header that is JSON null.
            throw invalid(source, "it is not a JWT (its header is not a JSON object)", null);
        }
        if (jwt instanceof PlainJWT) {
            throw invalid(source, "it is unsigned (alg \"none\"); STS accepts RS256 only", null);
        }
        if (jwt instanceof EncryptedJWT) {
            throw invalid(source, "it is an encrypted JWT (JWE); STS accepts signed RS256 tokens only", null);
        }
        JWSAlgorithm alg = ((SignedJWT) jwt).getHeader().getAlgorithm();
        if (!JWSAlgorithm.RS256.equals(alg)) {
            throw invalid(source, "it is signed with " + alg + "; STS accepts RS256 only", null);
        }
        try {
            return new WebIdentityToken(value, source, jwt.getJWTClaimsSet());
        } catch (ParseException | RuntimeException e) {
            throw invalid(source, "its claims are not a JSON object (" + e.getMessage() + ")", e);
        }
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
     * The {@code iss} claim.
     *
     * @return the issuer, or {@code null} if the token has none
     */
    public String issuer() {
        return claims.getIssuer();
    }

    /**
     * The {@code sub} claim: {@code system:serviceaccount:NAMESPACE:NAME} for a GKE token, the service
     * account's numeric unique id for a Google token.
     *
     * @return the subject, or {@code null} if the token has none
     */
    public String subject() {
        return claims.getSubject();
    }

    /**
     * The {@code aud} claim.
     *
     * @return the audiences, empty if the token has none
     */
    public List<String> audience() {
        List<String> audience = claims.getAudience();
        return audience == null ? List.of() : Collections.unmodifiableList(audience);
    }

    /**
     * The {@code azp} claim, which AWS compares with the {@code accounts.google.com:aud} condition key.
     *
     * @return the authorized party, or {@code null} if the token has none
     */
    public String authorizedParty() {
        return stringClaim("azp");
    }

    /**
     * The {@code email} claim of a Google service-account token.
     *
     * @return the email, or {@code null} if the token has none
     */
    public String email() {
        return stringClaim("email");
    }

    /**
     * The {@code exp} claim.
     *
     * @return when the token expires, empty if it does not say
     */
    public Optional<Instant> expirationTime() {
        return Optional.ofNullable(claims.getExpirationTime()).map(Date::toInstant);
    }

    /**
     * All claims, as parsed from the token's payload without verifying its signature. Claims are not
     * secret; the signed token is.
     *
     * @return an unmodifiable view of the claims
     */
    public Map<String, Object> claims() {
        return Collections.unmodifiableMap(claims.toJSONObject());
    }

    /**
     * A one-line summary of the claims that decide whether a trust policy admits the token, for messages:
     * {@code iss=..., sub=..., aud=..., azp=..., exp=...}.
     *
     * @return the summary; never the token
     */
    public String describeClaims() {
        StringBuilder sb = new StringBuilder();
        sb.append("iss=").append(issuer());
        sb.append(", sub=").append(subject());
        List<String> aud = audience();
        sb.append(", aud=").append(aud.size() == 1 ? aud.get(0) : aud.toString());
        if (authorizedParty() != null) {
            sb.append(", azp=").append(authorizedParty());
        }
        sb.append(", exp=").append(expirationTime().map(Instant::toString).orElse("none"));
        return sb.toString();
    }

    private String stringClaim(String name) {
        Object claim = claims.getClaim(name);
        return claim == null ? null : claim.toString();
    }

    /** Shows the source and the non-secret claims, never the token. */
    @Override
    public String toString() {
        return "WebIdentityToken(source=" + source + ", " + describeClaims() + ")";
    }
}
