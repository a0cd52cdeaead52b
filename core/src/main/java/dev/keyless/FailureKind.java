package dev.keyless;

import dev.keyless.internal.refresh.RefreshFailure;
import dev.keyless.token.TokenSourceException;
import java.io.IOException;
import java.util.Locale;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * What went wrong in one refresh attempt, and whether waiting can help. Transient failures are retried
 * with short backoff; configuration failures need a person and are retried only rarely.
 */
public enum FailureKind implements RefreshFailure.Kind {
    /** The token source failed in a way that may pass (I/O, a metadata server not ready yet). */
    TOKEN_SOURCE_TRANSIENT(true),
    /** The token source failed in a way that needs a person (missing file, malformed token). */
    TOKEN_SOURCE_CONFIGURATION(false),
    /** The token's own {@code exp} has passed before it was sent. */
    TOKEN_EXPIRED(false),
    /** STS throttled, failed with 5xx, or was unreachable. */
    STS_UNAVAILABLE(true),
    /** STS could not reach the issuer's keys ({@code IDPCommunicationError}). */
    IDP_COMMUNICATION(true),
    /** {@code InvalidIdentityToken}: sometimes transient ("Couldn't retrieve verification key"). */
    INVALID_IDENTITY_TOKEN(false),
    /** {@code ExpiredTokenException} from STS. */
    STS_EXPIRED_TOKEN(false),
    /** {@code AccessDenied}: the trust policy does not admit the token. */
    ACCESS_DENIED(false),
    /** {@code IDPRejectedClaim}. */
    IDP_REJECTED_CLAIM(false),
    /** {@code MalformedPolicyDocument} or {@code PackedPolicyTooLarge}: the session policy. */
    SESSION_POLICY(false),
    /** {@code ValidationError}: a request parameter. */
    VALIDATION(false),
    /** {@code RegionDisabledException}. */
    REGION_DISABLED(false),
    /** STS answered, but the credentials cannot be used (missing or already-expired {@code Expiration}). */
    UNUSABLE_RESPONSE(false),
    /** Any other STS error code. */
    STS_OTHER(false),
    /** An unexpected exception, most likely from a custom token source. */
    UNEXPECTED(false);

    /** How many times in a row a sometimes-transient failure is retried quickly before it counts as configuration. */
    private static final int QUICK_RETRIES_FOR_AMBIGUOUS = 2;

    private final boolean transientByNature;

    FailureKind(boolean transientByNature) {
        this.transientByNature = transientByNature;
    }

    /**
     * Whether to retry soon, given how many failures of this same kind came just before.
     *
     * @param previousOfSameKind failures of this kind immediately before this one
     * @return {@code true} to use the short, transient backoff
     */
    @Override
    public boolean retrySoon(int previousOfSameKind) {
        switch (this) {
            case INVALID_IDENTITY_TOKEN:
                return previousOfSameKind < QUICK_RETRIES_FOR_AMBIGUOUS;
            case STS_EXPIRED_TOKEN:
            case TOKEN_EXPIRED:
            case UNUSABLE_RESPONSE:
                // Try once more soon (the file may just have been rotated); if it persists, a person must act.
                return previousOfSameKind < 1;
            default:
                return transientByNature;
        }
    }

    /**
     * Classifies an exception from a refresh attempt.
     *
     * @param e what the token source or STS threw
     * @return the kind
     */
    public static FailureKind of(Throwable e) {
        if (e instanceof TokenSourceException) {
            return ((TokenSourceException) e).retryable() ? TOKEN_SOURCE_TRANSIENT : TOKEN_SOURCE_CONFIGURATION;
        }
        if (e instanceof IOException) {
            return TOKEN_SOURCE_TRANSIENT;
        }
        if (e instanceof AwsServiceException) {
            return ofStsError((AwsServiceException) e);
        }
        if (e instanceof SdkClientException) {
            return STS_UNAVAILABLE;
        }
        return UNEXPECTED;
    }

    private static FailureKind ofStsError(AwsServiceException e) {
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        if (code != null) {
            switch (code) {
                case "IDPCommunicationError":
                    return IDP_COMMUNICATION;
                case "InvalidIdentityToken":
                    return INVALID_IDENTITY_TOKEN;
                case "ExpiredTokenException":
                case "ExpiredToken":
                    return STS_EXPIRED_TOKEN;
                case "AccessDenied":
                case "AccessDeniedException":
                    return ACCESS_DENIED;
                case "IDPRejectedClaim":
                    return IDP_REJECTED_CLAIM;
                case "MalformedPolicyDocument":
                case "PackedPolicyTooLarge":
                    return SESSION_POLICY;
                case "ValidationError":
                    return VALIDATION;
                case "RegionDisabledException":
                    return REGION_DISABLED;
                default:
                    break;
            }
        }
        if (e.isThrottlingException() || e.statusCode() >= 500
                || (code != null && code.toLowerCase(Locale.ROOT).contains("throttl"))) {
            return STS_UNAVAILABLE;
        }
        return STS_OTHER;
    }
}
