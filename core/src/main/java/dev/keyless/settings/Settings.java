package dev.keyless.settings;

import java.net.URI;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;
import software.amazon.awssdk.arns.Arn;
import software.amazon.awssdk.regions.Region;

/**
 * Resolves the settings that can come from outside the code, each in one way: the value set in code,
 * else the system property, else the environment variable (the AWS SDK's precedence, as in
 * {@code SdkSystemSetting}); a blank value counts as unset, and any other is taken as given (surrounding
 * whitespace included, so that a malformed value is refused rather than repaired). The typed methods also check the value and
 * throw an {@link InvalidSettingException} that names the setting and where its value came from.
 *
 * <p>{@link #system()} reads this JVM's system properties and environment; a framework passes its own
 * lookups to {@link #from(Function, Function)} (the Spring Boot starter passes its {@code Environment}).
 * Immutable and thread-safe.
 */
public final class Settings {

    /** What STS accepts for {@code RoleSessionName}. */
    public static final Pattern ROLE_SESSION_NAME = Pattern.compile("[\\w+=,.@-]{2,64}");
    /** The region whose STS endpoint is called when none is set. */
    public static final Region DEFAULT_REGION = Region.US_EAST_1;

    private static final Pattern REGION_NAME = Pattern.compile("[a-z0-9-]+");
    private static final Settings SYSTEM = new Settings(System::getProperty, System::getenv);

    private final Function<String, String> systemProperties;
    private final Function<String, String> environment;

    private Settings(Function<String, String> systemProperties, Function<String, String> environment) {
        this.systemProperties = systemProperties;
        this.environment = environment;
    }

    /**
     * This JVM's system properties and environment variables.
     *
     * @return the settings
     */
    public static Settings system() {
        return SYSTEM;
    }

    /**
     * Settings read through the given lookups.
     *
     * @param systemProperties looks up a system property by name; {@code null} if unset
     * @param environment looks up an environment variable by name; {@code null} if unset
     * @return the settings
     */
    public static Settings from(Function<String, String> systemProperties, Function<String, String> environment) {
        return new Settings(Objects.requireNonNull(systemProperties, "systemProperties"),
                Objects.requireNonNull(environment, "environment"));
    }

    /**
     * A setting: {@code explicit} if it is not blank, else the system property, else the environment variable.
     *
     * @param setting the setting
     * @param explicit the value set in code, or {@code null}
     * @return the value and its origin, or {@code null} if it is set nowhere
     */
    public SettingValue resolve(Setting setting, String explicit) {
        if (explicit != null && !explicit.isBlank()) {
            return new SettingValue(setting, explicit, null);
        }
        if (setting.systemProperty() != null) {
            String value = systemProperties.apply(setting.systemProperty());
            if (value != null && !value.isBlank()) {
                return new SettingValue(setting, value, "system property " + setting.systemProperty());
            }
        }
        if (setting.environmentVariable() != null) {
            String value = environment.apply(setting.environmentVariable());
            if (value != null && !value.isBlank()) {
                return new SettingValue(setting, value, "environment variable " + setting.environmentVariable());
            }
        }
        return null;
    }

    /**
     * An environment variable of another tool's convention that Keyless honours as that tool does (Google's
     * {@code GOOGLE_APPLICATION_CREDENTIALS} and {@code CLOUDSDK_CONFIG}), read through the same lookup as
     * every setting, so a framework's or a test's environment applies to it too.
     *
     * @param name the variable
     * @return its value, or {@code null} if it is unset or blank
     */
    public String variable(String name) {
        String value = environment.apply(name);
        return value == null || value.isBlank() ? null : value;
    }

    /**
     * The role to assume, checked to be an IAM role ARN.
     *
     * @param explicit the value set in code, or {@code null}
     * @return the role ARN and its origin
     * @throws InvalidSettingException if it is set nowhere or is not a role ARN
     */
    public SettingValue roleArn(String explicit) {
        SettingValue arn = resolve(Setting.ROLE_ARN, explicit);
        if (arn == null) {
            throw new InvalidSettingException(Setting.ROLE_ARN, null, null, names -> names.apply(Setting.ROLE_ARN)
                    + " is required: set it, or set the AWS_ROLE_ARN environment variable (or the aws.roleArn system "
                    + "property).");
        }
        if (!isRoleArn(arn.value())) {
            throw new InvalidSettingException(Setting.ROLE_ARN, arn.value(), arn.origin(),
                    names -> (arn.origin() == null ? names.apply(Setting.ROLE_ARN) : arn.origin()) + " '" + arn.value()
                    + "' is not an IAM role ARN; expected arn:aws:iam::123456789012:role/NAME.");
        }
        return arn;
    }

