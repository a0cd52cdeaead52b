package dev.keyless.settings;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import software.amazon.awssdk.profiles.Profile;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.profiles.ProfileProperty;

/**
 * The AWS shared config and credentials files, parsed by the AWS SDK's own {@code profiles} module, and the walk
 * from a named profile down its {@code source_profile} links to the web identity profile at the root.
 *
 * <p>As the SDKs do: the files are {@code AWS_CONFIG_FILE} and {@code AWS_SHARED_CREDENTIALS_FILE} (or their
 * system properties), else {@code ~/.aws/config} and {@code ~/.aws/credentials}, {@code ~} being {@code HOME}
 * (on Windows {@code USERPROFILE}, then {@code HOMEDRIVE}{@code HOMEPATH}), else {@code user.home}; a file that
 * does not exist or cannot be read counts as empty; the config file's sections are {@code [profile NAME]} and
 * {@code [default]}, the credentials file's {@code [NAME]}; where both files set a key of the same profile, the
 * credentials file wins. Within a profile, {@code role_arn} with {@code web_identity_token_file} is web identity
 * even if it also names a {@code source_profile}, and a profile met twice along the links is a loop
 * ({@code ProfileCredentialsUtils}). All lookups go through {@link Settings}, so a framework's environment or a
 * test's map decides where the files are.
 */
final class ProfileFiles {

    private static final Pattern HOME_PREFIX =
            Pattern.compile("^~(/|" + Pattern.quote(FileSystems.getDefault().getSeparator()) + ").*$");
    private static final List<String> SSO_KEYS = List.of(ProfileProperty.SSO_START_URL, ProfileProperty.SSO_REGION,
            ProfileProperty.SSO_ACCOUNT_ID, ProfileProperty.SSO_ROLE_NAME, "sso_session");
    private static final List<String> KEYLESS_KEYS = List.of(WebIdentityProfile.TOKEN_SOURCE_KEY,
            WebIdentityProfile.AUDIENCE_KEY, WebIdentityProfile.METADATA_HOST_KEY);

    /** Why a named profile gives no web identity, when it gives none. */
    enum Trouble {
        /** No profile of that name in either file. */
        MISSING,
        /** A file that cannot be parsed. */
        UNREADABLE,
        /** A loop, a link to a missing profile, a role with nothing to assume it with. */
        BROKEN,
        /** A complete profile of another kind (static keys, a process, SSO, credential_source), or one of none. */
        OTHER_KIND
    }

    /**
     * What a named profile resolves to: a web identity profile, or the trouble and the message that explains it.
     * The message is written with the names the caller gives settings.
     */
    record Outcome(WebIdentityProfile profile, Trouble trouble, Function<Function<Setting, String>, String> message) {
    }

    /** One of the two files: where it is and why there, and what it holds. */
    private record Source(String kind, String origin, Path path, ProfileFile content,
            RuntimeException error, boolean unreadable) {

        Map<String, String> properties(String profile) {
            if (content == null) {
                return null;
            }
            return content.profile(profile).map(Profile::properties).orElse(null);
        }

        String describe() {
            return path + (origin == null ? "" : " (from " + origin + ")");
        }
    }

    private final Source config;
    private final Source credentials;

    private ProfileFiles(Source config, Source credentials) {
        this.config = config;
        this.credentials = credentials;
    }

    /** Finds and parses both files; a file that cannot be parsed is kept as the error, raised if it is needed. */
    static ProfileFiles load(Settings settings) {
        return new ProfileFiles(
                source(settings, "config", Setting.CONFIG_FILE, ProfileFile.Type.CONFIGURATION),
                source(settings, "credentials", Setting.CREDENTIALS_FILE, ProfileFile.Type.CREDENTIALS));
    }

    private static Source source(Settings settings, String kind, Setting setting, ProfileFile.Type type) {
        SettingValue configured = settings.resolveOutsideProfiles(setting, null);
        String home = home(settings);
        String raw = configured != null ? configured.value()
                : home == null ? null : Path.of(home, ".aws", kind).toString();
        String origin = configured == null ? null : configured.origin();
        if (raw == null) {
            return new Source(kind, origin, null, null, null, false);
        }
        Path path;
        try {
            path = Path.of(home != null && HOME_PREFIX.matcher(raw).matches() ? home + raw.substring(1) : raw);
        } catch (InvalidPathException e) {
            return new Source(kind, origin, null, null, new IllegalArgumentException("'" + raw
                    + "' is not a file path: " + e.getReason(), e), false);
        }
        if (!Files.isRegularFile(path)) {
            return new Source(kind, origin, path, null, null, false);
        }
        if (!Files.isReadable(path)) {
            return new Source(kind, origin, path, null, null, true);
        }
        try {
            return new Source(kind, origin, path, ProfileFile.builder().content(path).type(type).build(),
                    null, false);
        } catch (RuntimeException e) {
            return new Source(kind, origin, path, null, e, false);
        }
    }

