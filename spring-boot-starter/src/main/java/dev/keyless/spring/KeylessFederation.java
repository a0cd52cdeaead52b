package dev.keyless.spring;

import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.token.TokenSource;
import dev.keyless.token.TokenSources;
import java.net.URI;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.core.env.PropertyResolver;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.StsClientBuilder;
import software.amazon.awssdk.services.sts.model.IdpCommunicationErrorException;

/**
 * The provider the starter builds from {@code keyless.*}, with the STS client and the {@link RefreshLog} it
 * built for it. One instance per application (or one per bootstrap context, promoted to the application
 * context). {@link #close()} closes the provider and the STS client. Thread-safe.
 */
final class KeylessFederation implements AutoCloseable {

    static final String ROLE_ARN_PROPERTY = "keyless.role-arn";
    static final String GOOGLE_AUTH_CLASS = "com.google.auth.oauth2.GoogleCredentials";

    /** The builder's setting names as they appear in its messages, and the properties that set them. */
    private static final Map<String, String> SETTINGS = new LinkedHashMap<>();

    static {
        SETTINGS.put("roleSessionName", "keyless.role-session-name");
        SETTINGS.put("sessionDuration", "keyless.session-duration");
        SETTINGS.put("prefetchTime", "keyless.refresh.prefetch");
        SETTINGS.put("staleTime", "keyless.refresh.stale");
        SETTINGS.put("roleArn", ROLE_ARN_PROPERTY);
        SETTINGS.put("audience", "keyless.audience");
    }

    private static final Pattern SETTING = Pattern.compile("\\b(" + String.join("|", SETTINGS.keySet()) + ")\\b");

    private final WebIdentityCredentialsProvider provider;
    private final StsClient sts;
    private final RefreshLog refreshes;
    private final String roleArn;
    private final TokenSource tokenSource;

    private KeylessFederation(WebIdentityCredentialsProvider provider, StsClient sts, RefreshLog refreshes,
            String roleArn, TokenSource tokenSource) {
        this.provider = provider;
        this.sts = sts;
        this.refreshes = refreshes;
        this.roleArn = roleArn;
        this.tokenSource = tokenSource;
    }

    /**
     * The role ARN from {@code keyless.role-arn}, else {@code AWS_ROLE_ARN}, else {@code aws.roleArn}.
     *
     * @return the role ARN, or {@code null} if none is set
     */
    static String roleArn(KeylessProperties properties, PropertyResolver environment) {
        if (StringUtils.hasText(properties.getRoleArn())) {
            return properties.getRoleArn().strip();
        }
        return roleArnFromEnvironment(environment);
    }

    static String roleArnFromEnvironment(PropertyResolver environment) {
        for (String name : new String[] {"AWS_ROLE_ARN", "aws.roleArn"}) {
            String value = environment.getProperty(name);
            if (StringUtils.hasText(value)) {
                return value.strip();
            }
        }
        return null;
    }

    /**
     * Builds the provider, on the system clock; fetches nothing.
     *
     * @throws InvalidConfigurationPropertyValueException naming the {@code keyless.*} property that is wrong
     */
    static KeylessFederation create(KeylessProperties properties, PropertyResolver environment,
            ClassLoader classLoader) {
        return create(properties, environment, classLoader, Clock.systemUTC());
    }

    /** Builds the provider on {@code clock} (expiry, refresh times, the refresh log); fetches nothing. */
    static KeylessFederation create(KeylessProperties properties, PropertyResolver environment,
            ClassLoader classLoader, Clock clock) {
        String roleArn = roleArn(properties, environment);
        if (roleArn == null) {
            throw new InvalidConfigurationPropertyValueException(ROLE_ARN_PROPERTY, null,
                    "Keyless needs a role to assume: set keyless.role-arn or the AWS_ROLE_ARN environment variable.");
        }
        RefreshLog refreshes = new RefreshLog(clock);
        TokenSource tokenSource = tokenSource(properties, environment, classLoader);
        Region region = region(properties, environment);
        StsClient sts = stsClient(region, properties, refreshes);
        WebIdentityCredentialsProvider.Builder builder = WebIdentityCredentialsProvider.builder()
                .roleArn(roleArn)
                .tokenSource(refreshes.observe(tokenSource))
                .roleSessionName(properties.getRoleSessionName())
                .sessionDuration(properties.getSessionDuration())
                .prefetchTime(properties.getRefresh().getPrefetch())
                .staleTime(properties.getRefresh().getStale())
                .clock(clock)
                .stsClient(sts);
        try {
            return new KeylessFederation(builder.build(), sts, refreshes, roleArn, tokenSource);
        } catch (IllegalArgumentException e) {
            sts.close();
            throw invalid(e, properties, roleArn);
        }
    }

    private static TokenSource tokenSource(KeylessProperties properties, PropertyResolver environment,
            ClassLoader classLoader) {
        String audience = properties.getAudience();
        if (properties.getTokenSource() != KeylessProperties.TokenSourceKind.FILE
                && properties.getTokenSource() != KeylessProperties.TokenSourceKind.AUTO
                && !StringUtils.hasText(audience)) {
            throw new InvalidConfigurationPropertyValueException("keyless.audience", audience,
                    "The audience must not be blank: it is the aud the token is requested for (by default, "
                    + "sts.amazonaws.com).");
        }
        switch (properties.getTokenSource()) {
            case FILE:
                return TokenSources.file(tokenFile(properties, environment));
            case METADATA_SERVER:
                return TokenSources.metadataServer(audience);
            case GOOGLE_CREDENTIALS:
                if (!ClassUtils.isPresent(GOOGLE_AUTH_CLASS, classLoader)) {
                    throw new InvalidConfigurationPropertyValueException("keyless.token-source",
                            "google-credentials", "It needs google-auth-library on the classpath: add "
                            + "com.google.auth:google-auth-library-oauth2-http to the application's dependencies.");
                }
                return TokenSources.applicationDefaultCredentials(audience);
            case AUTO:
            default:
                Path file = configuredTokenFile(properties);
                if (file != null) {
                    return TokenSources.file(file);
                }
                if (!StringUtils.hasText(audience)) {
                    throw new InvalidConfigurationPropertyValueException("keyless.audience", audience,
                            "The audience must not be blank: it is the aud the token is requested for (by "
                            + "default, sts.amazonaws.com).");
                }
                return TokenSources.detect(audience);
        }
    }

