package dev.keyless.settings;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.utils.ToString;

/**
 * A profile of the AWS shared config file (and credentials file) that configures web identity, as Keyless
 * reads it: the web identity profile at the root ({@code role_arn} with {@code web_identity_token_file} or
 * {@code keyless_token_source}) and the roles the named profile reaches from it through {@code source_profile}
 * links, each assumed with {@code sts:AssumeRole}.
 *
 * <pre>
 * [profile gke]
 * role_arn = arn:aws:iam::111111111111:role/gke-landing
 * web_identity_token_file = /var/run/secrets/aws/sts.amazonaws.com/serviceaccount/token
 *
 * [profile orders]
 * role_arn = arn:aws:iam::222222222222:role/orders-bucket-writer
 * source_profile = gke
 * external_id = orders-prod
 * </pre>
 *
 * <p>Besides the keys every AWS SDK reads, Keyless reads keys of its own, which other SDKs ignore:
 * {@value #TOKEN_SOURCE_KEY} ({@code file}, {@code metadata}, {@code google-credentials} or {@code auto}),
 * {@value #AUDIENCE_KEY} (the audience asked of the metadata server or Google credentials) and
 * {@value #METADATA_HOST_KEY} (the metadata server's host, as {@code GCE_METADATA_HOST} gives it).
 *
 * <p>{@link Settings#profile()} reads it; its values are the last fallback of the settings they give, after the
 * value set in code, the system property and the environment variable. Values are as written in the file,
 * checked where each setting is checked, with the profile and key as their origin. Immutable and thread-safe;
 * {@link #toString()} shows no external ID.
 */
public final class WebIdentityProfile {

    /** Keyless's key for the token source: {@code file}, {@code metadata}, {@code google-credentials} or {@code auto}. */
    public static final String TOKEN_SOURCE_KEY = "keyless_token_source";
    /** Keyless's key for the audience asked of the metadata server or Google credentials. */
    public static final String AUDIENCE_KEY = "keyless_audience";
    /** Keyless's key for the metadata server's host, as {@code GCE_METADATA_HOST} gives it. */
    public static final String METADATA_HOST_KEY = "keyless_metadata_host";

    /** Where the web identity token comes from, as {@value #TOKEN_SOURCE_KEY} names it. */
    public enum TokenSourceKind {
        /** The {@code web_identity_token_file}. */
        FILE("file"),
        /** The Google service account's identity token from the metadata server. */
        METADATA("metadata"),
        /** Google Application Default Credentials. */
        GOOGLE_CREDENTIALS("google-credentials"),
        /** Whichever fits the environment, as {@code TokenSources.detect()} finds it. */
        AUTO("auto");

        private final String profileValue;

        TokenSourceKind(String profileValue) {
            this.profileValue = profileValue;
        }

        /**
         * The value of {@value WebIdentityProfile#TOKEN_SOURCE_KEY} that names this kind.
         *
         * @return for example {@code metadata}
         */
        public String profileValue() {
            return profileValue;
        }

        /** The kind a profile value names, or {@code null} if it names none. */
        static TokenSourceKind of(String profileValue) {
            for (TokenSourceKind kind : values()) {
                if (kind.profileValue.equals(profileValue)) {
                    return kind;
                }
            }
            return null;
        }
    }

    /**
     * A role assumed with {@code sts:AssumeRole} after the web identity role: a profile with {@code role_arn} and
     * {@code source_profile}.
     *
     * @param profile the profile's name
     * @param roleArn its {@code role_arn}, as written
     * @param externalId its {@code external_id}, or {@code null}
     * @param roleSessionName its {@code role_session_name}, or {@code null}
     * @param sessionDuration its {@code duration_seconds}, or {@code null}
     * @param origin where it is written, for messages: {@code profile 'orders' in /home/me/.aws/config}
     */
    public record Hop(String profile, String roleArn, String externalId, String roleSessionName,
            Duration sessionDuration, String origin) {

        @Override
        public String toString() {
            return ToString.builder("Hop")
                    .add("profile", profile)
                    .add("roleArn", roleArn)
                    .add("externalId", externalId == null ? null : "(set)")
                    .add("roleSessionName", roleSessionName)
                    .add("sessionDuration", sessionDuration)
                    .build();
        }
    }

