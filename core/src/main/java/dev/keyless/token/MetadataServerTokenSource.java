package dev.keyless.token;

import dev.keyless.internal.io.BoundedRead;
import dev.keyless.internal.io.InputTooLargeException;
import dev.keyless.internal.io.NotTextException;
import dev.keyless.internal.text.Escaping;
import dev.keyless.internal.text.Redaction;
import dev.keyless.settings.SettingValue;
import dev.keyless.settings.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.Proxy;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.retries.api.BackoffStrategy;

/**
 * Path B: the identity token of the pod's or VM's Google service account, from the metadata server's
 * {@code instance/service-accounts/default/identity} endpoint with {@code format=full}.
 *
 * <p>The host is {@code GCE_METADATA_HOST} if set, else {@code metadata.google.internal}. A value that is
 * not a bare {@code host} or {@code host:port} (a scheme, userinfo, a path, a query) is refused, so the
 * request never goes to a host nobody meant; the refusal is kept and thrown by {@link #fetchToken()}, so
 * a provider built on this source can sit in a credentials provider chain.
 *
 * <p>Refused connections, I/O errors, 429 and 5xx answers are retried with jittered exponential backoff
 * for up to 30 seconds, since a new GKE pod's metadata server refuses connections for its first seconds.
 * Redirects are never followed, and a 200 answer without the {@code Metadata-Flavor: Google} response
 * header is not trusted. Each fetch runs on the calling thread; no thread is started.
 *
 * <p>Immutable and thread-safe.
 */
final class MetadataServerTokenSource implements TokenSource {

    /** The environment variable that overrides the metadata server's host, as in Google's client libraries. */
    static final String HOST_VARIABLE = "GCE_METADATA_HOST";
    /** The metadata server's name inside Google Cloud. */
    static final String DEFAULT_HOST = "metadata.google.internal";
    /** The metadata server's link-local address inside Google Cloud. */
    static final String METADATA_IP = "169.254.169.254";
    static final String IDENTITY_PATH = "/computeMetadata/v1/instance/service-accounts/default/identity";
    static final String FLAVOR_HEADER = "Metadata-Flavor";
    static final String FLAVOR = "Google";
    /** How long a fetch keeps retrying transient failures before it gives up. */
    static final Duration RETRY_BUDGET = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(MetadataServerTokenSource.class);

    private static final BackoffStrategy BACKOFF =
            BackoffStrategy.exponentialDelayHalfJitter(Duration.ofMillis(200), Duration.ofSeconds(3));
    private static final int CONNECT_TIMEOUT_MILLIS = 1_000;
    private static final int READ_TIMEOUT_MILLIS = 5_000;
    private static final int MAX_ERROR_EXCERPT = 300;
    private static final Pattern IPV4_LITERAL = Pattern.compile("[0-9.]+");
    private static final Set<String> WELL_KNOWN_HOSTS = Set.of(DEFAULT_HOST, METADATA_IP, "localhost");

    private static final String UNREACHABLE_HINT = "On GKE, a new pod's metadata server needs a few seconds "
            + "before it accepts connections; if this persists, check that the pod does not run with "
            + "hostNetwork: true (hostNetwork pods cannot reach the GKE metadata server) and that Workload "
            + "Identity is enabled on the cluster and its node pool (gcloud container node-pools update POOL "
            + "--cluster=CLUSTER --workload-metadata=GKE_METADATA).";
    private static final String NOT_ON_GOOGLE_CLOUD_HINT = " Outside Google Cloud " + DEFAULT_HOST
            + " does not resolve: set " + HOST_VARIABLE + " to reach a metadata server, or use another token "
            + "source (TokenSources.applicationDefaultCredentials for local development).";

    /** Waits between attempts; a seam so that tests need not sleep. */
    @FunctionalInterface
    interface Sleeper {

        /** Sleeps with {@link Thread#sleep(long)}. */
        Sleeper THREAD_SLEEP = duration -> Thread.sleep(duration.toMillis());

