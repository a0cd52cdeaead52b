package dev.keyless.token;

import dev.keyless.internal.io.BoundedRead;
import dev.keyless.settings.InvalidSettingException;
import dev.keyless.settings.Setting;
import dev.keyless.settings.SettingValue;
import dev.keyless.settings.Settings;
import dev.keyless.settings.WebIdentityProfile;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the token source that fits the environment on the first fetch, then delegates to it for good:
 * the token file if {@code AWS_WEB_IDENTITY_TOKEN_FILE} is set, else the one the web identity profile of the AWS
 * config file names ({@code web_identity_token_file}, or {@code keyless_token_source} other than {@code auto}),
 * else the metadata server if {@code GCE_METADATA_HOST} is set or this is Google Cloud, else Application Default
 * Credentials. The audience, unless given, is the profile's {@code keyless_audience}, else
 * {@value TokenSources#STS_AUDIENCE}.
 *
 * <p>A detection that finds nothing is not remembered: the next fetch looks again, so a credentials file
 * that appears later is picked up. Detection does no network I/O: Google Cloud is recognised from the machine's
 * DMI product name, and Application Default Credentials are looked for in their files only, so a machine whose
 * DNS does not answer fails at once rather than after google-auth-library's metadata-server probe. Thread-safe;
 * detection runs at most once at a time.
 */
final class DetectingTokenSource implements TokenSource {

    private static final Logger log = LoggerFactory.getLogger(DetectingTokenSource.class);

    private static final String GCE_METADATA_HOST = "GCE_METADATA_HOST";
    private static final Path DMI_PRODUCT_NAME = Path.of("/sys/class/dmi/id/product_name");

    private final String audience;
    private final Settings settings;
    private final BooleanSupplier onGoogleCloud;
    private final Function<String, TokenSource> applicationDefault;
    private volatile TokenSource delegate;

    /**
     * @param audience the {@code aud} to ask for, or {@code null} for the profile's {@code keyless_audience}, else
     *     {@value TokenSources#STS_AUDIENCE}
     * @param settings where the environment and the AWS config file are read
     */
    DetectingTokenSource(String audience, Settings settings) {
        this(audience, settings, DetectingTokenSource::dmiSaysGoogle);
    }

    /**
     * For tests.
     *
     * @param settings where {@code AWS_WEB_IDENTITY_TOKEN_FILE} and {@code GCE_METADATA_HOST} are looked up
     * @param onGoogleCloud whether this machine is a Google Cloud VM or GKE node
     */
    DetectingTokenSource(String audience, Settings settings, BooleanSupplier onGoogleCloud) {
        // Application Default Credentials are only looked for off Google Cloud, so from files: google-auth's
        // own lookup would then probe metadata.google.internal, and wait on DNS for seconds where it does not
        // answer.
        this(audience, settings, onGoogleCloud,
                aud -> GoogleCredentialsTokenSource.findApplicationDefaultWithoutProbe(aud, settings::variable));
    }

    /**
     * For tests that must not depend on this machine's Application Default Credentials.
     *
     * @param applicationDefault returns a source over usable Application Default Credentials, or throws a
     *     {@link TokenSourceException} saying why there are none
     */
    DetectingTokenSource(String audience, Settings settings, BooleanSupplier onGoogleCloud,
            Function<String, TokenSource> applicationDefault) {
        this.audience = audience;
        this.settings = settings;
        this.onGoogleCloud = onGoogleCloud;
        this.applicationDefault = applicationDefault;
    }

    @Override
    public WebIdentityToken fetchToken() throws IOException {
        return delegate().fetchToken();
    }

    /** The chosen source, detecting it first if no detection has succeeded yet. */
    TokenSource delegate() {
        TokenSource chosen = delegate;
        if (chosen != null) {
            return chosen;
        }
        synchronized (this) {
            if (delegate == null) {
                delegate = detect();
            }
            return delegate;
        }
    }

    /** The chosen source, or {@code null} before a successful detection. */
    TokenSource chosen() {
        return delegate;
    }

    private TokenSource detect() {
        String tokenFileProperty = Setting.WEB_IDENTITY_TOKEN_FILE.systemProperty();
        String tokenFileVariable = Setting.WEB_IDENTITY_TOKEN_FILE.environmentVariable();
        SettingValue tokenFile = settings.webIdentityTokenFile(null);
        if (tokenFile != null) {
            return chose(TokenSources.file(Path.of(tokenFile.value())), tokenFile.origin() + " is set");
        }
        WebIdentityProfile profile;
        try {
            profile = settings.profile();
        } catch (InvalidSettingException e) {
            throw TokenSourceException.configurationFailure(e.getMessage(), e);
        }
        TokenSource named = profile == null ? null : fromProfile(profile);
        if (named != null) {
            return named;
        }
        String asked = audience();

        SettingValue metadataHost = settings.metadataHost();
        if (metadataHost != null) {
            return chose(new MetadataServerTokenSource(asked, settings),
                    metadataHost.origin() + " is set to " + metadataHost.value());
        }
        if (onGoogleCloud.getAsBoolean()) {
            return chose(new MetadataServerTokenSource(asked, settings),
                    "this is Google Cloud (" + DMI_PRODUCT_NAME + " says Google)");
        }

        TokenSource adc;
        try {
            adc = applicationDefault.apply(asked);
        } catch (TokenSourceException e) {
            throw TokenSourceException.configurationFailure("No web identity token source fits this environment. "
                    + "Tried, in order: "
                    + "(1) token file: " + tokenFileVariable + " and system property " + tokenFileProperty
                    + " are not set, and " + (profile == null ? "no web identity profile of the AWS config file "
                            + "(AWS_PROFILE) names one" : profile.origin() + " leaves the token source to detection ("
                            + WebIdentityProfile.TOKEN_SOURCE_KEY + " = auto)")
                    + "; on GKE, mount a projected serviceAccountToken volume (audience "
                    + TokenSources.STS_AUDIENCE + ") and set " + tokenFileVariable + " to the token's path. "
                    + "(2) metadata server: " + GCE_METADATA_HOST + " is not set and this is not Google Cloud ("
                    + DMI_PRODUCT_NAME + " does not say Google); on GKE with Workload Identity or on a Compute "
                    + "Engine VM it is found by itself, elsewhere set " + GCE_METADATA_HOST + " to the metadata "
                    + "server's host:port. "
                    + "(3) Application Default Credentials: " + e.getMessage(), e);
        }
        return chose(adc, "Application Default Credentials were found, with no " + tokenFileVariable
                + ", no " + GCE_METADATA_HOST + " and no Google Cloud machine");
    }

    /** The source the web identity profile names, or {@code null} if it leaves the choice to detection. */
    private TokenSource fromProfile(WebIdentityProfile profile) {
        switch (profile.tokenSource()) {
            case FILE:
                Path file;
                try {
                    file = Path.of(profile.webIdentityTokenFile());
                } catch (InvalidPathException e) {
                    throw TokenSourceException.configurationFailure("web_identity_token_file of " + profile.origin()
                            + " is not a file path: " + e.getReason() + ".", e);
                }
                return chose(TokenSources.file(file), profile.origin() + " sets web_identity_token_file");
            case METADATA:
                return chose(new MetadataServerTokenSource(audience(), settings), profile.origin() + " sets "
                        + WebIdentityProfile.TOKEN_SOURCE_KEY + " = metadata");
            case GOOGLE_CREDENTIALS:
                return chose(GoogleCredentialsTokenSource.applicationDefault(audience()), profile.origin() + " sets "
                        + WebIdentityProfile.TOKEN_SOURCE_KEY + " = google-credentials");
            case AUTO:
            default:
                return null;
        }
    }

    /** The audience given, else the profile's {@code keyless_audience}, else {@value TokenSources#STS_AUDIENCE}. */
    private String audience() {
        if (audience != null) {
            return audience;
        }
        SettingValue configured = settings.resolve(Setting.AUDIENCE, null);
        return configured != null ? configured.value() : TokenSources.STS_AUDIENCE;
    }

    private TokenSource chose(TokenSource source, String why) {
        log.info("Keyless reads web identity tokens from {}, because {}", source, why);
        return source;
    }

    /** What google-auth-library checks on Linux; no network probe, so detection never waits on a timeout. */
    private static boolean dmiSaysGoogle() {
        try {
            return BoundedRead.utf8(DMI_PRODUCT_NAME, 4096, DMI_PRODUCT_NAME.toString()).contains("Google");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        TokenSource chosen = delegate;
        return chosen == null ? "token source detection (not yet run)" : "detected token source (" + chosen + ")";
    }
}
