package dev.keyless.spring;

import dev.keyless.ChainedRole;
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
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.core.env.PropertyResolver;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;
import software.amazon.awssdk.regions.Region;

/**
 * A provider the starter builds from properties, the main one from {@code keyless.*}, a named one from
 * {@code keyless.providers.NAME.*}: the properties are mapped onto core's builder, the application's
 * {@link KeylessProviderCustomizer}s adjust it, and everything else (the role ARN, region and token file from
 * {@code aws.*} system properties and {@code AWS_*} variables, the STS client, validation) is core's, resolved
 * through Spring's {@code Environment}. One main instance per application (or one per bootstrap context,
 * promoted to the application context), one per named provider. {@link #close()} closes the provider, and with
 * it the STS client it built. Thread-safe.
 */
final class KeylessFederation implements AutoCloseable {

    static final String ROLE_ARN_PROPERTY = "keyless.role-arn";
    static final String GOOGLE_AUTH_CLASS = "com.google.auth.oauth2.GoogleCredentials";

    /** The name of the main provider, for customizers, health, the endpoint and metrics. */
    static final String DEFAULT_NAME = KeylessProviderCustomizer.DEFAULT_PROVIDER;

    /** Core's settings, and the properties that set them, below the provider's prefix. */
    private static final Map<Setting, String> PROPERTIES = new EnumMap<>(Setting.class);

    static {
        PROPERTIES.put(Setting.ROLE_ARN, "role-arn");
        PROPERTIES.put(Setting.ROLE_SESSION_NAME, "role-session-name");
        PROPERTIES.put(Setting.WEB_IDENTITY_TOKEN_FILE, "token-file");
        PROPERTIES.put(Setting.TOKEN_SOURCE, "token-source");
        PROPERTIES.put(Setting.AUDIENCE, "audience");
        PROPERTIES.put(Setting.REGION, "region");
        PROPERTIES.put(Setting.STS_ENDPOINT, "sts-endpoint");
        PROPERTIES.put(Setting.SESSION_DURATION, "session-duration");
        PROPERTIES.put(Setting.PREFETCH_TIME, "refresh.prefetch");
        PROPERTIES.put(Setting.STALE_TIME, "refresh.stale");
        PROPERTIES.put(Setting.CHAINED_ROLES, "chain");
        PROPERTIES.put(Setting.PROFILE, "profile");
    }

    private final String name;
    private final WebIdentityCredentialsProvider provider;
    private final RefreshLog refreshes;
    private final TokenSource tokenSource;
    private final Region region;

    private KeylessFederation(String name, WebIdentityCredentialsProvider provider, RefreshLog refreshes,
            TokenSource tokenSource, Region region) {
        this.name = name;
        this.provider = provider;
        this.refreshes = refreshes;
        this.tokenSource = tokenSource;
        this.region = region;
    }

    /** Where a provider's properties live: {@code keyless} for the main one, else {@code keyless.providers.NAME}. */
    static String prefix(String name) {
        return DEFAULT_NAME.equals(name) ? "keyless" : "keyless.providers." + name;
    }

    /** Core's settings lookups over Spring's environment, which holds system properties and variables alike. */
    static Settings settings(PropertyResolver environment) {
        return Settings.from(environment::getProperty, environment::getProperty);
    }

    /** {@link #settings(PropertyResolver)}, with the main provider's {@code keyless.profile}. */
    static Settings settings(KeylessProviderProperties properties, PropertyResolver environment) {
        return settings(environment).withProfile(profile(properties));
    }

    /** {@code keyless.profile}: the main provider's only; a named provider has its own role ARN. */
    private static String profile(KeylessProviderProperties properties) {
        return properties instanceof KeylessProperties main ? main.getProfile() : null;
    }

    /**
     * The role ARN from {@code keyless.role-arn}, else core's lookup: {@code aws.roleArn}, else
     * {@code AWS_ROLE_ARN}, else the web identity profile's.
     *
     * @return the role ARN, or {@code null} if none is set
     * @throws InvalidSettingException if a profile that must be used cannot be
     */
    static String roleArn(KeylessProviderProperties properties, PropertyResolver environment) {
        SettingValue arn = settings(properties, environment).resolve(Setting.ROLE_ARN, properties.getRoleArn());
        return arn == null ? null : arn.value();
    }

