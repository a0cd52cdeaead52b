package dev.keyless;

import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * {@link WebIdentityCredentialsProvider} has no valid credentials to give: the token could not be read, or
 * STS refused it, or STS could not be reached. The message names the role ARN, the token source, the
 * token's non-secret claims ({@code iss}, {@code sub}, {@code aud}, {@code azp}, {@code exp}) and the
 * likely cause; it never contains the token, a secret key or a session token.
 *
 * <p>It is an {@link SdkClientException}, so an {@code AwsCredentialsProviderChain} moves on to its next
 * provider.
 */
public final class WebIdentityCredentialsException extends SdkClientException {

    private static final long serialVersionUID = 1L;

    private final String roleArn;
    private final String stsErrorCode;
    private final FailureKind failureKind;
    private final int hop;
    private final String callerArn;

    WebIdentityCredentialsException(String message, String roleArn, String stsErrorCode, FailureKind failureKind,
            int hop, String callerArn, Throwable cause) {
        super(SdkClientException.builder().message(message).cause(cause));
        this.roleArn = roleArn;
        this.stsErrorCode = stsErrorCode;
        this.failureKind = failureKind;
        this.hop = hop;
        this.callerArn = callerArn;
    }

    /**
     * The role that could not be assumed: at a chained hop, that hop's role.
     *
     * @return the role ARN
     */
    public String roleArn() {
        return roleArn;
    }

    /**
     * The error code STS answered with ({@code AccessDenied}, {@code InvalidIdentityToken}, ...), if the
     * failure came from STS.
     *
     * @return the code, or {@code null} if STS did not answer with an error
     */
    public String stsErrorCode() {
        return stsErrorCode;
    }

    /**
     * What kind of failure this is, and so whether waiting can help.
     *
     * @return the kind, or {@code null} if the provider was closed
     */
    public FailureKind failureKind() {
        return failureKind;
    }

    /**
     * Which call failed: 1 for the web identity call ({@code AssumeRoleWithWebIdentity}), 2 and up for the
     * chained roles' {@code AssumeRole} calls, in order.
     *
     * @return the hop, or 0 if the provider was closed
     */
    public int hop() {
        return hop;
    }

    /**
     * Who made the failed call at a chained hop: the previous hop's session, as STS names it
     * ({@code arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION}).
     *
     * @return the caller's ARN, or {@code null} at hop 1
     */
    public String callerArn() {
        return callerArn;
    }
}
