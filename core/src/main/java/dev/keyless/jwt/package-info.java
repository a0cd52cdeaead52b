/**
 * The bottom layer: reading a compact JWT's header and claims without verifying it, with nothing but the
 * JDK and the AWS SDK's own JSON parser. Token sources, the provider and diagnostics all read claims
 * through {@link dev.keyless.jwt.Claims}. Signature verification is not here: it belongs to
 * {@code dev.keyless.diagnostics}, which loads nimbus-jose-jwt only when asked to verify.
 */
package dev.keyless.jwt;
