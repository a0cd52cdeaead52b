package dev.keyless.samples.clients;

import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.token.TokenSource;
import java.time.Duration;
import java.time.Instant;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.SqsClientBuilder;

/**
 * The part to copy: a Keyless credentials provider and AWS SDK clients that use it, from
 * {@link SampleSettings}. Build one provider per role and share it between all clients: it refreshes in the
 * background and makes one STS call per refresh however many clients use it. Stateless and thread-safe.
 */
public final class KeylessClients {

    private KeylessClients() {
    }

    /**
     * The provider for the settings' role and token source (path A's token file, else path B's metadata
     * server), or for the settings' AWS config file profile, with the roles it chains into.
     *
     * @param settings the settings
     * @return a provider; close it when the application stops
     */
    public static WebIdentityCredentialsProvider credentialsProvider(SampleSettings settings) {
        return credentialsProvider(settings, settings.tokenSource());
    }

    /**
     * The provider for the settings' role, with a token source of the caller's choosing.
     *
     * @param settings the settings
     * @param tokenSource where tokens come from, or {@code null} for the profile's
     * @return a provider; close it when the application stops
     */
    public static WebIdentityCredentialsProvider credentialsProvider(SampleSettings settings, TokenSource tokenSource) {
        WebIdentityCredentialsProvider.Builder builder = WebIdentityCredentialsProvider.builder()
                .roleArn(settings.roleArn())
                .profile(settings.profile())
                .tokenSource(tokenSource)
                .region(settings.region());
        if (settings.roleSessionName() != null) {
            builder.roleSessionName(settings.roleSessionName());
        }
        if (settings.stsEndpoint() != null) {
            builder.stsEndpoint(settings.stsEndpoint());
        }
        return builder.build();
    }

    /**
     * An S3 client builder signing with {@code credentials}, in the settings' region; with the settings' S3
     * endpoint and path-style addressing when one is set (emulators have no per-bucket host names).
     *
     * @param settings the settings
     * @param credentials the provider, usually from {@link #credentialsProvider(SampleSettings)}
     * @return the builder
     */
    public static S3ClientBuilder s3(SampleSettings settings, AwsCredentialsProvider credentials) {
        S3ClientBuilder builder = S3Client.builder().credentialsProvider(credentials).region(settings.region());
        if (settings.s3Endpoint() != null) {
            builder.endpointOverride(settings.s3Endpoint()).forcePathStyle(true);
        }
        return builder;
    }

    /**
     * An SQS client builder signing with {@code credentials}, in the settings' region and at its SQS endpoint
     * if one is set.
     *
     * @param settings the settings
     * @param credentials the provider
     * @return the builder
     */
    public static SqsClientBuilder sqs(SampleSettings settings, AwsCredentialsProvider credentials) {
        SqsClientBuilder builder = SqsClient.builder().credentialsProvider(credentials).region(settings.region());
        if (settings.sqsEndpoint() != null) {
            builder.endpointOverride(settings.sqsEndpoint());
        }
        return builder;
    }

    /**
     * What may be shown of credentials: the account, the provider and the expiry; never a key or token.
     *
     * @param credentials the credentials
     * @param now the current time, to say how long they have left
     * @return for example {@code account 123456789012, provider KeylessWebIdentityCredentialsProvider,
     *     expiring at 2026-11-25T11:00:00Z (in 59 min)}
     */
    public static String describe(AwsCredentials credentials, Instant now) {
        Instant expiration = credentials.expirationTime().orElse(null);
        return "account " + credentials.accountId().orElse("?") + ", provider "
                + credentials.providerName().orElse("?") + ", expiring at "
                + (expiration == null ? "?" : expiration + " (in "
                        + Duration.between(now, expiration).toMinutes() + " min)");
    }
}
