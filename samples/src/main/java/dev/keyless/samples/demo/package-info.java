/**
 * A runnable demo of the whole federation flow in one JVM, on loopback, with no cloud account:
 * {@link dev.keyless.samples.demo.Demo} (run it with
 * {@code ./mvnw -q -B -Pdemo -pl samples -am verify -DskipTests}).
 *
 * <p>Everything else in this package is a <em>demo fixture</em> standing in for a real peer, not part of
 * Keyless and not for production: {@link dev.keyless.samples.demo.LocalOidcIssuer} for a GKE cluster's
 * OIDC issuer, {@link dev.keyless.samples.demo.ProjectedTokenVolume} for the kubelet's projected token
 * volume, {@link dev.keyless.samples.demo.LocalSts} for AWS STS (which checks trust policies with Keyless's
 * own {@code TrustPolicyEvaluator}), and {@link dev.keyless.samples.demo.LocalS3} for S3 (S3Proxy from Maven
 * Central, in memory). The S3 code the demo runs is the copyable sample in {@code dev.keyless.samples.clients}.
 */
package dev.keyless.samples.demo;