    private final String name;
    private final String rootName;
    private final String origin;
    private final Map<Setting, SettingValue> values;
    private final String webIdentityTokenFile;
    private final TokenSourceKind tokenSource;
    private final Duration sessionDuration;
    private final List<Hop> hops;

    WebIdentityProfile(String name, String rootName, String origin, Map<Setting, SettingValue> values,
            String webIdentityTokenFile, TokenSourceKind tokenSource, Duration sessionDuration, List<Hop> hops) {
        this.name = name;
        this.rootName = rootName;
        this.origin = origin;
        this.values = Collections.unmodifiableMap(new EnumMap<>(values));
        this.webIdentityTokenFile = webIdentityTokenFile;
        this.tokenSource = Objects.requireNonNull(tokenSource, "tokenSource");
        this.sessionDuration = sessionDuration;
        this.hops = List.copyOf(hops);
    }

    /**
     * The profile that was named ({@code AWS_PROFILE}, for example), the last of the chain.
     *
     * @return the profile's name
     */
    public String name() {
        return name;
    }

    /**
     * The web identity profile the chain starts from; {@link #name()} when there is no chain.
     *
     * @return the root profile's name
     */
    public String rootName() {
        return rootName;
    }

    /**
     * Where the root profile is written, for messages.
     *
     * @return for example {@code profile 'gke' in /home/me/.aws/config}
     */
    public String origin() {
        return origin;
    }

    /**
     * The root profile's {@code role_arn}: the role assumed with the web identity token.
     *
     * @return the role ARN, as written
     */
    public String roleArn() {
        return plain(Setting.ROLE_ARN);
    }

    /**
     * The root profile's {@code web_identity_token_file}.
     *
     * @return the path, as written, or {@code null}
     */
    public String webIdentityTokenFile() {
        return webIdentityTokenFile;
    }

    /**
     * Where the web identity token comes from: {@value #TOKEN_SOURCE_KEY} of the root profile, else
     * {@link TokenSourceKind#FILE} (the profile has a {@code web_identity_token_file}).
     *
     * @return the kind of token source
     */
    public TokenSourceKind tokenSource() {
        return tokenSource;
    }

    /**
     * The root profile's {@code role_session_name}.
     *
     * @return the session name, as written, or {@code null}
     */
    public String roleSessionName() {
        return plain(Setting.ROLE_SESSION_NAME);
    }

    /**
     * The root profile's {@code duration_seconds}: how long the web identity session lasts.
     *
     * @return the duration, or {@code null}
     */
    public Duration sessionDuration() {
        return sessionDuration;
    }

    /**
     * The {@code region} of the named profile, else of the nearest profile towards the root that has one:
     * the region whose STS endpoint is called.
     *
     * @return the region's name, as written, or {@code null}
     */
    public String region() {
        return plain(Setting.REGION);
    }

    /**
     * The root profile's {@value #AUDIENCE_KEY}.
     *
     * @return the audience, or {@code null}
     */
    public String audience() {
        return plain(Setting.AUDIENCE);
    }

    /**
     * The root profile's {@value #METADATA_HOST_KEY}.
     *
     * @return the host (and port), or {@code null}
     */
    public String metadataHost() {
        return plain(Setting.METADATA_HOST);
    }

    /**
     * The roles assumed after the root's, from the root towards the named profile.
     *
     * @return the hops, empty if the named profile is the web identity profile itself
     */
    public List<Hop> hops() {
        return hops;
    }

    /** The profile's value of a setting it gives, with the profile and key as its origin; {@code null} if none. */
    SettingValue value(Setting setting) {
        return values.get(setting);
    }

    private String plain(Setting setting) {
        SettingValue value = values.get(setting);
        return value == null ? null : value.value();
    }

    @Override
    public String toString() {
        return ToString.builder("WebIdentityProfile")
                .add("name", name)
                .add("rootName", rootName.equals(name) ? null : rootName)
                .add("roleArn", roleArn())
                .add("tokenSource", tokenSource)
                .add("hops", hops.isEmpty() ? null : hops)
                .build();
    }
}