        /**
         * Waits for {@code duration}.
         *
         * @param duration how long to wait
         * @throws InterruptedException if the thread is interrupted while waiting
         */
        void sleep(Duration duration) throws InterruptedException;
    }

    private final String audience;
    private final Clock clock;
    private final Sleeper sleeper;
    /** {@code host} or {@code host:port} as configured; for messages and the URL. */
    private final String authority;
    /** The URL without its query, for messages: the audience is in the query and said separately. */
    private final String endpoint;
    private final URL url;
    /** Why {@code GCE_METADATA_HOST} was refused, or {@code null}; thrown by every fetch. */
    private final String configurationError;
    private final String description;

    /**
     * A source for {@code audience} on the host named by {@code GCE_METADATA_HOST}, or
     * {@code metadata.google.internal}.
     *
     * @param audience the {@code aud} to ask for, not blank
     */
    MetadataServerTokenSource(String audience, Settings settings) {
        this(audience, settings, Clock.systemUTC(), Sleeper.THREAD_SLEEP);
    }

    /**
     * A source that reads {@code GCE_METADATA_HOST} through {@code settings} (system property, then
     * environment variable) and measures and waits out its retry budget with {@code clock} and
     * {@code sleeper}.
     *
     * @param audience the {@code aud} to ask for, not blank
     * @param settings where {@code GCE_METADATA_HOST} is looked up
     * @param clock measures the retry budget
     * @param sleeper waits between attempts
     */
    MetadataServerTokenSource(String audience, Settings settings, Clock clock, Sleeper sleeper) {
        this.audience = Objects.requireNonNull(audience, "audience");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
        // An empty value is usually a templating accident; it means the default, as if unset.
        SettingValue host = Objects.requireNonNull(settings, "settings").metadataHost();
        String configured = host == null ? null : host.value();
        boolean overridden = configured != null;
        String problem = overridden ? hostProblem(configured) : null;
        if (problem != null) {
            this.authority = maskUserInfo(configured);
            this.configurationError = HOST_VARIABLE + " must be a bare host or host:port (for example "
                    + DEFAULT_HOST + ", " + METADATA_IP + " or 127.0.0.1:8080), but it is \"" + authority + "\": "
                    + problem + ". Keyless sends the request for this workload's identity token only to such a "
                    + "host; fix the variable, or unset it to use " + DEFAULT_HOST + ".";
            this.endpoint = "http://" + authority + IDENTITY_PATH;
            this.url = null;
        } else {
            this.authority = overridden ? configured : DEFAULT_HOST;
            this.configurationError = null;
            this.endpoint = "http://" + authority + IDENTITY_PATH;
            this.url = toUrl(endpoint + "?audience=" + URLEncoder.encode(audience, StandardCharsets.UTF_8)
                    + "&format=full");
            if (!isWellKnownHost(hostOf(authority))) {
                log.warn("{}={} is neither {}, {} nor a loopback address; Keyless will ask it for this "
                        + "workload's Google identity token (audience {}). Make sure it is a metadata server "
                        + "you trust.", HOST_VARIABLE, authority, DEFAULT_HOST, METADATA_IP, audience);
            }
        }
        this.description = "metadata server " + authority + " (audience " + audience + ")";
    }

