package dev.keyless.sts;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.StsClientBuilder;
import software.amazon.awssdk.services.sts.model.IdpCommunicationErrorException;

/**
 * Builds the STS client for {@code AssumeRoleWithWebIdentity}: anonymous credentials (the call is unsigned,
 * the token is the credential), short connection and socket timeouts, retries for throttling, 5xx and
 * {@code IDPCommunicationError}, the error-body redaction of {@link RedactErrorResponses}, and optionally a
 * bound on the whole call, retries included, for callers that must answer within a stated time (the CLI's
 * {@code --timeout}). Thread-safe; the clients it builds are the caller's to close.
 */
public final class StsClients {

    /** How long to wait for a connection to STS. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    /** How long to wait for each read from STS. */
    public static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(10);
    /** Attempts per call, the first included. */
    public static final int MAX_ATTEMPTS = 3;

    private StsClients() {
    }

    /**
     * A client for {@code AssumeRoleWithWebIdentity}.
     *
     * @param region the region whose endpoint to call
     * @param endpoint an endpoint instead of the region's, or {@code null}
     * @param callTimeout the most one call may take, retries included, or {@code null} for no bound beyond
     *     the connection and socket timeouts of each attempt
     * @param interceptors more interceptors (the starter's refresh log), run after the redaction, so they
     *     see no token either
     * @return the client; the caller closes it
     */
    public static StsClient webIdentity(Region region, URI endpoint, Duration callTimeout,
            ExecutionInterceptor... interceptors) {
        Duration connect = shorter(CONNECT_TIMEOUT, callTimeout);
        Duration socket = shorter(SOCKET_TIMEOUT, callTimeout);
        StsClientBuilder builder = StsClient.builder()
                .region(region)
                .credentialsProvider(AnonymousCredentialsProvider.create())
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(connect)
                        .socketTimeout(socket))
                .overrideConfiguration(c -> {
                    c.retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                    .retryOnExceptionInstanceOf(IdpCommunicationErrorException.class)
                                    .maxAttempts(MAX_ATTEMPTS)
                                    .build())
                            // An STS error that echoes the token must not reach the SDK's own exception and logs.
                            .addExecutionInterceptor(new RedactErrorResponses());
                    for (ExecutionInterceptor interceptor : interceptors) {
                        c.addExecutionInterceptor(interceptor);
                    }
                    if (callTimeout != null) {
                        c.apiCallTimeout(callTimeout);
                    }
                });
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder.build();
    }

    private static Duration shorter(Duration a, Duration b) {
        return b == null || a.compareTo(b) <= 0 ? a : b;
    }
}