    /** The home directory as the AWS CLI and SDKs find it ({@code ProfileFileLocation}), or {@code null}. */
    private static String home(Settings settings) {
        String home = settings.variable("HOME");
        if (home != null) {
            return home;
        }
        String os = settings.systemProperty("os.name");
        if (os != null && os.toLowerCase(Locale.ROOT).startsWith("windows")) {
            String userProfile = settings.variable("USERPROFILE");
            if (userProfile != null) {
                return userProfile;
            }
            String drive = settings.variable("HOMEDRIVE");
            String homePath = settings.variable("HOMEPATH");
            if (drive != null && homePath != null) {
                return drive + homePath;
            }
        }
        return settings.systemProperty("user.home");
    }

    /**
     * Walks from {@code name} down its {@code source_profile} links to the web identity profile at the root.
     *
     * @param name the profile's name
     * @param subject how messages name the profile, given the caller's names for settings: for example
     *     {@code profile 'orders' (from environment variable AWS_PROFILE)}
     * @param nameValue the {@link InvalidSettingException#value()} of a failure: the profile's name
     * @param nameOrigin the {@link InvalidSettingException#origin()} of a failure
     * @return the web identity profile, or why there is none
     * @throws InvalidSettingException if the walk reaches a web identity profile but a value along it is wrong
     */
    Outcome resolve(String name, Function<Function<Setting, String>, String> subject, String nameValue,
            String nameOrigin) {
        for (Source file : List.of(config, credentials)) {
            if (file.error() != null) {
                return new Outcome(null, Trouble.UNREADABLE, names -> subject.apply(names)
                        + " cannot be read: the AWS " + file.kind() + " file " + file.describe() + " is not one the "
                        + "AWS SDKs can parse: " + file.error().getMessage() + ".");
            }
        }
        List<String> visited = new ArrayList<>();
        List<WebIdentityProfile.Hop> hops = new ArrayList<>();
        String current = name;
        String linkedFrom = null;
        Map<String, String> root;
        while (true) {
            if (visited.contains(current)) {
                List<String> loop = new ArrayList<>(visited.subList(visited.indexOf(current), visited.size()));
                loop.add(current);
                String path = String.join(" -> ", loop);
                String file = where(current);
                return broken(names -> subject.apply(names) + " cannot be used: its source_profile links loop ("
                        + path + ", in " + file + "). " + chainAdvice());
            }
            visited.add(current);
            Map<String, String> properties = properties(current);
            if (properties == null) {
                if (linkedFrom == null) {
                    return new Outcome(null, Trouble.MISSING, names -> subject.apply(names)
                            + " is in neither " + describeFiles() + ". Check the name, or point AWS_CONFIG_FILE (or "
                            + "the aws.configFile system property) at the file that has it; in the config file its "
                            + "section is [profile " + name + "].");
                }
                String from = linkedFrom;
                String missing = current;
                return broken(names -> subject.apply(names) + " cannot be used: "
                        + keyOrigin(from, ProfileProperty.SOURCE_PROFILE) + " names '" + missing + "', which is in "
                        + "neither " + describeFiles() + ".");
            }
            String profile = current;
            boolean role = has(properties, ProfileProperty.ROLE_ARN);
            if (role && (has(properties, ProfileProperty.WEB_IDENTITY_TOKEN_FILE)
                    || has(properties, WebIdentityProfile.TOKEN_SOURCE_KEY))) {
                root = properties;
                break;
            }
            String keyless = first(properties, KEYLESS_KEYS);
            if (!role && keyless != null) {
                return broken(names -> subject.apply(names) + " cannot be used: profile '" + profile + "' in "
                        + where(profile) + " sets " + keyless + " but no role_arn: a web identity profile needs "
                        + "role_arn with web_identity_token_file or " + WebIdentityProfile.TOKEN_SOURCE_KEY + ".");
            }
            String sso = first(properties, SSO_KEYS);
            if (sso != null) {
                return otherKind(subject, visited, profile, sso + " (AWS IAM Identity Center)");
            }
            if (role) {
                boolean source = has(properties, ProfileProperty.SOURCE_PROFILE);
                boolean credentialSource = has(properties, ProfileProperty.CREDENTIAL_SOURCE);
                if (source && credentialSource) {
                    return broken(names -> subject.apply(names) + " cannot be used: profile '" + profile + "' in "
                            + where(profile) + " sets both source_profile and credential_source; the AWS SDKs "
                            + "refuse that too. Keep source_profile, naming a web identity profile.");
                }
                if (source) {
                    hops.add(hop(profile, properties, subject, nameValue, nameOrigin));
                    linkedFrom = profile;
                    current = properties.get(ProfileProperty.SOURCE_PROFILE);
                    continue;
                }
                if (credentialSource) {
                    return otherKind(subject, visited, profile, "credential_source = "
                            + properties.get(ProfileProperty.CREDENTIAL_SOURCE));
                }
                return broken(names -> subject.apply(names) + " cannot be used: profile '" + profile + "' in "
                        + where(profile) + " sets role_arn but none of web_identity_token_file, "
                        + WebIdentityProfile.TOKEN_SOURCE_KEY + " or source_profile, so nothing says how to assume "
                        + "it. " + chainAdvice());
            }
            if (has(properties, ProfileProperty.CREDENTIAL_PROCESS)) {
                return otherKind(subject, visited, profile, "credential_process");
            }
            if (has(properties, ProfileProperty.AWS_ACCESS_KEY_ID)) {
                return otherKind(subject, visited, profile, "aws_access_key_id (static keys)");
            }
            if (linkedFrom != null) {
                String from = linkedFrom;
                return broken(names -> subject.apply(names) + " cannot be used: "
                        + keyOrigin(from, ProfileProperty.SOURCE_PROFILE) + " names '" + profile + "', which "
                        + "configures no credentials. " + chainAdvice());
            }
            return otherKind(subject, visited, profile, null);
        }
        return new Outcome(webIdentity(name, visited.get(visited.size() - 1), root, hops, visited, subject, nameValue,
                nameOrigin), null, null);
    }

