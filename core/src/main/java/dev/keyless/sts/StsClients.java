package dev.keyless.sts;

import dev.keyless.settings.Settings;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.StsClientBuilder;
import software.amazon.awssdk.services.sts.model.IdpCommunicationErrorException;

/**
 * Builds the STS client Keyless calls when none is given: anonymous credentials (a web identity call is
 * unsigned: the token is the credential), a 3 s connection and 10 s socket timeout, the SDK's standard
 * retries (3 attempts) extended to {@code IDPCommunicationError}, and an interceptor that removes tokens
 * from STS error bodies before the SDK reads or logs them. Core, the Spring Boot starter and the CLI all
 * build their client here.
 *
 * <p>The region's endpoint is used unless an endpoint is given. Like any SDK client, the client honours
 * {@code AWS_ENDPOINT_URL_STS} / {@code AWS_ENDPOINT_URL} (and the {@code aws.endpointUrlSts} /
 * {@code aws.endpointUrl} system properties), {@code AWS_USE_FIPS_ENDPOINT} and
 * {@code AWS_USE_DUALSTACK_ENDPOINT} when no endpoint is given in code.
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
     * The default client.
     *
     * @param region the region whose STS endpoint to call
     * @param endpoint an endpoint instead of the region's (a VPC endpoint, a test server), or {@code null}
     * @param customizer adjusts the builder after Keyless's defaults are set (interceptors, HTTP client,
     *     endpoint), or {@code null}; the redaction interceptor and a retry strategy are kept whatever it does
     * @return the client; the caller closes it
     * @throws dev.keyless.settings.InvalidSettingException if the endpoint is not an http(s) URL with a host
     */
    public static StsClient create(Region region, URI endpoint, Consumer<StsClientBuilder> customizer) {
        Objects.requireNonNull(region, "region");
        StsClientBuilder builder = StsClient.builder()
                .region(region)
                .credentialsProvider(AnonymousCredentialsProvider.create())
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(CONNECT_TIMEOUT)
                        .socketTimeout(SOCKET_TIMEOUT))
                .overrideConfiguration(c -> c.retryStrategy(retryStrategy())
                        // An STS error that echoes the token must not reach the SDK's own exception and logs.
                        .addExecutionInterceptor(new RedactErrorResponses()));
        if (Settings.stsEndpoint(endpoint) != null) {
            builder.endpointOverride(endpoint);
        }
        if (customizer != null) {
            customizer.accept(builder);
            keepEssentials(builder);
        }
        return builder.build();
    }

    /**
     * A customizer that bounds each call, retries included, by {@code callTimeout}, and no attempt's connection
     * or read waits longer: for callers that must answer within a stated time (the CLI's {@code --timeout}).
     *
     * @param callTimeout the most one call may take
     * @return the customizer, for {@link #create} or the provider's {@code stsClientCustomizer}
     */
    public static Consumer<StsClientBuilder> callTimeout(Duration callTimeout) {
        Objects.requireNonNull(callTimeout, "callTimeout");
        return builder -> {
            builder.httpClientBuilder(UrlConnectionHttpClient.builder()
                    .connectionTimeout(shorter(CONNECT_TIMEOUT, callTimeout))
                    .socketTimeout(shorter(SOCKET_TIMEOUT, callTimeout)));
            builder.overrideConfiguration(builder.overrideConfiguration().toBuilder().apiCallTimeout(callTimeout)
                    .build());
        };
    }

    private static Duration shorter(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** A customizer may replace the whole override configuration: put back what Keyless relies on. */
    private static void keepEssentials(StsClientBuilder builder) {
        ClientOverrideConfiguration config = builder.overrideConfiguration();
        boolean redacts = config.executionInterceptors().stream().anyMatch(RedactErrorResponses.class::isInstance);
        boolean retries = config.retryStrategy().isPresent() || config.retryPolicy().isPresent()
                || config.retryMode().isPresent() || config.retryStrategyConfigurator().isPresent();
        if (redacts && retries) {
            return;
        }
        ClientOverrideConfiguration.Builder fixed = config.toBuilder();
        if (!redacts) {
            fixed.addExecutionInterceptor(new RedactErrorResponses());
        }
        if (!retries) {
            fixed.retryStrategy(retryStrategy());
        }
        builder.overrideConfiguration(fixed.build());
    }

    private static RetryStrategy retryStrategy() {
        return AwsRetryStrategy.standardRetryStrategy().toBuilder()
                .retryOnExceptionInstanceOf(IdpCommunicationErrorException.class)
                .maxAttempts(MAX_ATTEMPTS)
                .build();
    }
}
