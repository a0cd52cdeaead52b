package dev.keyless.token;

import java.io.IOException;

/**
 * Where a {@link dev.keyless.WebIdentityCredentialsProvider} gets the OIDC token it sends to AWS STS.
 *
 * <p>The provider calls {@link #fetchToken()} once for every {@code AssumeRoleWithWebIdentity} call, so a
 * source should return the freshest token it has and must not cache a token past its expiry. Built-in
 * sources come from {@link TokenSources}; any lambda works too:
 *
 * <pre>{@code
 * TokenSource source = () -> WebIdentityToken.of(vault.read("gke-token"), "vault gke-token");
 * }</pre>
 *
 * <p>Implementations must be thread-safe; the provider calls them from its refresh thread and, when no
 * valid credentials are cached, from caller threads.
 */
@FunctionalInterface
public interface TokenSource {

    /**
     * Returns a fresh web identity token.
     *
     * <p>Throw a {@link TokenSourceException} with a message a person can act on; say whether retrying
     * later can help with {@link TokenSourceException#retryable()}. An {@link IOException} is treated as
     * transient and retried with backoff. Never put the token itself in an exception message.
     *
     * @return the token, never {@code null}
     * @throws IOException when the token could not be read for a reason that may pass
     */
    WebIdentityToken fetchToken() throws IOException;
}
