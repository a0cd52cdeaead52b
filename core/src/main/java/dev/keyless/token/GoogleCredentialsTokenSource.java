package dev.keyless.token;

import com.google.auth.oauth2.GoogleCredentials;
import com.google.auth.oauth2.IdToken;
import com.google.auth.oauth2.IdTokenProvider;
import com.google.auth.oauth2.ImpersonatedCredentials;
import com.google.auth.oauth2.ServiceAccountCredentials;
import com.google.auth.oauth2.UserCredentials;
import dev.keyless.internal.io.BoundedRead;
import dev.keyless.internal.text.Redaction;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Mints a Google ID token on every fetch from google-auth-library credentials that implement
 * {@code IdTokenProvider}: a service-account key, impersonated credentials, or Compute Engine credentials.
 *
 * <p>google-auth-library is an optional dependency of Keyless. The JVM resolves the Google references in a
 * method only when that method runs, and the ones here run only when the library is present: the
 * constructor and instance methods need a {@code GoogleCredentials} to be called at all, and
 * {@link #findApplicationDefault(String)} checks {@link #isLibraryPresent()} first. No static initializer
 * touches the library, so {@link #applicationDefault(String)} is safe to call without it.
 *
 * <p>Thread-safe: google-auth-library credentials are, and this class holds no mutable state.
 */
final class GoogleCredentialsTokenSource implements TokenSource {

    private static final String LIBRARY_COORDINATES = "com.google.auth:google-auth-library-oauth2-http";
    private static final String LIBRARY_CLASS = "com.google.auth.oauth2.GoogleCredentials";
    private static final String CREDENTIALS_VARIABLE = "GOOGLE_APPLICATION_CREDENTIALS";
    private static final String WELL_KNOWN_FILE = "application_default_credentials.json";
    /** A service-account key or an impersonation file is a few kilobytes. */
    private static final int CREDENTIALS_FILE_LIMIT = 64 * 1024;

    private static final String ADC_FIX = "For local development run `gcloud auth application-default login "
            + "--impersonate-service-account=GSA_EMAIL`, or set GOOGLE_APPLICATION_CREDENTIALS to a "
            + "service-account key file (user credentials from a plain `gcloud auth application-default login` "
            + "cannot mint ID tokens).";

    private final GoogleCredentials credentials;
    private final String audience;
    private final String description;

    GoogleCredentialsTokenSource(GoogleCredentials credentials, String audience) {
        this.credentials = credentials;
        this.audience = audience;
        this.description = "Google credentials (" + describe(credentials) + ", audience " + audience + ")";
    }

    /**
     * Application Default Credentials, looked up on the first fetch and kept once found.
     *
     * @param audience the {@code aud} to ask for
     * @return the source; creating it touches neither google-auth-library nor the environment
     */
    static TokenSource applicationDefault(String audience) {
        return new ApplicationDefault(audience, GoogleCredentialsTokenSource::findApplicationDefault);
    }

    /**
     * Looks up Application Default Credentials now.
     *
     * @param audience the {@code aud} to ask for
     * @return a source over credentials that can mint ID tokens
     * @throws TokenSourceException if google-auth-library is absent, ADC is not configured, or the
     *     credentials found cannot mint ID tokens; the message says how to fix it
     */
    static TokenSource findApplicationDefault(String audience) {
        if (!isLibraryPresent()) {
            throw TokenSourceException.configurationFailure("Application Default Credentials need "
                    + "google-auth-library, which is not on the classpath. Add the dependency "
                    + LIBRARY_COORDINATES + " (Keyless declares it optional), or use another token source "
                    + "(TokenSources.file(...), TokenSources.metadataServer(...)).", null);
        }
        GoogleCredentials credentials;
        try {
            credentials = GoogleCredentials.getApplicationDefault();
        } catch (IOException e) {
            // Google's message names the variable or file it looked at; it holds no secret, but scrub anyway.
            throw TokenSourceException.configurationFailure("Application Default Credentials are not configured "
                    + "or could not be loaded (" + Redaction.scrub(e.getMessage()) + "). " + ADC_FIX,
                    Redaction.scrub(e));
        }
        GoogleCredentialsTokenSource source = new GoogleCredentialsTokenSource(credentials, audience);
        source.requireIdTokenProvider();
        return source;
    }

    /**
     * Looks up Application Default Credentials now, from files only: {@code GOOGLE_APPLICATION_CREDENTIALS},
     * else gcloud's {@code application_default_credentials.json}, as google-auth-library looks for them. Unlike
     * {@link #findApplicationDefault(String)} it never probes for a metadata server: token-source detection
     * uses it once it knows this is not Google Cloud, where google-auth-library's probe of
     * {@code metadata.google.internal} waits on DNS (about 10 seconds when DNS does not answer) before it gives
     * up. The file is read through {@link BoundedRead}, so a huge or binary file fails with a message.
     *
     * @param audience the {@code aud} to ask for
     * @param environment looks up an environment variable (or system property) by name; {@code null} if unset
     * @return a source over credentials that can mint ID tokens
     * @throws TokenSourceException if google-auth-library is absent, no file is configured or found, or the
     *     file is unreadable or holds credentials that cannot mint ID tokens
     */
    static TokenSource findApplicationDefaultWithoutProbe(String audience, Function<String, String> environment) {
        if (!isLibraryPresent()) {
            return findApplicationDefault(audience); // throws, naming the dependency to add
        }
        String variable = environment.apply(CREDENTIALS_VARIABLE);
        Path file;
        String origin;
        if (variable != null && !variable.isBlank()) {
            file = Path.of(variable.strip());
            origin = CREDENTIALS_VARIABLE + " names " + file;
            if (!Files.isRegularFile(file)) {
                throw TokenSourceException.configurationFailure("Application Default Credentials could not be "
                        + "loaded: " + origin + ", which does not exist or is not a file. " + ADC_FIX, null);
            }
        } else {
            file = wellKnownFile(environment);
            origin = "gcloud's file " + file;
            if (!Files.isRegularFile(file)) {
                throw TokenSourceException.configurationFailure("Application Default Credentials are not "
                        + "configured: " + CREDENTIALS_VARIABLE + " is not set and there is no " + file + ". (The "
                        + "metadata server is not asked: this is not Google Cloud.) " + ADC_FIX, null);
            }
        }
        GoogleCredentials credentials;
        try {
            String json = BoundedRead.utf8(file, CREDENTIALS_FILE_LIMIT, "The credentials file " + file);
            credentials = GoogleCredentials.fromStream(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException | RuntimeException e) {
            throw TokenSourceException.configurationFailure("Application Default Credentials could not be loaded ("
                    + origin + "): " + Redaction.scrub(e.getMessage()) + " " + ADC_FIX, Redaction.scrub(e));
        }
        GoogleCredentialsTokenSource source = new GoogleCredentialsTokenSource(credentials, audience);
        source.requireIdTokenProvider();
        return source;
    }

    /** Where gcloud writes Application Default Credentials, as google-auth-library computes it. */
    static Path wellKnownFile(Function<String, String> environment) {
        String config = environment.apply("CLOUDSDK_CONFIG");
        if (config != null && !config.isBlank()) {
            return Path.of(config.strip(), WELL_KNOWN_FILE);
        }
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("windows")) {
            String appData = environment.apply("APPDATA");
            return Path.of(appData == null ? "" : appData, "gcloud", WELL_KNOWN_FILE);
        }
        return Path.of(System.getProperty("user.home", ""), ".config", "gcloud", WELL_KNOWN_FILE);
    }

    /**
     * Whether google-auth-library can be loaded from where Keyless was loaded, without initializing it.
     *
     * @return {@code true} if it is on the classpath
     */
    static boolean isLibraryPresent() {
        try {
            Class.forName(LIBRARY_CLASS, false, GoogleCredentialsTokenSource.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    @Override
    public WebIdentityToken fetchToken() {
        IdTokenProvider provider = requireIdTokenProvider();
        // Each credentials type honours the options that apply to it and ignores the rest: Compute Engine
        // takes format=full, impersonated credentials take includeEmail.
        List<IdTokenProvider.Option> options =
                List.of(IdTokenProvider.Option.FORMAT_FULL, IdTokenProvider.Option.INCLUDE_EMAIL);
        IdToken idToken;
        try {
            idToken = provider.idTokenWithAudience(audience, options);
        } catch (IOException e) {
            throw TokenSourceException.transientFailure("Could not mint a Google ID token from " + description
                    + ": " + Redaction.scrub(String.valueOf(e.getMessage())), Redaction.scrub(e));
        }
        // IdToken.toString() prints the token, so only its value leaves this method.
        WebIdentityToken token = WebIdentityToken.of(idToken.getTokenValue(), description);
        if (!token.claims().audience().contains(audience)) {
            // STS would take it, and the trust policy's aud condition would then refuse it with a bare AccessDenied.
            throw TokenSourceException.configurationFailure("The ID token minted from " + description
                    + " is not for the audience asked for (" + token.describeClaims() + "): these credentials "
                    + "cannot choose the audience. Use a service-account key, impersonated credentials, or the "
                    + "metadata server.", null);
        }
        String account = account(credentials);
        if (account != null && token.claims().email() != null && !account.equalsIgnoreCase(token.claims().email())) {
            // The trust policy pins sub to this account's unique id: a token for another one would be refused.
            throw TokenSourceException.configurationFailure("The ID token minted from " + description
                    + " names another service account (" + token.describeClaims() + ", email " + token.claims().email()
                    + "). Check the impersonation chain of these credentials.", null);
        }
        return token;
    }

    private IdTokenProvider requireIdTokenProvider() {
        String why;
        if (credentials instanceof UserCredentials) {
            // UserCredentials implements IdTokenProvider, but hands back the id_token of its refresh response,
            // issued to gcloud's own OAuth client whatever audience was asked for.
            why = "they are user credentials, whose ID tokens are issued to gcloud's OAuth client, never to "
                    + "the audience " + audience;
        } else if (credentials instanceof IdTokenProvider) {
            return (IdTokenProvider) credentials;
        } else {
            why = "they do not implement com.google.auth.oauth2.IdTokenProvider";
        }
        throw TokenSourceException.configurationFailure("The Google credentials " + credentials.getClass().getName()
                + " cannot mint ID tokens for an audience: " + why + ". A plain `gcloud auth application-default "
                + "login` gives such credentials. Run `gcloud auth application-default login "
                + "--impersonate-service-account=GSA_EMAIL`, or use a service-account key "
                + "(GOOGLE_APPLICATION_CREDENTIALS, or ServiceAccountCredentials).", null);
    }

    /** The type and, where it is known without I/O, the service account's email; never key material. */
    private static String describe(GoogleCredentials credentials) {
        String type = credentials.getClass().getSimpleName();
        String account = account(credentials);
        return account == null ? type : type + " " + account;
    }

    /** The service account's email where it is known without I/O, else {@code null}. */
    private static String account(GoogleCredentials credentials) {
        if (credentials instanceof ServiceAccountCredentials) {
            return ((ServiceAccountCredentials) credentials).getClientEmail();
        }
        if (credentials instanceof ImpersonatedCredentials) {
            return ((ImpersonatedCredentials) credentials).getAccount();
        }
        // ComputeEngineCredentials.getAccount() asks the metadata server, so it is left out.
        return null;
    }

    @Override
    public String toString() {
        return description;
    }

    /**
     * Application Default Credentials found on the first fetch and kept once usable. A failed lookup is not
     * kept, so fixing the environment (running {@code gcloud auth application-default login}) takes effect
     * on the next fetch. Holds no google-auth-library type, so it can exist without the library.
     * Thread-safe.
     */
    static final class ApplicationDefault implements TokenSource {

        private final String audience;
        private final Function<String, TokenSource> lookup;
        private volatile TokenSource delegate;

        ApplicationDefault(String audience, Function<String, TokenSource> lookup) {
            this.audience = audience;
            this.lookup = lookup;
        }

        @Override
        public WebIdentityToken fetchToken() throws IOException {
            return resolve().fetchToken();
        }

        private TokenSource resolve() {
            TokenSource found = delegate;
            if (found != null) {
                return found;
            }
            // One lookup at a time: it reads files and may probe the metadata server.
            synchronized (this) {
                if (delegate == null) {
                    delegate = lookup.apply(audience);
                }
                return delegate;
            }
        }

        @Override
        public String toString() {
            TokenSource found = delegate;
            return found == null
                    ? "Application Default Credentials (not yet looked up, audience " + audience + ")"
                    : found.toString();
        }
    }
}
