/**
 * Samples to copy: an S3 client and an SQS client built with {@link dev.keyless.WebIdentityCredentialsProvider},
 * configured from the environment (path A: {@code AWS_WEB_IDENTITY_TOKEN_FILE}; path B: {@code KEYLESS_AUDIENCE})
 * so the same jar runs on GKE. Manifests and trust policies for both paths are in {@code samples/kubernetes/}.
 */
package dev.keyless.samples.aws;
