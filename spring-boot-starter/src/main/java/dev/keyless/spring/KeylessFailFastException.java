package dev.keyless.spring;

import dev.keyless.WebIdentityCredentialsException;

/**
 * {@code keyless.fail-fast=true} and no credentials at startup. The message is the provider's diagnosis (the
 * role, the token's claims, the likely cause), which never carries a token or a key.
 */
final class KeylessFailFastException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    KeylessFailFastException(WebIdentityCredentialsException cause) {
        super("keyless.fail-fast=true and Keyless could not get AWS credentials at startup: "
                + Secrets.scrub(cause.getMessage()), cause);
    }

    /** The provider's failure, with its role ARN and STS error code. */
    WebIdentityCredentialsException diagnosis() {
        return (WebIdentityCredentialsException) getCause();
    }
}
