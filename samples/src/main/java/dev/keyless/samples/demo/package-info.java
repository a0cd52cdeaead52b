/**
 * A runnable demo of the whole federation flow in one JVM, on loopback, with no cloud account:
 * {@link dev.keyless.samples.demo.Demo} (run it with
 * {@code ./mvnw -q -B -Pdemo -pl samples -am verify -DskipTests}).
 *
 * <p>Everything else in this package is a <em>demo fixture</em> standing in for a real peer, not part of
 * Keyless and not for production: {@link dev.keyless.samples.demo.LocalOidcIssuer} for a GKE cluster's
 * OIDC issuer, {@link dev.keyless.samples.demo.ProjectedTokenVolume} for the kubelet's projected token
 * volume, and {@link dev.keyless.samples.demo.LocalSts} for AWS STS (whose roles' trust policies are real IAM
 * policy documents, judged by Keyless's {@code TrustPolicyEvaluator}).
 */
package dev.keyless.samples.demo;
