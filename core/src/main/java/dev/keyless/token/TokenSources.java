package dev.keyless.token;

import com.google.auth.oauth2.GoogleCredentials;
import dev.keyless.settings.SettingValue;
import dev.keyless.settings.Settings;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The built-in {@link TokenSource}s.
 *
 * <ul>
 *   <li>Path A, GKE projected service-account token: {@link #file(Path)} or
 *       {@link #projectedServiceAccountToken()};</li>
 *   <li>Path B, the Google service account's identity token from the metadata server:
 *       {@link #metadataServer(String)};</li>
 *   <li>local development: {@link #applicationDefaultCredentials(String)} or
 *       {@link #googleCredentials(GoogleCredentials, String)};</li>
 *   <li>whichever fits the environment, or the web identity profile of the AWS config file names:
 *       {@link #detect()}.</li>
 * </ul>
 *
 * <p>Every source fetches a fresh token on each call and is thread-safe. Sources make no network call when
 * created (the metadata-server source reads its host then, from {@code GCE_METADATA_HOST} or the AWS config
 * file's {@code keyless_metadata_host}): trouble in the environment surfaces when a token is fetched, so a
 * provider built from them can sit in a credentials provider chain.
 */
public final class TokenSources {

    /** The audience AWS expects on a GKE projected token, and the default audience Keyless asks Google for. */
    public static final String STS_AUDIENCE = "sts.amazonaws.com";

    private TokenSources() {
    }

    /**
     * The token in a file, re-read on every fetch, surrounding whitespace and a byte-order mark removed.
     * Survives the kubelet's atomic {@code ..data} symlink swap. A missing, empty, unreadable or malformed
     * file fails with the path and the likely fix.
     *
     * @param path the token file, for example
     *     {@code /var/run/secrets/aws/sts.amazonaws.com/serviceaccount/token}
     * @return the source
     */
    public static TokenSource file(Path path) {
        return new FileTokenSource(Objects.requireNonNull(path, "path"));
    }

    /**
     * The file named by {@code AWS_WEB_IDENTITY_TOKEN_FILE} (or the {@code aws.webIdentityTokenFile} system
     * property), as the AWS SDKs read it. If neither is set, fetching fails and says so.
     *
     * @return the source
     */
    public static TokenSource projectedServiceAccountToken() {
        SettingValue tokenFile = Settings.system().webIdentityTokenFile(null);
        if (tokenFile != null) {
            return file(Path.of(tokenFile.value()));
        }
        return () -> {
            throw TokenSourceException.configurationFailure("AWS_WEB_IDENTITY_TOKEN_FILE is not set, so there is no "
                    + "projected service-account token to read. Set it to the token's path in the projected volume "
                    + "(for example /var/run/secrets/aws/sts.amazonaws.com/serviceaccount/token), or use "
                    + "TokenSources.file(path).", null);
        };
    }

    /**
     * The identity token of the pod's or VM's Google service account, from the metadata server
     * ({@code GCE_METADATA_HOST} if set, else {@code metadata.google.internal}), requested with
     * {@code format=full}. Connection refusals, 429 and 5xx answers are retried with jittered backoff for
     * up to 30 seconds, since a new GKE pod's metadata server is not ready for its first seconds. Redirects
     * are never followed.
     *
     * @param audience the {@code aud} to ask for; the trust policy's {@code accounts.google.com:oaud}
     * @return the source
     */
    public static TokenSource metadataServer(String audience) {
        return new MetadataServerTokenSource(requireAudience(audience), Settings.system());
    }

    /**
     * ID tokens minted by google-auth-library credentials that can mint them: a service-account key,
     * impersonated credentials, or Compute Engine credentials. Needs
     * {@code com.google.auth:google-auth-library-oauth2-http} on the classpath.
     *
     * @param credentials credentials that implement {@code IdTokenProvider}
     * @param audience the {@code aud} to ask for
     * @return the source
     */
    public static TokenSource googleCredentials(GoogleCredentials credentials, String audience) {
        return new GoogleCredentialsTokenSource(Objects.requireNonNull(credentials, "credentials"),
                requireAudience(audience));
    }

    /**
     * ID tokens from Google Application Default Credentials, for local development (for example after
     * {@code gcloud auth application-default login --impersonate-service-account=GSA_EMAIL}). Needs
     * {@code com.google.auth:google-auth-library-oauth2-http} on the classpath; without it, fetching fails
     * and names the dependency to add.
     *
     * @param audience the {@code aud} to ask for
     * @return the source
     */
    public static TokenSource applicationDefaultCredentials(String audience) {
        return GoogleCredentialsTokenSource.applicationDefault(requireAudience(audience));
    }

    /**
     * {@link #detect(String)} with the audience of the web identity profile ({@code keyless_audience}), else
     * {@value #STS_AUDIENCE}.
     *
     * @return the source
     */
    public static TokenSource detect() {
        return detect(Settings.system());
    }

    /**
     * The first source that fits the environment, chosen on the first fetch: the token file if
     * {@code AWS_WEB_IDENTITY_TOKEN_FILE} is set, else the source the web identity profile of the AWS config file
     * names ({@code AWS_PROFILE}, else the {@code default} profile if it is one; see {@link Settings#profile()}):
     * its {@code web_identity_token_file}, or its {@code keyless_token_source} ({@code metadata},
     * {@code google-credentials}; {@code auto} goes on detecting), else the metadata server if this is Google Cloud
     * (or {@code GCE_METADATA_HOST} is set), else Application Default Credentials. When nothing fits, the
     * error lists what was tried.
     *
     * @param audience the {@code aud} to ask the metadata server or Google credentials for
     * @return the source
     */
    public static TokenSource detect(String audience) {
        return detect(audience, Settings.system());
    }

    /**
     * {@link #detect(String)}, with {@code AWS_WEB_IDENTITY_TOKEN_FILE}, {@code GCE_METADATA_HOST}, Google's
     * credentials variables and the AWS config file looked up through {@code settings} (a framework's
     * environment, a profile named in code) instead of this JVM's system properties and environment.
     *
     * @param audience the {@code aud} to ask the metadata server or Google credentials for
     * @param settings where the environment is read
     * @return the source
     */
    public static TokenSource detect(String audience, Settings settings) {
        return new DetectingTokenSource(requireAudience(audience), Objects.requireNonNull(settings, "settings"));
    }

    /**
     * {@link #detect(String, Settings)} with the audience of the web identity profile ({@code keyless_audience}),
     * else {@value #STS_AUDIENCE}: what a provider built without a token source uses.
     *
     * @param settings where the environment and the AWS config file are read
     * @return the source
     */
    public static TokenSource detect(Settings settings) {
        return new DetectingTokenSource(null, Objects.requireNonNull(settings, "settings"));
    }

    private static String requireAudience(String audience) {
        Objects.requireNonNull(audience, "audience");
        if (audience.isBlank()) {
            throw new IllegalArgumentException("audience must not be blank");
        }
        return audience;
    }
}