    /**
     * Whether the main provider has a role to assume, or a profile is named that {@link #create} will explain
     * it cannot use.
     */
    static boolean configured(KeylessProviderProperties properties, PropertyResolver environment) {
        try {
            return roleArn(properties, environment) != null;
        } catch (InvalidSettingException e) {
            return true;
        }
    }

    /**
     * Builds the main provider, on the system clock, without customizers; fetches nothing.
     *
     * @throws InvalidConfigurationPropertyValueException naming the {@code keyless.*} property that is wrong
     */
    static KeylessFederation create(KeylessProperties properties, PropertyResolver environment,
            ClassLoader classLoader) {
        return create(DEFAULT_NAME, properties, environment, classLoader, Clock.systemUTC(), List.of());
    }

    /** Builds the main provider on {@code clock} (expiry, refresh times, the refresh log); fetches nothing. */
    static KeylessFederation create(KeylessProperties properties, PropertyResolver environment,
            ClassLoader classLoader, Clock clock) {
        return create(DEFAULT_NAME, properties, environment, classLoader, clock, List.of());
    }

    /**
     * Builds the provider called {@code name} ({@link #DEFAULT_NAME} for the main one) from its properties, then
     * lets the customizers adjust the builder, in order; fetches nothing.
     *
     * @throws InvalidConfigurationPropertyValueException naming the property under {@link #prefix} that is wrong
     */
    static KeylessFederation create(String name, KeylessProviderProperties properties, PropertyResolver environment,
            ClassLoader classLoader, Clock clock, List<KeylessProviderCustomizer> customizers) {
        String prefix = prefix(name);
        boolean main = DEFAULT_NAME.equals(name);
        String mainRoleArn;
        try {
            mainRoleArn = main ? roleArn(properties, environment) : null;
        } catch (InvalidSettingException e) {
            throw invalid(prefix, e);
        }
        if (main ? mainRoleArn == null : !StringUtils.hasText(properties.getRoleArn())) {
            throw new InvalidConfigurationPropertyValueException(prefix + ".role-arn", null, main
                    ? "Keyless needs a role to assume: set keyless.role-arn or the AWS_ROLE_ARN environment variable."
                    : "The provider " + name + " needs a role to assume: set " + prefix + ".role-arn (a named "
                    + "provider never takes AWS_ROLE_ARN, which is the main provider's).");
        }
        Settings settings = settings(properties, environment);
        RefreshLog refreshes = new RefreshLog(clock);
        try {
            Region region = settings.region(properties.getRegion());
            TokenSource tokenSource = tokenSource(prefix, properties, settings, classLoader);
            WebIdentityCredentialsProvider.Builder builder = WebIdentityCredentialsProvider.builder()
                    .settings(settings(environment))
                    .profile(profile(properties))
                    .roleArn(properties.getRoleArn())
                    .tokenSource(tokenSource)
                    .roleSessionName(properties.getRoleSessionName())
                    .sessionDuration(properties.getSessionDuration())
                    .prefetchTime(properties.getRefresh().getPrefetch())
                    .staleTime(properties.getRefresh().getStale())
                    .stsEndpoint(properties.getStsEndpoint())
                    .region(region)
                    .chainedRoles(chainedRoles(properties.getChain()))
                    .clock(clock)
                    // Added, not set: a customizer's own refreshListener does not blind health and metrics.
                    .addRefreshListener(refreshes);
            for (KeylessProviderCustomizer customizer : customizers) {
                customizer.customize(name, builder);
            }
            return new KeylessFederation(name, builder.build(), refreshes, tokenSource, region);
        } catch (InvalidSettingException e) {
            throw invalid(prefix, e);
        }
    }

    /**
     * {@code PREFIX.chain[N].*} as core's chained roles, each value as it is: core checks them at {@code build()}
     * and names the hop, which {@link #invalid} attributes to {@code PREFIX.chain}.
     */
    static List<ChainedRole> chainedRoles(List<KeylessProperties.Hop> chain) {
        PropertyMapper map = PropertyMapper.get();
        List<ChainedRole> roles = new ArrayList<>();
        for (KeylessProperties.Hop hop : chain) {
            ChainedRole.Builder role = ChainedRole.builder();
            map.from(hop::getRoleArn).to(role::roleArn);
            map.from(hop::getRoleSessionName).to(role::roleSessionName);
            map.from(hop::getExternalId).to(role::externalId);
            map.from(hop::getSessionTags).to(role::sessionTags);
            map.from(hop::getTransitiveTagKeys).to(role::transitiveTagKeys);
            map.from(hop::getSourceIdentity).to(role::sourceIdentity);
            map.from(hop::getSessionDuration).to(role::sessionDuration);
            map.from(hop::getPolicy).to(role::policy);
            map.from(hop::getPolicyArns).to(role::policyArns);
            roles.add(role.build());
        }
        return roles;
    }