    /** {@code keyless.token-file} as a path, or {@code null} if it is not set. */
    private static Path configuredTokenFile(KeylessProperties properties) {
        String file = properties.getTokenFile();
        if (!StringUtils.hasText(file)) {
            return null;
        }
        try {
            return Path.of(file.strip());
        } catch (InvalidPathException e) {
            throw new InvalidConfigurationPropertyValueException("keyless.token-file", file,
                    "Not a file path: " + e.getReason() + ".");
        }
    }

    private static Path tokenFile(KeylessProperties properties, PropertyResolver environment) {
        Path configured = configuredTokenFile(properties);
        if (configured != null) {
            return configured;
        }
        String fromEnvironment = environment.getProperty("AWS_WEB_IDENTITY_TOKEN_FILE");
        if (StringUtils.hasText(fromEnvironment)) {
            return Path.of(fromEnvironment.strip());
        }
        throw new InvalidConfigurationPropertyValueException("keyless.token-file", null,
                "keyless.token-source=file needs a token file: set keyless.token-file, or the "
                + "AWS_WEB_IDENTITY_TOKEN_FILE environment variable, to the token's path in the projected volume "
                + "(for example /var/run/secrets/aws/sts.amazonaws.com/serviceaccount/token).");
    }

    private static Region region(KeylessProperties properties, PropertyResolver environment) {
        String region = properties.getRegion();
        if (!StringUtils.hasText(region)) {
            region = environment.getProperty("aws.region");
        }
        if (!StringUtils.hasText(region)) {
            region = environment.getProperty("AWS_REGION");
        }
        if (!StringUtils.hasText(region)) {
            return Region.US_EAST_1;
        }
        region = region.strip();
        if (!region.matches("[a-z0-9-]+")) {
            throw new InvalidConfigurationPropertyValueException("keyless.region", region,
                    "Not an AWS region name; expected one like eu-west-1.");
        }
        return Region.of(region);
    }

    /**
     * The STS client core would build by default (anonymous: the call is unsigned; short timeouts; retries
     * for throttling, 5xx and IDPCommunicationError), plus the {@link RefreshLog} interceptor.
     */
    private static StsClient stsClient(Region region, KeylessProperties properties, RefreshLog refreshes) {
        StsClientBuilder builder = StsClient.builder()
                .region(region)
                .credentialsProvider(AnonymousCredentialsProvider.create())
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(3))
                        .socketTimeout(Duration.ofSeconds(10)))
                .overrideConfiguration(c -> c
                        .addExecutionInterceptor(refreshes)
                        .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                .retryOnExceptionInstanceOf(IdpCommunicationErrorException.class)
                                .maxAttempts(3)
                                .build()));
        URI endpoint = properties.getStsEndpoint();
        if (endpoint != null) {
            if (endpoint.getScheme() == null || !endpoint.getScheme().matches("(?i)https?") || endpoint.getHost() == null) {
                throw new InvalidConfigurationPropertyValueException("keyless.sts-endpoint", endpoint,
                        "Not an http(s) URL with a host; expected one like https://sts.eu-west-1.amazonaws.com.");
            }
            builder.endpointOverride(endpoint);
        }
        return builder.build();
    }

    /** The builder's complaint, reworded with the property names, as the failure analyzer shows it. */
    private static InvalidConfigurationPropertyValueException invalid(IllegalArgumentException e,
            KeylessProperties properties, String roleArn) {
        String message = e.getMessage() == null ? "invalid value" : e.getMessage();
        Matcher m = SETTING.matcher(message);
        String property = m.find() ? SETTINGS.get(m.group(1)) : "keyless";
        Object value = switch (property) {
            case ROLE_ARN_PROPERTY -> roleArn;
            case "keyless.role-session-name" -> properties.getRoleSessionName();
            case "keyless.session-duration" -> properties.getSessionDuration();
            case "keyless.refresh.prefetch" -> properties.getRefresh().getPrefetch();
            case "keyless.refresh.stale" -> properties.getRefresh().getStale();
            default -> null;
        };
        StringBuilder reason = new StringBuilder();
        m.reset();
        while (m.find()) {
            m.appendReplacement(reason, Matcher.quoteReplacement(SETTINGS.get(m.group(1))));
        }
        m.appendTail(reason);
        if (ROLE_ARN_PROPERTY.equals(property) && !StringUtils.hasText(properties.getRoleArn())) {
            reason.append(" (The role ARN came from AWS_ROLE_ARN; keyless.role-arn is not set.)");
        }
        return new InvalidConfigurationPropertyValueException(property, value, reason.toString(), e);
    }

    WebIdentityCredentialsProvider provider() {
        return provider;
    }

    /** The STS client the starter built for the provider. */
    StsClient sts() {
        return sts;
    }

    RefreshLog refreshes() {
        return refreshes;
    }

    String roleArn() {
        return roleArn;
    }

    /** The token source as configured, not observed: fetching from it records nothing. */
    TokenSource tokenSource() {
        return tokenSource;
    }

    @Override
    public void close() {
        try {
            provider.close();
        } finally {
            sts.close();
        }
    }
}
