package dev.keyless.samples.clients;

import dev.keyless.token.TokenSource;
import dev.keyless.token.TokenSources;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import software.amazon.awssdk.regions.Region;

/**
 * What the samples read from the environment, so that one jar runs unchanged on a laptop, in CI against an
 * emulator and on GKE. The names are the AWS SDKs' own where one exists:
 *
 * <table>
 *   <caption>Environment variables</caption>
 *   <tr><th>variable</th><th>meaning</th></tr>
 *   <tr><td>{@code AWS_ROLE_ARN}</td><td>the role to assume (required without {@code AWS_PROFILE})</td></tr>
 *   <tr><td>{@code AWS_PROFILE}, with {@code AWS_CONFIG_FILE}</td><td>a web identity profile of the AWS config file,
 *       possibly chained into further roles, that gives the role and the token source (optional)</td></tr>
 *   <tr><td>{@code AWS_REGION}, else {@code AWS_DEFAULT_REGION}</td><td>the region of STS, S3 and SQS
 *       (required)</td></tr>
 *   <tr><td>{@code AWS_ROLE_SESSION_NAME}</td><td>the session name (optional; Keyless derives one from the
 *       pod)</td></tr>
 *   <tr><td>{@code AWS_WEB_IDENTITY_TOKEN_FILE}</td><td>path A: the projected service-account token
 *       file</td></tr>
 *   <tr><td>{@code KEYLESS_TOKEN_AUDIENCE}</td><td>path B: the audience to ask the metadata server for, the
 *       Google service account's numeric unique id (used only when there is no token file)</td></tr>
 *   <tr><td>{@code AWS_ENDPOINT_URL}, {@code AWS_ENDPOINT_URL_STS}, {@code _S3}, {@code _SQS}</td>
 *       <td>endpoint overrides for an emulator (optional; the service-specific one wins)</td></tr>
 *   <tr><td>{@code SAMPLE_S3_BUCKET}</td><td>the bucket {@link S3Sample} writes to</td></tr>
 *   <tr><td>{@code SAMPLE_SQS_QUEUE_URL}</td><td>the queue {@link SqsSample} sends to</td></tr>
 *   <tr><td>{@code SAMPLE_REPEAT_SECONDS}</td><td>repeat the sample's calls this often, with one provider, until
 *       the process is stopped, as a Deployment's pod runs (optional; by default the sample runs once)</td></tr>
 * </table>
 *
 * <p>Optional values are {@code null} when unset. Immutable and thread-safe.
 *
 * @param roleArn {@code AWS_ROLE_ARN}, or {@code null} if {@code profile} gives it
 * @param profile {@code AWS_PROFILE}, or {@code null}
 * @param region {@code AWS_REGION} or {@code AWS_DEFAULT_REGION}
 * @param roleSessionName {@code AWS_ROLE_SESSION_NAME}, or {@code null}
 * @param tokenFile {@code AWS_WEB_IDENTITY_TOKEN_FILE}, or {@code null}
 * @param tokenAudience {@code KEYLESS_TOKEN_AUDIENCE}, or {@code null}
 * @param stsEndpoint the STS endpoint override, or {@code null} for AWS's regional endpoint
 * @param s3Endpoint the S3 endpoint override, or {@code null}
 * @param sqsEndpoint the SQS endpoint override, or {@code null}
 * @param bucket {@code SAMPLE_S3_BUCKET}, or {@code null}
 * @param queueUrl {@code SAMPLE_SQS_QUEUE_URL}, or {@code null}
 * @param repeatEvery {@code SAMPLE_REPEAT_SECONDS}, or {@code null} to run once
 */
