/**
 * Where web identity tokens come from: the {@link dev.keyless.token.TokenSource} interface, the built-in
 * sources in {@link dev.keyless.token.TokenSources}, and {@link dev.keyless.token.WebIdentityToken}, which
 * carries a token without ever showing it.
 */
package dev.keyless.token;