    /**
     * Asks the metadata server for a token, retrying transient failures for up to 30 seconds.
     *
     * @return the token
     * @throws TokenSourceException a configuration failure for a refused {@code GCE_METADATA_HOST}, a
     *     redirect, a 4xx answer or an answer not from a metadata server; a transient failure when the
     *     server stayed unreachable or failing for the whole retry budget, or the thread was interrupted
     */
    @Override
    public WebIdentityToken fetchToken() {
        if (configurationError != null) {
            throw TokenSourceException.configurationFailure(configurationError, null);
        }
        Instant start = clock.instant();
        Instant deadline = start.plus(RETRY_BUDGET);
        for (int attempt = 1; ; attempt++) {
            Attempt result = attempt();
            if (result.token != null) {
                if (attempt > 1) {
                    log.debug("Got a token from {} on attempt {}", description, attempt);
                }
                return result.token;
            }
            Duration remaining = Duration.between(clock.instant(), deadline);
            if (remaining.isNegative() || remaining.isZero()) {
                throw exhausted(attempt, result, Duration.between(start, clock.instant()));
            }
            // computeDelay(1) is always zero; the first retry should already back off.
            Duration delay = BACKOFF.computeDelay(attempt + 1);
            if (delay.compareTo(remaining) > 0) {
                delay = remaining;
            }
            log.debug("Metadata server {} attempt {} failed ({}); retrying in {} ms", endpoint, attempt,
                    result.failure, delay.toMillis());
            try {
                sleeper.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw TokenSourceException.transientFailure("Interrupted while waiting to retry the metadata "
                        + "server at " + endpoint + " after " + attempt + " attempt" + (attempt == 1 ? "" : "s")
                        + " (last: " + result.failure + ").", e);
            }
        }
    }

    private TokenSourceException exhausted(int attempts, Attempt last, Duration spent) {
        return TokenSourceException.transientFailure("Could not get an identity token (audience " + audience
                + ") from the metadata server at " + endpoint + " after " + attempts + " attempt"
                + (attempts == 1 ? "" : "s") + " in " + spent.toSeconds() + " s; the last failed with "
                + last.failure + ". " + UNREACHABLE_HINT
                + (last.error instanceof UnknownHostException ? NOT_ON_GOOGLE_CLOUD_HINT : ""), last.error);
    }

    /** One request: a token, a retryable failure, or a thrown configuration failure. */
    private Attempt attempt() {
        HttpURLConnection connection = null;
        try {
            // The metadata server is link-local: a proxy can only be in the way, and would see the token.
            connection = (HttpURLConnection) url.openConnection(Proxy.NO_PROXY);
            connection.setInstanceFollowRedirects(false);
            connection.setUseCaches(false);
            connection.setConnectTimeout(CONNECT_TIMEOUT_MILLIS);
            connection.setReadTimeout(READ_TIMEOUT_MILLIS);
            connection.setRequestProperty(FLAVOR_HEADER, FLAVOR);
            int status = connection.getResponseCode();
            if (status == HttpURLConnection.HTTP_OK) {
                return Attempt.succeeded(readToken(connection));
            }
            String excerpt = errorExcerpt(connection);
            if (status == 429 || status >= 500) {
                return Attempt.failed("HTTP " + status + excerpt, null);
            }
            throw notRetryable(status, excerpt, connection);
        } catch (IOException e) {
            return Attempt.failed(describe(e), e);
        } finally {
            if (connection != null) {
                connection.disconnect();
            }
        }
    }

    private WebIdentityToken readToken(HttpURLConnection connection) throws IOException {
        if (!FLAVOR.equals(connection.getHeaderField(FLAVOR_HEADER))) {
            throw TokenSourceException.configurationFailure("The server at " + endpoint + " answered HTTP 200 "
                    + "without the response header " + FLAVOR_HEADER + ": " + FLAVOR + ", so it is not a Google "
                    + "metadata server and its answer was discarded. Check " + origin() + " and that no proxy "
                    + "or other service answers for " + authority + ".", null);
        }
        String body;
        // Far above STS's 20000-character limit; a larger answer is not a token, and is not read into memory.
        try (InputStream in = connection.getInputStream()) {
            body = BoundedRead.utf8(in, BoundedRead.TOKEN_LIMIT, "Its answer");
        } catch (InputTooLargeException | NotTextException e) {
            throw TokenSourceException.configurationFailure("The metadata server at " + endpoint + " answered "
                    + "HTTP 200 with something that cannot be an identity token. " + e.getMessage() + " Check "
                    + origin() + ".", null);
        }
        WebIdentityToken token = WebIdentityToken.of(body.strip(), description);
        if (!token.claims().audience().contains(audience)) {
            // A real metadata server mints exactly the audience asked for; STS would take this token and the
            // trust policy's aud condition would refuse it with a bare AccessDenied.
            throw TokenSourceException.configurationFailure("The metadata server at " + endpoint + " answered with "
                    + "a token for another audience than the one asked for (" + audience + "): "
                    + token.describeClaims() + ". Check " + origin() + ".", null);
        }
        return token;
    }

