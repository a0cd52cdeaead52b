/**
 * Plain Java samples to copy: an S3 client ({@link dev.keyless.samples.clients.S3Sample}) and an SQS client
 * ({@link dev.keyless.samples.clients.SqsSample}) signing with Keyless's credentials, for path A (the GKE
 * projected service-account token file) and path B (the Google service account's identity token from the
 * metadata server), configured from the environment ({@link dev.keyless.samples.clients.SampleSettings}) so
 * that the same jar runs on GKE with the manifests in {@code samples/kubernetes/}.
 * {@link dev.keyless.samples.clients.KeylessClients} is the part worth copying.
 */
package dev.keyless.samples.clients;
