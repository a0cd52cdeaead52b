package dev.keyless.settings;

import java.net.URI;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import software.amazon.awssdk.arns.Arn;
import software.amazon.awssdk.regions.Region;

/**
 * Resolves the settings that can come from outside the code, each in one way: the value set in code,
 * else the system property, else the environment variable (the AWS SDK's precedence, as in
 * {@code SdkSystemSetting}), else, for the settings a profile gives, the {@link #profile() web identity profile}
 * of the AWS shared config file; a blank value counts as unset, and any other is taken as given (surrounding
 * whitespace included, so that a malformed value is refused rather than repaired). The typed methods also check the value and
 * throw an {@link InvalidSettingException} that names the setting and where its value came from.
 *
 * <p>{@link #system()} reads this JVM's system properties and environment; a framework passes its own
 * lookups to {@link #from(Function, Function)} (the Spring Boot starter passes its {@code Environment}). The
 * locations of the AWS config and credentials files and the profile's name are looked up through the same
 * lookups, so a framework's environment or a test's map decides them too.
 *
 * <p>Thread-safe, and immutable but for one memo: an instance reads the AWS config files at most once, when a
 * setting first falls through to them; {@link #system()}, {@link #from(Function, Function)} and
 * {@link #withProfile(String)} each return a new instance, which reads them afresh.
 */
public final class Settings {

    /** What STS accepts for {@code RoleSessionName}. */
    public static final Pattern ROLE_SESSION_NAME = Pattern.compile("[\\w+=,.@-]{2,64}");
    /** The region whose STS endpoint is called when none is set. */
    public static final Region DEFAULT_REGION = Region.US_EAST_1;

    /** The shortest session STS grants. */
    public static final Duration MIN_SESSION_DURATION = Duration.ofSeconds(900);
    /** The longest session STS grants a web identity role (a chained role gets at most one hour). */
    public static final Duration MAX_SESSION_DURATION = Duration.ofSeconds(43_200);
    /** The profile the AWS SDKs use when none is named. */
    public static final String DEFAULT_PROFILE = "default";

    private static final Pattern REGION_NAME = Pattern.compile("[a-z0-9-]+");
    /** The settings a web identity profile gives, each the last fallback after code, property and variable. */
    private static final Set<Setting> FROM_PROFILE = EnumSet.of(Setting.ROLE_ARN, Setting.ROLE_SESSION_NAME,
            Setting.REGION, Setting.SESSION_DURATION, Setting.AUDIENCE, Setting.METADATA_HOST);

    private final Function<String, String> systemProperties;
    private final Function<String, String> environment;
    private final String profileName;
    private final boolean system;
    private final Object profileLock = new Object();
    private volatile ProfileMemo profileMemo;

    /** The profile once read: the web identity profile, or none (with why, when the environment named another kind). */
    private record ProfileMemo(WebIdentityProfile profile, Function<Function<Setting, String>, String> ignored) {
    }

    private Settings(Function<String, String> systemProperties, Function<String, String> environment,
            String profileName, boolean system) {
        this.systemProperties = systemProperties;
        this.environment = environment;
        this.profileName = profileName;
        this.system = system;
    }