    private static TokenSource tokenSource(String prefix, KeylessProviderProperties properties, Settings settings,
            ClassLoader classLoader) {
        String audience = properties.getAudience();
        if (properties.getTokenSource() != KeylessProperties.TokenSourceKind.FILE
                && !StringUtils.hasText(audience)
                && (properties.getTokenSource() != KeylessProperties.TokenSourceKind.AUTO
                    || configuredTokenFile(prefix, properties) == null)) {
            throw new InvalidConfigurationPropertyValueException(prefix + ".audience", audience,
                    "The audience must not be blank: it is the aud the token is requested for (by default, "
                    + "sts.amazonaws.com).");
        }
        switch (properties.getTokenSource()) {
            case FILE:
                return TokenSources.file(tokenFile(prefix, properties, settings));
            case METADATA_SERVER:
                return TokenSources.metadataServer(audience);
            case GOOGLE_CREDENTIALS:
                if (!ClassUtils.isPresent(GOOGLE_AUTH_CLASS, classLoader)) {
                    throw new InvalidConfigurationPropertyValueException(prefix + ".token-source",
                            "google-credentials", "It needs google-auth-library on the classpath: add "
                            + "com.google.auth:google-auth-library-oauth2-http to the application's dependencies.");
                }
                return TokenSources.applicationDefaultCredentials(audience);
            case AUTO:
            default:
                Path file = configuredTokenFile(prefix, properties);
                return file != null ? TokenSources.file(file) : TokenSources.detect(audience, settings);
        }
    }

    /** {@code PREFIX.token-file} as a path, or {@code null} if it is not set. */
    private static Path configuredTokenFile(String prefix, KeylessProviderProperties properties) {
        String file = properties.getTokenFile();
        if (!StringUtils.hasText(file)) {
            return null;
        }
        try {
            return Path.of(file.strip());
        } catch (InvalidPathException e) {
            throw new InvalidConfigurationPropertyValueException(prefix + ".token-file", file,
                    "Not a file path: " + e.getReason() + ".");
        }
    }

    private static Path tokenFile(String prefix, KeylessProviderProperties properties, Settings settings) {
        Path configured = configuredTokenFile(prefix, properties);
        if (configured != null) {
            return configured;
        }
        SettingValue fromEnvironment = settings.webIdentityTokenFile(null);
        if (fromEnvironment != null) {
            return Path.of(fromEnvironment.value());
        }
        throw new InvalidConfigurationPropertyValueException(prefix + ".token-file", null,
                prefix + ".token-source=file needs a token file: set " + prefix + ".token-file, or the "
                + "AWS_WEB_IDENTITY_TOKEN_FILE environment variable, to the token's path in the projected volume "
                + "(for example /var/run/secrets/aws/sts.amazonaws.com/serviceaccount/token).");
    }

    /** Core's complaint, attributed to the property that sets the setting: by data, never by reading the message. */
    private static InvalidConfigurationPropertyValueException invalid(String prefix, InvalidSettingException e) {
        String property = property(prefix, e.setting());
        String reason = e.describe(setting -> PROPERTIES.containsKey(setting) ? property(prefix, setting)
                : setting.builderName());
        if (e.origin() != null && (e.setting() == Setting.ROLE_ARN || e.setting() == Setting.PROFILE)) {
            reason += " (" + property + " is not set.)";
        }
        return new InvalidConfigurationPropertyValueException(property, e.value(), reason, e);
    }

    private static String property(String prefix, Setting setting) {
        String suffix = PROPERTIES.get(setting);
        return suffix == null ? prefix : prefix + "." + suffix;
    }

    /** {@link #DEFAULT_NAME} for the main provider, else the name under {@code keyless.providers}. */
    String name() {
        return name;
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