    private WebIdentityProfile webIdentity(String name, String rootName, Map<String, String> root,
            List<WebIdentityProfile.Hop> hops, List<String> chain, Function<Function<Setting, String>, String> subject,
            String nameValue, String nameOrigin) {
        Map<Setting, SettingValue> values = new EnumMap<>(Setting.class);
        put(values, Setting.ROLE_ARN, rootName, root, ProfileProperty.ROLE_ARN);
        put(values, Setting.ROLE_SESSION_NAME, rootName, root, ProfileProperty.ROLE_SESSION_NAME);
        put(values, Setting.SESSION_DURATION, rootName, root, ProfileProperty.DURATION_SECONDS);
        put(values, Setting.AUDIENCE, rootName, root, WebIdentityProfile.AUDIENCE_KEY);
        put(values, Setting.METADATA_HOST, rootName, root, WebIdentityProfile.METADATA_HOST_KEY);
        // The region of the named profile, as the SDK's region lookup reads it, else the nearest towards the root.
        for (String profile : chain) {
            if (put(values, Setting.REGION, profile, properties(profile), ProfileProperty.REGION)) {
                break;
            }
        }
        Duration duration = seconds(rootName, root, subject, nameValue, nameOrigin);
        String tokenFile = value(root, ProfileProperty.WEB_IDENTITY_TOKEN_FILE);
        WebIdentityProfile.TokenSourceKind kind = WebIdentityProfile.TokenSourceKind.FILE;
        String named = value(root, WebIdentityProfile.TOKEN_SOURCE_KEY);
        if (named != null) {
            kind = WebIdentityProfile.TokenSourceKind.of(named);
            if (kind == null) {
                throw new InvalidSettingException(Setting.PROFILE, nameValue, nameOrigin, names -> subject.apply(names)
                        + " cannot be used: " + keyOrigin(rootName, WebIdentityProfile.TOKEN_SOURCE_KEY) + " is '"
                        + named + "'; expected file, metadata, google-credentials or auto.");
            }
            if (kind == WebIdentityProfile.TokenSourceKind.FILE && tokenFile == null) {
                throw new InvalidSettingException(Setting.PROFILE, nameValue, nameOrigin, names -> subject.apply(names)
                        + " cannot be used: " + keyOrigin(rootName, WebIdentityProfile.TOKEN_SOURCE_KEY) + " is file, "
                        + "but the profile has no web_identity_token_file.");
            }
        }
        List<WebIdentityProfile.Hop> fromRoot = new ArrayList<>(hops);
        Collections.reverse(fromRoot);
        return new WebIdentityProfile(name, rootName, "profile '" + rootName + "' in " + where(rootName), values,
                tokenFile, kind, duration, fromRoot);
    }

    private WebIdentityProfile.Hop hop(String profile, Map<String, String> properties,
            Function<Function<Setting, String>, String> subject, String nameValue, String nameOrigin) {
        return new WebIdentityProfile.Hop(profile, value(properties, ProfileProperty.ROLE_ARN),
                value(properties, ProfileProperty.EXTERNAL_ID), value(properties, ProfileProperty.ROLE_SESSION_NAME),
                seconds(profile, properties, subject, nameValue, nameOrigin),
                "profile '" + profile + "' in " + where(profile));
    }

