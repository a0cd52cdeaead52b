package dev.keyless.samples.clients;

import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.token.TokenSource;
import java.io.PrintStream;
import java.time.Instant;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Writes an object to S3 and reads it back with credentials from Keyless, configured from the environment
 * (see {@link SampleSettings}): the same jar runs on GKE with path A or path B, and locally against an
 * emulator.
 *
 * <pre>
 * AWS_ROLE_ARN=arn:aws:iam::123456789012:role/checkout-s3-writer AWS_REGION=eu-west-1 \
 * AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/aws/sts.amazonaws.com/serviceaccount/token \
 * SAMPLE_S3_BUCKET=checkout-exports \
 * java -cp keyless-samples.jar:... dev.keyless.samples.clients.S3Sample
 * </pre>
 *
 * The role needs only {@code s3:PutObject} and {@code s3:GetObject} on {@code SAMPLE_S3_BUCKET/keyless-sample/*}.
 */
public final class S3Sample {

    /** Where the sample writes, inside {@code SAMPLE_S3_BUCKET}. */
    public static final String KEY = "keyless-sample/hello.txt";

    private S3Sample() {
    }

    /**
     * Runs the sample with the environment's settings.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        SampleSettings settings = SampleSettings.fromEnvironment();
        run(settings, settings.tokenSource(), System.out);
    }

    /**
     * Runs the sample: one provider, one S3 client, one object written and read; repeated with the same provider
     * and client every {@code SAMPLE_REPEAT_SECONDS} if set, reporting a failed round and going on, as a
     * long-running pod would.
     *
     * @param settings the settings
     * @param tokenSource the token source ({@code settings.tokenSource()} in production)
     * @param out where to report; never receives a key or token
     * @return the object's content as read back in the last round
     * @throws SdkException if a round fails and the sample runs once
     */
    static String run(SampleSettings settings, TokenSource tokenSource, PrintStream out) {
        String bucket = settings.requireBucket();
        try (WebIdentityCredentialsProvider provider = KeylessClients.credentialsProvider(settings, tokenSource);
             S3Client s3 = KeylessClients.s3(settings, provider).build()) {
            String read = null;
            do {
                try {
                    read = writeAndRead(s3, bucket, KEY, "Written by " + provider.targetRoleArn() + " at " + Instant.now());
                    out.println("S3: wrote and read back s3://" + bucket + "/" + KEY + " (" + read.length()
                            + " characters)");
                    out.println("Credentials: " + KeylessClients.describe(provider.resolveCredentials(), Instant.now()));
                } catch (SdkException e) {
                    if (settings.repeatEvery() == null) {
                        throw e;
                    }
                    out.println("S3 failed, trying again in " + settings.repeatEvery().toSeconds() + " s: "
                            + e.getMessage());
                }
            } while (settings.pauseBeforeRepeating());
            return read;
        }
    }

    /**
     * Puts an object and gets it back.
     *
     * @param s3 the client
     * @param bucket the bucket
     * @param key the object's key
     * @param content what to write
     * @return what was read back
     */
    public static String writeAndRead(S3Client s3, String bucket, String key, String content) {
        s3.putObject(p -> p.bucket(bucket).key(key).contentType("text/plain; charset=utf-8"),
                RequestBody.fromString(content));
        return s3.getObjectAsBytes(g -> g.bucket(bucket).key(key)).asUtf8String();
    }
}