    /**
     * This JVM's system properties and environment variables.
     *
     * @return the settings
     */
    public static Settings system() {
        return new Settings(System::getProperty, System::getenv, null, true);
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
                Objects.requireNonNull(environment, "environment"), null, false);
    }

    /**
     * These lookups, with the profile named in code ({@code WebIdentityCredentialsProvider.Builder.profile}, the
     * starter's {@code keyless.profile}, the CLI's {@code --profile}): it wins over {@code aws.profile} and
     * {@code AWS_PROFILE}, and must be a web identity profile.
     *
     * @param profileName the profile's name; {@code null} or blank for the one these settings name, if any, else
     *     {@code aws.profile}, else {@code AWS_PROFILE}, else {@value #DEFAULT_PROFILE}
     * @return new settings, which read the AWS config files afresh
     */
    public Settings withProfile(String profileName) {
        return new Settings(systemProperties, environment,
                profileName == null || profileName.isBlank() ? this.profileName : profileName, system);
    }

    /**
     * A setting: {@code explicit} if it is not blank, else the system property, else the environment variable,
     * else, for the role ARN, role session name, region, session duration, audience and metadata host, the
     * {@link #profile() web identity profile}'s value.
     *
     * @param setting the setting
     * @param explicit the value set in code, or {@code null}
     * @return the value and its origin, or {@code null} if it is set nowhere
     * @throws InvalidSettingException if the value would come from a profile that is named but cannot be used
     */
    public SettingValue resolve(Setting setting, String explicit) {
        SettingValue value = resolveOutsideProfiles(setting, explicit);
        if (value != null || !FROM_PROFILE.contains(setting)) {
            return value;
        }
        WebIdentityProfile profile = profile();
        return profile == null ? null : profile.value(setting);
    }

    /** {@link #resolve}, without the profile: code, system property, environment variable. */
    SettingValue resolveOutsideProfiles(Setting setting, String explicit) {
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

    /** A system property through the same lookup as every setting; {@code null} if unset or blank. */
    String systemProperty(String name) {
        String value = systemProperties.apply(name);
        return value == null || value.isBlank() ? null : value;
    }

    /**
     * The web identity profile of the AWS shared config file (and credentials file, as the AWS SDKs read them
     * together): the profile named in code ({@link #withProfile(String)}), else by {@code aws.profile}, else by
     * {@code AWS_PROFILE}, else the profile {@value #DEFAULT_PROFILE}; in the file {@code AWS_CONFIG_FILE} (or
     * {@code aws.configFile}), else {@code ~/.aws/config}.
     *
     * <ul>
     *   <li>A profile named in code must be a web identity profile or a chain to one.</li>
     *   <li>A profile named by {@code aws.profile} or {@code AWS_PROFILE} must not be broken (a
     *       {@code source_profile} loop or link to a missing profile, a {@code role_arn} with nothing to assume it
     *       with); one that is in neither file, or that configures credentials of another kind (static keys, a
     *       {@code credential_process}, SSO, {@code credential_source}, or a chain rooted in one), is left to the
     *       tools it is for, as when a {@code credential_process} runs Keyless with the caller's
     *       {@code AWS_PROFILE}, and the message of a missing role ARN says why it was not used.</li>
     *   <li>The {@value #DEFAULT_PROFILE} profile, named by no one, is used only if it is a web identity profile
     *       or a chain to one; otherwise it is ignored, as the SDK's default chain moves on.</li>
     * </ul>
     *
     * @return the profile, or {@code null} if none applies
     * @throws InvalidSettingException naming the profile, the file and the key, if a profile that must be used
     *     cannot be, or if a web identity profile's value is not one of its kind ({@code duration_seconds} not a
     *     number, an unknown {@code keyless_token_source})
     */
    public WebIdentityProfile profile() {
        return profileMemo().profile();
    }

    private ProfileMemo profileMemo() {
        ProfileMemo memo = profileMemo;
        if (memo == null) {
            synchronized (profileLock) {
                memo = profileMemo;
                if (memo == null) {
                    memo = readProfile();
                    profileMemo = memo;
                }
            }
        }
        return memo;
    }

    private ProfileMemo readProfile() {
        SettingValue named = resolveOutsideProfiles(Setting.PROFILE, profileName);
        String name = named == null ? DEFAULT_PROFILE : named.value();
        String nameOrigin = named == null ? "the default profile" : named.origin();
        Function<Function<Setting, String>, String> subject = named == null ? names -> "The default profile"
                : named.origin() == null ? names -> names.apply(Setting.PROFILE) + " '" + name + "'"
                : names -> "The profile '" + name + "' (from " + named.origin() + ")";
        ProfileFiles.Outcome outcome = ProfileFiles.load(this).resolve(name, subject, name, nameOrigin);
        if (outcome.profile() != null) {
            return new ProfileMemo(outcome.profile(), null);
        }
        if (named == null) {
            return new ProfileMemo(null, null);
        }
        // A name from the environment may be meant for other tools, or stray: like the SDK's default chain, move on,
        // and say why if a role ARN is then missing. A profile named in code, or a broken one, fails.
        if (named.origin() != null && (outcome.trouble() == ProfileFiles.Trouble.OTHER_KIND
                || outcome.trouble() == ProfileFiles.Trouble.MISSING)) {
            return new ProfileMemo(null, outcome.message());
        }
        throw new InvalidSettingException(Setting.PROFILE, name, nameOrigin, outcome.message());
    }

    /**
     * The roles a web identity profile assumes after its own, if the role ARN is the profile's: a role set
     * elsewhere starts another chain, which the profile's links were not written for.
     *
     * @param explicitRoleArn the role ARN set in code, or {@code null}
     * @return the hops from the root towards the named profile; empty if there are none or the role ARN is not
     *     the profile's
     * @throws InvalidSettingException if a profile that must be used cannot be
     */
    public List<WebIdentityProfile.Hop> profileHops(String explicitRoleArn) {
        SettingValue arn = resolve(Setting.ROLE_ARN, explicitRoleArn);
        WebIdentityProfile profile = arn == null || arn.origin() == null ? null : profile();
        return profile != null && arn.equals(profile.value(Setting.ROLE_ARN)) ? profile.hops() : List.of();
    }

    /**
     * How long the web identity session lasts, checked against STS's range: {@code explicit}, else the web
     * identity profile's {@code duration_seconds}.
     *
     * @param explicit the duration set in code or configuration, or {@code null}
     * @return the duration, or {@code null} for STS's default of one hour
     * @throws InvalidSettingException if it is not from 900 s to 43200 s
     */
    public Duration sessionDuration(Duration explicit) {
        SettingValue configured = explicit != null ? null : resolve(Setting.SESSION_DURATION, null);
        Duration duration = explicit != null ? explicit
                : configured == null ? null : Duration.ofSeconds(Long.parseLong(configured.value()));
        if (duration != null && (duration.compareTo(MIN_SESSION_DURATION) < 0
                || duration.compareTo(MAX_SESSION_DURATION) > 0)) {
            throw new InvalidSettingException(Setting.SESSION_DURATION, explicit != null ? explicit.toString()
                    : configured.value(), configured == null ? null : configured.origin(),
                    names -> (configured == null ? names.apply(Setting.SESSION_DURATION) + " (" + duration + ")"
                            : configured.origin() + " (" + configured.value() + ")")
                    + " must be between " + MIN_SESSION_DURATION + " (900 s) and " + MAX_SESSION_DURATION
                    + " (43200 s).");
        }
        return duration;
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
            Function<Function<Setting, String>, String> ignored = profileMemo().ignored();
            throw new InvalidSettingException(Setting.ROLE_ARN, null, null, names -> names.apply(Setting.ROLE_ARN)
                    + " is required: set it, or set the AWS_ROLE_ARN environment variable (or the aws.roleArn system "
                    + "property), or name a web identity profile of the AWS config file with "
                    + names.apply(Setting.PROFILE) + " or AWS_PROFILE."
                    + (ignored == null ? "" : " " + ignored.apply(names)));
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
        return (system ? "Settings(system properties, environment" : "Settings(custom lookups")
                + (profileName == null ? ")" : ", profile " + profileName + ")");
    }
}
