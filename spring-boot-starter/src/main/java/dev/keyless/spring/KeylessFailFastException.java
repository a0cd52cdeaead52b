package dev.keyless.spring;

import dev.keyless.WebIdentityCredentialsException;

/**
 * {@code keyless.fail-fast=true} and no credentials at startup. The message is the provider's diagnosis (the
 * role, the hop of a chain, the token's claims, the likely cause), which never carries a token or a key.
 */
final class KeylessFailFastException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    private final String provider;

    KeylessFailFastException(String provider, WebIdentityCredentialsException cause) {
        super("keyless.fail-fast=true and Keyless could not get AWS credentials at startup"
                + (KeylessFederation.DEFAULT_NAME.equals(provider) ? "" : " for provider " + provider) + ": "
                + Secrets.scrub(cause.getMessage()), cause);
        this.provider = provider;
    }

    /** The provider's failure, with its role ARN, hop and STS error code. */
    WebIdentityCredentialsException diagnosis() {
        return (WebIdentityCredentialsException) getCause();
    }

    /** {@link KeylessFederation#DEFAULT_NAME} for the main provider, else its name under {@code keyless.providers}. */
    String provider() {
        return provider;
    }
}
