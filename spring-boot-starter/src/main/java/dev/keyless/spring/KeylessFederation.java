package dev.keyless.spring;

import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.settings.InvalidSettingException;
import dev.keyless.settings.Setting;
import dev.keyless.settings.SettingValue;
import dev.keyless.settings.Settings;
import dev.keyless.token.TokenSource;
import dev.keyless.token.TokenSources;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.core.env.PropertyResolver;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;
import software.amazon.awssdk.regions.Region;

/**
 * The provider the starter builds from {@code keyless.*}: the properties are mapped onto core's builder, and
 * everything else (the role ARN, region and token file from {@code aws.*} system properties and {@code AWS_*}
 * variables, the STS client, validation) is core's, resolved through Spring's {@code Environment}. One
 * instance per application (or one per bootstrap context, promoted to the application context).
 * {@link #close()} closes the provider, and with it the STS client it built. Thread-safe.
 */
final class KeylessFederation implements AutoCloseable {

    static final String ROLE_ARN_PROPERTY = "keyless.role-arn";
    static final String GOOGLE_AUTH_CLASS = "com.google.auth.oauth2.GoogleCredentials";

    /** Core's settings, and the properties that set them. */
    private static final Map<Setting, String> PROPERTIES = new EnumMap<>(Setting.class);

    static {
        PROPERTIES.put(Setting.ROLE_ARN, ROLE_ARN_PROPERTY);
        PROPERTIES.put(Setting.ROLE_SESSION_NAME, "keyless.role-session-name");
        PROPERTIES.put(Setting.WEB_IDENTITY_TOKEN_FILE, "keyless.token-file");
        PROPERTIES.put(Setting.TOKEN_SOURCE, "keyless.token-source");
        PROPERTIES.put(Setting.AUDIENCE, "keyless.audience");
        PROPERTIES.put(Setting.REGION, "keyless.region");
        PROPERTIES.put(Setting.STS_ENDPOINT, "keyless.sts-endpoint");
        PROPERTIES.put(Setting.SESSION_DURATION, "keyless.session-duration");
        PROPERTIES.put(Setting.PREFETCH_TIME, "keyless.refresh.prefetch");
        PROPERTIES.put(Setting.STALE_TIME, "keyless.refresh.stale");
    }

    private final WebIdentityCredentialsProvider provider;
    private final RefreshLog refreshes;
    private final TokenSource tokenSource;
    private final Region region;

    private KeylessFederation(WebIdentityCredentialsProvider provider, RefreshLog refreshes, TokenSource tokenSource,
            Region region) {
        this.provider = provider;
        this.refreshes = refreshes;
        this.tokenSource = tokenSource;
        this.region = region;
    }

    /** Core's settings lookups over Spring's environment, which holds system properties and variables alike. */
    static Settings settings(PropertyResolver environment) {
        return Settings.from(environment::getProperty, environment::getProperty);
    }

    /**
     * The role ARN from {@code keyless.role-arn}, else core's lookup: {@code aws.roleArn}, else
     * {@code AWS_ROLE_ARN}.
     *
     * @return the role ARN, or {@code null} if none is set
     */
    static String roleArn(KeylessProperties properties, PropertyResolver environment) {
        SettingValue arn = settings(environment).resolve(Setting.ROLE_ARN, properties.getRoleArn());
        return arn == null ? null : arn.value();
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
        if (roleArn(properties, environment) == null) {
            throw new InvalidConfigurationPropertyValueException(ROLE_ARN_PROPERTY, null,
                    "Keyless needs a role to assume: set keyless.role-arn or the AWS_ROLE_ARN environment variable.");
        }
        Settings settings = settings(environment);
        RefreshLog refreshes = new RefreshLog(clock);
        try {
            Region region = settings.region(properties.getRegion());
            TokenSource tokenSource = tokenSource(properties, settings, classLoader);
            WebIdentityCredentialsProvider.Builder builder = WebIdentityCredentialsProvider.builder()
                    .settings(settings)
                    .roleArn(properties.getRoleArn())
                    .tokenSource(tokenSource)
                    .roleSessionName(properties.getRoleSessionName())
                    .sessionDuration(properties.getSessionDuration())
                    .prefetchTime(properties.getRefresh().getPrefetch())
                    .staleTime(properties.getRefresh().getStale())
                    .stsEndpoint(properties.getStsEndpoint())
                    .region(region)
                    .clock(clock)
                    .refreshListener(refreshes);
            return new KeylessFederation(builder.build(), refreshes, tokenSource, region);
        } catch (InvalidSettingException e) {
            throw invalid(e);
        }
    }

    private static TokenSource tokenSource(KeylessProperties properties, Settings settings, ClassLoader classLoader) {
        String audience = properties.getAudience();
        if (properties.getTokenSource() != KeylessProperties.TokenSourceKind.FILE
                && !StringUtils.hasText(audience)
                && (properties.getTokenSource() != KeylessProperties.TokenSourceKind.AUTO
                    || configuredTokenFile(properties) == null)) {
            throw new InvalidConfigurationPropertyValueException("keyless.audience", audience,
                    "The audience must not be blank: it is the aud the token is requested for (by default, "
                    + "sts.amazonaws.com).");
        }
        switch (properties.getTokenSource()) {
            case FILE:
                return TokenSources.file(tokenFile(properties, settings));
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
                return file != null ? TokenSources.file(file) : TokenSources.detect(audience);
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

    private static Path tokenFile(KeylessProperties properties, Settings settings) {
        Path configured = configuredTokenFile(properties);
        if (configured != null) {
            return configured;
        }
        SettingValue fromEnvironment = settings.webIdentityTokenFile(null);
        if (fromEnvironment != null) {
            return Path.of(fromEnvironment.value());
        }
        throw new InvalidConfigurationPropertyValueException("keyless.token-file", null,
                "keyless.token-source=file needs a token file: set keyless.token-file, or the "
                + "AWS_WEB_IDENTITY_TOKEN_FILE environment variable, to the token's path in the projected volume "
                + "(for example /var/run/secrets/aws/sts.amazonaws.com/serviceaccount/token).");
    }

    /** Core's complaint, attributed to the property that sets the setting: by data, never by reading the message. */
    private static InvalidConfigurationPropertyValueException invalid(InvalidSettingException e) {
        String property = PROPERTIES.getOrDefault(e.setting(), "keyless");
        String reason = e.describe(setting -> PROPERTIES.getOrDefault(setting, setting.builderName()));
        if (e.origin() != null && e.setting() == Setting.ROLE_ARN) {
            reason += " (" + ROLE_ARN_PROPERTY + " is not set.)";
        }
        return new InvalidConfigurationPropertyValueException(property, e.value(), reason, e);
    }

    WebIdentityCredentialsProvider provider() {
        return provider;
    }

    RefreshLog refreshes() {
        return refreshes;
    }

    String roleArn() {
        return provider.roleArn();
    }

    /** The region whose STS endpoint the provider's STS client calls. */
    Region region() {
        return region;
    }

    /** The token source as configured. */
    TokenSource tokenSource() {
        return tokenSource;
    }

    @Override
    public void close() {
        provider.close();
    }
}