public record SampleSettings(String roleArn, String profile, Region region, String roleSessionName, Path tokenFile,
                             String tokenAudience, URI stsEndpoint, URI s3Endpoint, URI sqsEndpoint,
                             String bucket, String queueUrl, Duration repeatEvery) {

    /** Path B's audience variable; path A's is the AWS SDK's {@code AWS_WEB_IDENTITY_TOKEN_FILE}. */
    public static final String TOKEN_AUDIENCE = "KEYLESS_TOKEN_AUDIENCE";

    /**
     * Checks the required values.
     *
     * @param roleArn the role to assume, or {@code null} if the profile gives it
     * @param profile the AWS config file's profile, or {@code null}
     * @param region the region
     * @param roleSessionName the session name, or {@code null}
     * @param tokenFile path A's token file, or {@code null}
     * @param tokenAudience path B's audience, or {@code null}
     * @param stsEndpoint the STS endpoint override, or {@code null}
     * @param s3Endpoint the S3 endpoint override, or {@code null}
     * @param sqsEndpoint the SQS endpoint override, or {@code null}
     * @param bucket the sample bucket, or {@code null}
     * @param queueUrl the sample queue, or {@code null}
     * @param repeatEvery how often to repeat, or {@code null} to run once
     */
    public SampleSettings {
        if (roleArn == null && profile == null) {
            throw new IllegalArgumentException("AWS_ROLE_ARN is not set: set it to the IAM role to assume, for "
                    + "example arn:aws:iam::123456789012:role/checkout-s3-writer (on GKE, from the ConfigMap in "
                    + "samples/kubernetes/), or set AWS_PROFILE to a web identity profile of the AWS config file.");
        }
        Objects.requireNonNull(region, "region");
        if (tokenFile == null && tokenAudience == null && profile == null) {
            throw new IllegalArgumentException("No token source configured. Set AWS_WEB_IDENTITY_TOKEN_FILE to the "
                    + "projected service-account token (path A, for example /var/run/secrets/aws/"
                    + "sts.amazonaws.com/serviceaccount/token), or " + TOKEN_AUDIENCE + " to the Google service "
                    + "account's numeric unique id to use the metadata server (path B).");
        }
        if (repeatEvery != null && (repeatEvery.isNegative() || repeatEvery.isZero())) {
            throw new IllegalArgumentException("repeatEvery (" + repeatEvery + ") must be positive.");
        }
    }

    /**
     * The settings in this process's environment.
     *
     * @return the settings
     * @throws IllegalArgumentException naming the variable that is missing or malformed
     */
    public static SampleSettings fromEnvironment() {
        return from(System::getenv);
    }

    /**
     * The settings in a map of environment variables, for tests and for callers that keep configuration
     * elsewhere.
     *
     * @param environment variable names to values
     * @return the settings
     * @throws IllegalArgumentException naming the variable that is missing or malformed
     */
    public static SampleSettings from(Map<String, String> environment) {
        return from(environment::get);
    }

    /**
     * The settings read through a lookup of environment variables.
     *
     * @param environment a variable's value by name, {@code null} if unset
     * @return the settings
     * @throws IllegalArgumentException naming the variable that is missing or malformed
     */
    public static SampleSettings from(Function<String, String> environment) {
        Objects.requireNonNull(environment, "environment");
        Function<String, String> env = name -> blankToNull(environment.apply(name));
        String roleArn = env.apply("AWS_ROLE_ARN");
        String region = env.apply("AWS_REGION") != null ? env.apply("AWS_REGION") : env.apply("AWS_DEFAULT_REGION");
        if (region == null) {
            throw new IllegalArgumentException("AWS_REGION is not set: set it to the region of the role's STS "
                    + "endpoint and of the bucket and queue, for example eu-west-1.");
        }
        String tokenFile = env.apply("AWS_WEB_IDENTITY_TOKEN_FILE");
        URI common = uri(env, "AWS_ENDPOINT_URL");
        return new SampleSettings(roleArn, env.apply("AWS_PROFILE"), Region.of(region), env.apply("AWS_ROLE_SESSION_NAME"),
                tokenFile == null ? null : path("AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile),
                env.apply(TOKEN_AUDIENCE),
                orElse(uri(env, "AWS_ENDPOINT_URL_STS"), common),
                orElse(uri(env, "AWS_ENDPOINT_URL_S3"), common),
                orElse(uri(env, "AWS_ENDPOINT_URL_SQS"), common),
                env.apply("SAMPLE_S3_BUCKET"), env.apply("SAMPLE_SQS_QUEUE_URL"), seconds(env, "SAMPLE_REPEAT_SECONDS"));
    }

    /**
     * The token source these settings name: path A's token file if {@code AWS_WEB_IDENTITY_TOKEN_FILE} is set
     * (as the AWS SDKs choose), else path B's metadata server asked for {@code KEYLESS_TOKEN_AUDIENCE}, else
     * none: the profile names it.
     *
     * @return a new source that does no I/O until a token is fetched, or {@code null} if the profile names it
     */
    public TokenSource tokenSource() {
        if (tokenFile != null) {
            return TokenSources.file(tokenFile);
        }
        return tokenAudience != null ? TokenSources.metadataServer(tokenAudience) : null;
    }

    /**
     * The bucket for {@link S3Sample}.
     *
     * @return {@code SAMPLE_S3_BUCKET}
     * @throws IllegalStateException if it is not set
     */
    public String requireBucket() {
        if (bucket == null) {
            throw new IllegalStateException("SAMPLE_S3_BUCKET is not set: set it to a bucket the role may "
                    + "s3:PutObject and s3:GetObject in.");
        }
        return bucket;
    }

    /**
     * The queue for {@link SqsSample}.
     *
     * @return {@code SAMPLE_SQS_QUEUE_URL}
     * @throws IllegalStateException if it is not set
     */
    public String requireQueueUrl() {
        if (queueUrl == null) {
            throw new IllegalStateException("SAMPLE_SQS_QUEUE_URL is not set: set it to the URL of a queue the "
                    + "role may sqs:SendMessage, sqs:ReceiveMessage and sqs:DeleteMessage on.");
        }
        return queueUrl;
    }

    /**
     * Between two rounds of a sample: waits {@link #repeatEvery()} and says whether to go on.
     *
     * @return {@code false} at once if the sample runs once, or if the thread is interrupted while waiting
     */
    boolean pauseBeforeRepeating() {
        if (repeatEvery == null) {
            return false;
        }
        try {
            Thread.sleep(repeatEvery.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static URI uri(Function<String, String> env, String name) {
        String value = env.apply(name);
        if (value == null) {
            return null;
        }
        try {
            URI uri = new URI(value);
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new URISyntaxException(value, "not an absolute http(s) URL");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(name + " is '" + value + "', which is not an endpoint URL such as "
                    + "http://127.0.0.1:5000: " + e.getMessage(), e);
        }
    }

    private static Duration seconds(Function<String, String> env, String name) {
        String value = env.apply(name);
        if (value == null) {
            return null;
        }
        try {
            long seconds = Long.parseLong(value);
            if (seconds > 0) {
                return Duration.ofSeconds(seconds);
            }
        } catch (NumberFormatException e) {
            // falls through to the message
        }
        throw new IllegalArgumentException(name + " is '" + value + "'; set it to a number of seconds, such as 60, "
                + "or unset it to run once.");
    }

    private static Path path(String name, String value) {
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(name + " is '" + value + "', which is not a file path.", e);
        }
    }

    private static URI orElse(URI specific, URI common) {
        return specific != null ? specific : common;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