    private TokenSourceException notRetryable(int status, String excerpt, HttpURLConnection connection) {
        String answered = "The metadata server at " + endpoint + " answered HTTP " + status + excerpt;
        if (status >= 300 && status < 400) {
            return TokenSourceException.configurationFailure(answered + ", a redirect to "
                    + locationHost(connection.getHeaderField("Location")) + ". Keyless never follows a "
                    + "metadata server's redirects, since the identity token would go to another host, and a "
                    + "Google metadata server never sends one: check " + origin() + " and what answers on "
                    + authority + ".", null);
        }
        if (status == HttpURLConnection.HTTP_NOT_FOUND) {
            return TokenSourceException.configurationFailure(answered + ": it has no identity token for this "
                    + "workload (audience " + audience + "). Likely causes: the node pool does not run the GKE "
                    + "metadata server (enable Workload Identity: gcloud container node-pools update POOL "
                    + "--cluster=CLUSTER --workload-metadata=GKE_METADATA); the pod's Kubernetes service account "
                    + "has no iam.gke.io/gcp-service-account annotation (kubectl annotate serviceaccount KSA "
                    + "--namespace NAMESPACE iam.gke.io/gcp-service-account=GSA_EMAIL); the Google service "
                    + "account does not let it act as it (gcloud iam service-accounts add-iam-policy-binding "
                    + "GSA_EMAIL --role=roles/iam.workloadIdentityUser "
                    + "--member=\"serviceAccount:PROJECT.svc.id.goog[NAMESPACE/KSA]\"); or this metadata server "
                    + "does not support the identity endpoint.", null);
        }
        if (status == HttpURLConnection.HTTP_FORBIDDEN) {
            return TokenSourceException.configurationFailure(answered + ": it refused the request. On GKE the "
                    + "usual cause is a request without the " + FLAVOR_HEADER + ": " + FLAVOR + " header; Keyless "
                    + "sends it, so look for a proxy or sidecar between the pod and the metadata server that "
                    + "strips it. Metadata concealment on the node pool also answers 403: move the node pool to "
                    + "Workload Identity (--workload-metadata=GKE_METADATA).", null);
        }
        return TokenSourceException.configurationFailure(answered + ", which Keyless does not retry. Check "
                + origin() + " and that the audience \"" + audience + "\" is what the trust policy expects.", null);
    }

    private String origin() {
        return authority.equals(DEFAULT_HOST) ? "that this runs on Google Cloud"
                : HOST_VARIABLE + " (" + authority + ")";
    }