    /** {@code duration_seconds} as a duration; its range is checked where the duration is used. */
    private Duration seconds(String profile, Map<String, String> properties,
            Function<Function<Setting, String>, String> subject, String nameValue, String nameOrigin) {
        String text = value(properties, ProfileProperty.DURATION_SECONDS);
        if (text == null) {
            return null;
        }
        try {
            return Duration.ofSeconds(Long.parseLong(text));
        } catch (NumberFormatException e) {
            throw new InvalidSettingException(Setting.PROFILE, nameValue, nameOrigin, names -> subject.apply(names)
                    + " cannot be used: " + keyOrigin(profile, ProfileProperty.DURATION_SECONDS) + " is '" + text
                    + "', not a whole number of seconds.");
        }
    }

    private boolean put(Map<Setting, SettingValue> values, Setting setting, String profile,
            Map<String, String> properties, String key) {
        String value = value(properties, key);
        if (value == null) {
            return false;
        }
        values.put(setting, new SettingValue(setting, value, keyOrigin(profile, key)));
        return true;
    }

    private static Outcome broken(Function<Function<Setting, String>, String> message) {
        return new Outcome(null, Trouble.BROKEN, message);
    }

    private Outcome otherKind(Function<Function<Setting, String>, String> subject, List<String> chain, String profile,
            String credentials) {
        String path = chain.size() > 1 ? "its source_profile links (" + String.join(" -> ", chain) + ") end in "
                + "profile '" + profile + "' in " + where(profile) + ", which" : "it is in " + where(profile) + " but";
        String what = credentials == null ? " configures no credentials"
                : " takes its credentials from " + credentials;
        return new Outcome(null, Trouble.OTHER_KIND, names -> subject.apply(names)
                + " is not a web identity profile: " + path + what + ". Keyless starts every chain with a web identity "
                + "token: give '" + profile + "' role_arn and web_identity_token_file (or "
                + WebIdentityProfile.TOKEN_SOURCE_KEY + "), or name a profile that has them.");
    }

    private static String chainAdvice() {
        return "A chain must end in a web identity profile: role_arn with web_identity_token_file or "
                + WebIdentityProfile.TOKEN_SOURCE_KEY + ".";
    }

    /** A profile's properties, the credentials file's winning over the config file's; {@code null} if in neither. */
    private Map<String, String> properties(String profile) {
        Map<String, String> fromConfig = config.properties(profile);
        Map<String, String> fromCredentials = credentials.properties(profile);
        if (fromConfig == null || fromCredentials == null) {
            return fromConfig != null ? fromConfig : fromCredentials;
        }
        return ProfileFile.aggregator()
                .addFile(credentials.content())
                .addFile(config.content())
                .build()
                .profile(profile).map(Profile::properties).orElse(null);
    }

    /** Where a profile is written: one file, or both. */
    private String where(String profile) {
        boolean inConfig = config.properties(profile) != null;
        boolean inCredentials = credentials.properties(profile) != null;
        if (inConfig && inCredentials) {
            return config.path() + " and " + credentials.path();
        }
        return String.valueOf(inCredentials ? credentials.path() : config.path());
    }

    /** A key of a profile and the file it is written in: {@code role_arn of profile 'gke' in /home/me/.aws/config}. */
    private String keyOrigin(String profile, String key) {
        Map<String, String> fromCredentials = credentials.properties(profile);
        Path file = fromCredentials != null && fromCredentials.containsKey(key) ? credentials.path() : config.path();
        return key + " of profile '" + profile + "' in " + file;
    }

    private String describeFiles() {
        return describe(config) + " nor " + describe(credentials);
    }

    private static String describe(Source file) {
        if (file.path() == null) {
            return "the " + file.kind() + " file (no home directory to find it in)";
        }
        List<String> notes = new ArrayList<>();
        if (file.origin() != null) {
            notes.add("from " + file.origin());
        }
        if (file.unreadable()) {
            notes.add("not readable by this user");
        } else if (file.content() == null) {
            notes.add("does not exist");
        }
        return file.path() + (notes.isEmpty() ? "" : " (" + String.join("; ", notes) + ")");
    }

    private static boolean has(Map<String, String> properties, String key) {
        return value(properties, key) != null;
    }

    /** A property's value, a blank one counting as unset as everywhere in Keyless's settings. */
    private static String value(Map<String, String> properties, String key) {
        String value = properties == null ? null : properties.get(key);
        return value == null || value.isBlank() ? null : value;
    }

    private static String first(Map<String, String> properties, List<String> keys) {
        for (String key : keys) {
            if (has(properties, key)) {
                return key;
            }
        }
        return null;
    }
}