    /**
     * Whether a value is an IAM role ARN as STS accepts it: {@code arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME},
     * 20 to 2048 characters.
     *
     * @param value the value
     * @return {@code true} if it is a role ARN
     */
    public static boolean isRoleArn(String value) {
        Arn parsed = value == null ? null : Arn.tryFromString(value).orElse(null);
        return parsed != null && "iam".equals(parsed.service())
                && "role".equals(parsed.resource().resourceType().orElse(null))
                && parsed.accountId().isPresent() && value.length() >= 20 && value.length() <= 2048;
    }

    /**
     * The role session name, checked against what STS accepts.
     *
     * @param explicit the value set in code, or {@code null}
     * @return the session name, or {@code null} if it is set nowhere (then Keyless derives one from the token)
     * @throws InvalidSettingException if it is not a valid role session name
     */
    public String roleSessionName(String explicit) {
        SettingValue name = resolve(Setting.ROLE_SESSION_NAME, explicit);
        if (name == null) {
            return null;
        }
        if (!ROLE_SESSION_NAME.matcher(name.value()).matches()) {
            throw new InvalidSettingException(Setting.ROLE_SESSION_NAME, name.value(), name.origin(),
                    names -> names.apply(Setting.ROLE_SESSION_NAME) + " '" + name.value() + "'"
                    + (name.origin() == null ? "" : " (from " + name.origin() + ")")
                    + " is not a valid role session name: STS accepts 2 to 64 characters of letters, digits and "
                    + "+=,.@_-");
        }
        return name.value();
    }

    /**
     * The region whose STS endpoint is called.
     *
     * @param explicit the region's name as set in code or configuration, or {@code null}
     * @return the region; {@link #DEFAULT_REGION} if it is set nowhere
     * @throws InvalidSettingException if the name is not a region name
     */
    public Region region(String explicit) {
        SettingValue region = resolve(Setting.REGION, explicit);
        if (region == null) {
            return DEFAULT_REGION;
        }
        if (!REGION_NAME.matcher(region.value()).matches()) {
            throw new InvalidSettingException(Setting.REGION, region.value(), region.origin(),
                    names -> names.apply(Setting.REGION) + " '" + region.value() + "'"
                    + (region.origin() == null ? "" : " (from " + region.origin() + ")")
                    + " is not an AWS region name; expected one like eu-west-1.");
        }
        return Region.of(region.value());
    }

    /**
     * The web identity token file.
     *
     * @param explicit the path set in code, or {@code null}
     * @return the path and its origin, or {@code null} if it is set nowhere
     * @throws InvalidSettingException if the value is not a file path
     */
    public SettingValue webIdentityTokenFile(String explicit) {
        SettingValue file = resolve(Setting.WEB_IDENTITY_TOKEN_FILE, explicit);
        if (file != null) {
            try {
                Path.of(file.value());
            } catch (InvalidPathException e) {
                throw new InvalidSettingException(Setting.WEB_IDENTITY_TOKEN_FILE, file.value(), file.origin(),
                        names -> "The token file '" + file.value() + "' (from "
                        + (file.origin() == null ? names.apply(Setting.WEB_IDENTITY_TOKEN_FILE) : file.origin())
                        + ") is not a file path: " + e.getReason() + ".");
            }
        }
        return file;
    }

    /**
     * The metadata server's host, from {@code GCE_METADATA_HOST} as a system property or environment
     * variable.
     *
     * @return the host and its origin, or {@code null} if it is set nowhere
     */
    public SettingValue metadataHost() {
        return resolve(Setting.METADATA_HOST, null);
    }

    /**
     * Checks an STS endpoint given in code or configuration.
     *
     * @param endpoint the endpoint, or {@code null}
     * @return the endpoint
     * @throws InvalidSettingException if it is not an http(s) URL with a host
     */
    public static URI stsEndpoint(URI endpoint) {
        if (endpoint != null && (endpoint.getScheme() == null || !endpoint.getScheme().matches("(?i)https?")
                || endpoint.getHost() == null)) {
            throw new InvalidSettingException(Setting.STS_ENDPOINT, endpoint.toString(), null,
                    names -> names.apply(Setting.STS_ENDPOINT) + " '" + endpoint + "' is not an http(s) URL with a "
                    + "host; expected one like https://sts.eu-west-1.amazonaws.com.");
        }
        return endpoint;
    }

    @Override
    public String toString() {
        return this == SYSTEM ? "Settings(system properties, environment)" : "Settings(custom lookups)";
    }
}