    /** The server's own words help (GKE's 404 names the missing annotation); a token in them must not. */
    private static String errorExcerpt(HttpURLConnection connection) {
        try (InputStream in = connection.getErrorStream()) {
            if (in == null) {
                return "";
            }
            // Only the start is shown, so only the start is read.
            byte[] body = BoundedRead.prefix(in, BoundedRead.ERROR_BODY_LIMIT);
            if (body.length == 0) {
                return "";
            }
            String text = Escaping.escape(Redaction.scrub(new String(body, StandardCharsets.UTF_8))
                    .replaceAll("[\\p{Cntrl}\\s]+", " ").strip());
            if (text.isEmpty()) {
                return "";
            }
            if (text.length() > MAX_ERROR_EXCERPT) {
                text = text.substring(0, MAX_ERROR_EXCERPT) + "...";
            }
            return " (\"" + text + "\")";
        } catch (IOException e) {
            return "";
        }
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + Escaping.escape(Redaction.scrub(message)));
    }

    private static String locationHost(String location) {
        if (location == null) {
            return "nowhere (no Location header)";
        }
        try {
            URI uri = new URI(location.strip());
            if (uri.getHost() == null) {
                return "a path on the same host";
            }
            return uri.getHost() + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
        } catch (URISyntaxException e) {
            return "an unparsable Location";
        }
    }

    /**
     * Why {@code value} is not a bare {@code host} or {@code host:port}.
     *
     * @param value the configured host
     * @return the problem, or {@code null} if the value is acceptable
     */
    static String hostProblem(String value) {
        if (value.contains("://")) {
            return "it has a URL scheme; give only the host, without http://";
        }
        if (value.contains("@")) {
            return "it has userinfo (\"...@\"); give only the host";
        }
        if (value.contains("/") || value.contains("\\")) {
            return "it has a path; give only the host";
        }
        if (value.contains("?")) {
            return "it has a query; give only the host";
        }
        if (value.contains("#")) {
            return "it has a fragment; give only the host";
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c) || c == '%') {
                return "it contains whitespace, a control character or '%' at offset " + i;
            }
        }
        if (value.indexOf(':') != value.lastIndexOf(':') && !value.startsWith("[")) {
            return "an IPv6 address must be in brackets, for example [fd00::1]:8080";
        }
        URI uri;
        try {
            uri = new URI("http://" + value);
        } catch (URISyntaxException e) {
            return "it is not a host name or IP address";
        }
        if (uri.getHost() == null || uri.getUserInfo() != null || !uri.getRawPath().isEmpty()
                || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            return "it is not a host name or IP address";
        }
        if (uri.getPort() == 0 || uri.getPort() > 65_535) {
            return "the port must be 1 to 65535";
        }
        // Whatever URI parsed must be exactly what was given, so nothing was skipped or reinterpreted.
        String canonical = uri.getHost() + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
        if (!canonical.equals(value)) {
            return "it is not of the form host or host:port";
        }
        return null;
    }

    /**
     * Whether {@code host} is where a metadata server is expected: {@code metadata.google.internal},
     * {@code 169.254.169.254} or a loopback address. Does no DNS lookup.
     *
     * @param host a host name, IPv4 address or bracketed IPv6 address, without a port
     * @return {@code true} for the expected hosts
     */
    static boolean isWellKnownHost(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        if (WELL_KNOWN_HOSTS.contains(name)) {
            return true;
        }
        if (name.startsWith("[") || IPV4_LITERAL.matcher(name).matches()) {
            try {
                // A literal address: parsed, never looked up.
                return InetAddress.getByName(name).isLoopbackAddress();
            } catch (UnknownHostException e) {
                return false;
            }
        }
        return false;
    }

    private static String hostOf(String authority) {
        if (authority.startsWith("[")) {
            return authority.substring(0, authority.indexOf(']') + 1);
        }
        int colon = authority.indexOf(':');
        return colon == -1 ? authority : authority.substring(0, colon);
    }

    /** Userinfo may hold a password; messages show only what follows it. */
    private static String maskUserInfo(String value) {
        int at = value.lastIndexOf('@');
        return at == -1 ? value : "***" + value.substring(at);
    }

    private static URL toUrl(String spec) {
        try {
            return new URI(spec).toURL();
        } catch (URISyntaxException | IOException e) {
            // hostProblem() accepted the host and the audience is URL-encoded, so this cannot happen.
            throw new IllegalStateException("Cannot build the metadata server URL " + spec, e);
        }
    }

    /** Shows the host and the audience, never a token: {@code metadata server HOST (audience AUD)}. */
    @Override
    public String toString() {
        return description;
    }

    /** The outcome of one request that did not throw. */
    private static final class Attempt {
        final WebIdentityToken token;
        final String failure;
        final IOException error;

        private Attempt(WebIdentityToken token, String failure, IOException error) {
            this.token = token;
            this.failure = failure;
            this.error = error;
        }

        static Attempt succeeded(WebIdentityToken token) {
            return new Attempt(token, null, null);
        }

        static Attempt failed(String failure, IOException error) {
            return new Attempt(null, failure, error);
        }
    }
}
