package dev.keyless;

import dev.keyless.internal.refresh.RefreshFailure;
import dev.keyless.internal.refresh.Refresher;
import dev.keyless.internal.text.Redaction;
import dev.keyless.jwt.Claims;
import dev.keyless.settings.InvalidSettingException;
import dev.keyless.settings.Setting;
import dev.keyless.settings.SettingValue;
import dev.keyless.settings.Settings;
import dev.keyless.settings.WebIdentityProfile;
import dev.keyless.sts.StsClients;
import dev.keyless.sts.StsParameters;
import dev.keyless.token.TokenSource;
import dev.keyless.token.TokenSourceException;
import dev.keyless.token.TokenSources;
import dev.keyless.token.WebIdentityToken;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.arns.Arn;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.ResolveIdentityRequest;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.StsClientBuilder;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityRequest;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityResponse;
import software.amazon.awssdk.services.sts.model.Credentials;
import software.amazon.awssdk.services.sts.model.PolicyDescriptorType;
import software.amazon.awssdk.utils.SdkAutoCloseable;
import software.amazon.awssdk.utils.ToString;
import software.amazon.awssdk.utils.builder.CopyableBuilder;
import software.amazon.awssdk.utils.builder.ToCopyableBuilder;

/**
 * AWS credentials for an IAM role, obtained with STS {@code AssumeRoleWithWebIdentity} from a Google-issued
 * OIDC token and refreshed in the background before they expire.
 *
 * <pre>{@code
 * AwsCredentialsProvider provider = WebIdentityCredentialsProvider.builder()
 *         .roleArn("arn:aws:iam::123456789012:role/checkout-s3-writer")
 *         .tokenSource(TokenSources.file(Path.of("/var/run/secrets/aws/sts.amazonaws.com/serviceaccount/token")))
 *         .build();
 * S3Client s3 = S3Client.builder().credentialsProvider(provider).region(Region.EU_WEST_1).build();
 * }</pre>
 *
 * <h2>Refresh</h2>
 * <ul>
 *   <li>Credentials are <em>valid</em> until {@code staleTime} before they expire; valid cached credentials
 *       are returned at once, without blocking, by any number of threads.</li>
 *   <li>From {@code prefetchTime} before expiry (less a random jitter of up to half of it, so a fleet does
 *       not refresh in step) one background refresh fetches a fresh token and calls STS. Callers keep
 *       getting the cached credentials meanwhile. However many callers there are, there is one STS call
 *       per refresh. After a start (or a recovery), the first background refresh comes at a random point
 *       from halfway through the credentials' validity to the prefetch point, so pods restarted together
 *       stop refreshing together.</li>
 *   <li>Only when no valid credentials are cached does a caller wait, for one shared refresh.</li>
 *   <li>Transient failures (throttling, 5xx, I/O, {@code IDPCommunicationError}) are retried with capped,
 *       jittered backoff from one second to one minute. Configuration failures ({@code AccessDenied},
 *       {@code IDPRejectedClaim}, a missing token file, ...) are retried from ten seconds to five minutes
 *       apart, so a fixed trust policy is picked up without a restart but STS is never called in a loop.
 *       While no valid credentials exist and the next attempt is not due, callers get the last failure at
 *       once.</li>
 *   <li>Expired or stale credentials are never returned. The failure is a
 *       {@link WebIdentityCredentialsException} naming the role, the token source, the token's claims and
 *       the likely cause.</li>
 * </ul>
 *
 * <p>Nothing happens at {@link Builder#build()} but validation: the first token is fetched on the first
 * call, so a provider built where there is no token can sit in a provider chain. A setting that is wrong
 * fails {@code build()} with an {@link InvalidSettingException} naming it.
 *
 * <p>This class is thread-safe. Background work runs on threads shared by all providers in the JVM
 * ({@code keyless-refresh-*}, daemon) or on the {@link Builder#scheduler scheduler} you give. Call
 * {@link #close()} when done to stop scheduled refreshes and close the STS client the provider built;
 * afterwards it hands out no credentials.
 */
public final class WebIdentityCredentialsProvider
        implements AwsCredentialsProvider, SdkAutoCloseable,
                   ToCopyableBuilder<WebIdentityCredentialsProvider.Builder, WebIdentityCredentialsProvider> {

    /** The {@code providerName} on every credentials object this provider returns. */
    public static final String PROVIDER_NAME = "KeylessWebIdentityCredentialsProvider";

    private static final Logger log = LoggerFactory.getLogger(WebIdentityCredentialsProvider.class);

    private static final Duration DEFAULT_PREFETCH_TIME = Duration.ofMinutes(5);
    private static final Duration DEFAULT_STALE_TIME = Duration.ofMinutes(1);

    private final Builder configuration;
    private final String roleArn;
    private final TokenSource tokenSource;
    private final StsClient sts;
    private final boolean ownsSts;
    private final AssumeRoleWithWebIdentityRequest requestTemplate;
    private final Clock clock;
    private final Duration prefetch;
    private final RoleChain chain;
    private final String targetRoleArn;
    private final List<RefreshListener> listeners;
    private final Refresher<Issued> refresher;
    /** The first hop's session of a chain, which a refresh reuses while it has long to live. */
    private volatile FirstHop firstHop;

    private WebIdentityCredentialsProvider(Builder b) {
        this.configuration = b.copy();
        Settings environment = (b.settings != null ? b.settings : Settings.system()).withProfile(b.profile);
        if (b.profile != null) {
            // A profile named in code is meant to be used: an unusable one fails build() whatever else is set.
            environment.profile();
        }
        this.roleArn = environment.roleArn(b.roleArn).value();
        String sessionName = environment.roleSessionName(b.roleSessionName);
        Duration sessionDuration = environment.sessionDuration(b.sessionDuration);
        validate(b, sessionDuration, b.sessionDuration == null ? environment.resolve(Setting.SESSION_DURATION, null)
                : null);
        this.chain = chain(b, environment);
        this.targetRoleArn = chain.isEmpty() ? roleArn : chain.lastRoleArn();
        this.prefetch = b.prefetchTime != null ? b.prefetchTime : DEFAULT_PREFETCH_TIME;
        validateAgainstChain(prefetch, chain);
        Duration stale = b.staleTime != null ? b.staleTime : DEFAULT_STALE_TIME;
        this.tokenSource = b.tokenSource != null ? b.tokenSource : TokenSources.detect(environment);
        this.clock = b.clock != null ? b.clock : Clock.systemUTC();
        List<RefreshListener> told = new ArrayList<>();
        if (b.refreshListener != null) {
            told.add(b.refreshListener);
        }
        told.addAll(b.addedRefreshListeners);
        this.listeners = List.copyOf(told);
        this.requestTemplate = requestTemplate(b, sessionName, sessionDuration);
        this.ownsSts = b.stsClient == null;
        this.sts = ownsSts
                ? StsClients.create(environment.region(b.region == null ? null : b.region.id()), b.stsEndpoint,
                        b.stsClientCustomizer)
                : b.stsClient;
        this.refresher = Refresher.<Issued>builder()
                .name(targetRoleArn)
                .fetcher(this::fetch)
                .clock(clock)
                .executors(b.scheduler, b.scheduler)
                .times(prefetch, stale)
                .random(b.jitter)
                .listener(new ListenerAdapter())
                .closedException(() -> new WebIdentityCredentialsException("This WebIdentityCredentialsProvider for "
                        + "role " + targetRoleArn + " is closed.", targetRoleArn, null, null, 0, null, null))
                .staleOnArrival(what -> failure(FailureKind.UNUSABLE_RESPONSE,
                        TokenSourceException.transientFailure("STS answered, but " + what + ".", null), null))
                .logger(log)
                .build();
    }

    /**
     * The builder's chained roles, else those of the web identity profile whose role ARN the provider assumes
     * first, each checked with its origin.
     */
    private static RoleChain chain(Builder b, Settings environment) {
        if (!b.chainedRoles.isEmpty()) {
            return RoleChain.of(b.chainedRoles, null);
        }
        List<ChainedRole> roles = new ArrayList<>();
        List<String> origins = new ArrayList<>();
        for (WebIdentityProfile.Hop hop : environment.profileHops(b.roleArn)) {
            roles.add(ChainedRole.builder()
                    .roleArn(hop.roleArn())
                    .externalId(hop.externalId())
                    .roleSessionName(hop.roleSessionName())
                    .sessionDuration(hop.sessionDuration())
                    .build());
            origins.add(hop.origin());
        }
        return RoleChain.of(roles, origins);
    }

    /**
     * Cross-field and range checks; each names the setting and, for two settings, both values.
     *
     * @param sessionDuration the session duration, range-checked where it was resolved
     * @param durationFrom where the session duration came from if not from the builder, else {@code null}
     */
    private static void validate(Builder b, Duration sessionDuration, SettingValue durationFrom) {
        if (b.policy != null && b.policy.length() > StsParameters.MAX_POLICY_LENGTH) {
            throw invalid(Setting.POLICY, null, names -> names.apply(Setting.POLICY) + " is " + b.policy.length()
                    + " characters long; STS accepts at most " + StsParameters.MAX_POLICY_LENGTH + ".");
        }
        if (b.policyArns.size() > StsParameters.MAX_POLICY_ARNS) {
            throw invalid(Setting.POLICY_ARNS, b.policyArns, names -> names.apply(Setting.POLICY_ARNS) + " has "
                    + b.policyArns.size() + " entries; STS accepts at most " + StsParameters.MAX_POLICY_ARNS + ".");
        }
        Duration prefetch = b.prefetchTime != null ? b.prefetchTime : DEFAULT_PREFETCH_TIME;
        Duration stale = b.staleTime != null ? b.staleTime : DEFAULT_STALE_TIME;
        if (prefetch.isNegative() || prefetch.isZero()) {
            throw invalid(Setting.PREFETCH_TIME, prefetch, names -> names.apply(Setting.PREFETCH_TIME) + " ("
                    + prefetch + ") must be positive.");
        }
        if (stale.isNegative()) {
            throw invalid(Setting.STALE_TIME, stale, names -> names.apply(Setting.STALE_TIME) + " (" + stale
                    + ") must not be negative.");
        }
        if (stale.compareTo(prefetch) > 0) {
            throw invalid(Setting.STALE_TIME, stale, names -> names.apply(Setting.STALE_TIME) + " (" + stale
                    + ") must be less than or equal to " + names.apply(Setting.PREFETCH_TIME) + " (" + prefetch + ").");
        }
        if (sessionDuration != null && prefetch.compareTo(sessionDuration) >= 0) {
            throw invalid(Setting.PREFETCH_TIME, prefetch, names -> names.apply(Setting.PREFETCH_TIME) + " ("
                    + prefetch + ") must be less than " + names.apply(Setting.SESSION_DURATION) + " ("
                    + sessionDuration + (durationFrom == null ? "" : ", from " + durationFrom.origin()) + ").");
        }
        if (b.stsClient != null && (b.region != null || b.stsEndpoint != null || b.stsClientCustomizer != null)) {
            throw invalid(Setting.STS_CLIENT, null, names -> names.apply(Setting.REGION) + ", "
                    + names.apply(Setting.STS_ENDPOINT) + " and stsClientCustomizer configure the STS client Keyless "
                    + "builds; they cannot be combined with " + names.apply(Setting.STS_CLIENT) + ". Configure your "
                    + "StsClient instead.");
        }
    }

    /** The credentials handed out are the last hop's: a chained hop's session must outlast the prefetch time too. */
    private static void validateAgainstChain(Duration prefetch, RoleChain chain) {
        for (int i = 0; i < chain.roles().size(); i++) {
            int index = i;
            ChainedRole role = chain.roles().get(index);
            Duration duration = role.sessionDuration();
            if (duration != null && prefetch.compareTo(duration) >= 0) {
                throw invalid(Setting.PREFETCH_TIME, prefetch, names -> names.apply(Setting.PREFETCH_TIME) + " ("
                        + prefetch + ") must be less than the session duration of " + names.apply(Setting.CHAINED_ROLES)
                        + "[" + index + "] (hop " + (index + 2) + ", " + role.roleArn() + ", " + duration + ").");
            }
        }
    }

    private static InvalidSettingException invalid(Setting setting, Object value,
            Function<Function<Setting, String>, String> message) {
        return new InvalidSettingException(setting, value == null ? null : value.toString(), null, message);
    }

    private static AssumeRoleWithWebIdentityRequest requestTemplate(Builder b, String sessionName,
            Duration sessionDuration) {
        AssumeRoleWithWebIdentityRequest.Builder request = AssumeRoleWithWebIdentityRequest.builder()
                .roleSessionName(sessionName)
                .policy(b.policy);
        if (sessionDuration != null) {
            request.durationSeconds((int) sessionDuration.getSeconds());
        }
        if (!b.policyArns.isEmpty()) {
            List<PolicyDescriptorType> arns = new ArrayList<>();
            b.policyArns.forEach(arn -> arns.add(PolicyDescriptorType.builder().arn(arn).build()));
            request.policyArns(arns);
        }
        return request.build();
    }

    /**
     * A provider configured entirely from the environment: {@code AWS_ROLE_ARN},
     * {@code AWS_ROLE_SESSION_NAME} (optional), {@code AWS_REGION} (optional, default {@code us-east-1}),
     * each also as the SDK's system property, which wins, and the token source
     * {@link TokenSources#detect() detected} on first use. What they leave unset, the web identity profile
     * of the AWS config file gives: the one {@code AWS_PROFILE} (or {@code aws.profile}) names, else the
     * {@code default} profile if it configures web identity; its {@code source_profile} chain comes with its
     * role ARN.
     *
     * @return the provider
     * @throws InvalidSettingException if no role ARN is set or one is malformed, or the profile named cannot be
     *     used
     */
    public static WebIdentityCredentialsProvider create() {
        return builder().build();
    }

    /**
     * A builder for a provider.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Builder toBuilder() {
        return configuration.copy();
    }

    /**
     * Returns valid credentials: the cached ones at once if they are not stale (starting a background refresh
     * if they are due for one), else the result of a refresh this thread runs or waits for.
     *
     * @return session credentials with {@code expirationTime}, {@code accountId} and {@code providerName} set
     * @throws WebIdentityCredentialsException if there are no valid credentials and a refresh fails, or the
     *     provider is closed
     */
    @Override
    public AwsCredentials resolveCredentials() {
        return refresher.get().credentials();
    }

    /**
     * Like {@link #resolveCredentials()}, but never blocks: returns a completed future when valid credentials
     * are cached, else a future completed by a background refresh.
     */
    @Override
    public CompletableFuture<AwsCredentialsIdentity> resolveIdentity(ResolveIdentityRequest request) {
        return refresher.getAsync(Issued::credentials);
    }

    /**
     * The role this provider assumes with the web identity token: the first hop.
     *
     * @return the role ARN, as given or resolved from the environment
     */
    public String roleArn() {
        return roleArn;
    }

    /**
     * The roles assumed after the first, in order.
     *
     * @return the chained roles, empty if the provider hands out the first role's credentials
     */
    public List<ChainedRole> chainedRoles() {
        return chain.roles();
    }

    /**
     * The role whose credentials this provider hands out: the last chained role, or {@link #roleArn()}.
     *
     * @return the role ARN
     */
    public String targetRoleArn() {
        return targetRoleArn;
    }

    /**
     * Stops scheduled refreshes and closes the STS client if the provider built it. Idempotent. Afterwards
     * {@link #resolveCredentials()} fails.
     */
    @Override
    public void close() {
        refresher.close();
        if (ownsSts) {
            sts.close();
        }
    }

    @Override
    public String toString() {
        return ToString.builder("WebIdentityCredentialsProvider")
                .add("roleArn", roleArn)
                .add("chainedRoles", chain.isEmpty() ? null : chain.roles())
                .add("tokenSource", tokenSource)
                .build();
    }

    /**
     * One refresh: a fresh token and one {@code AssumeRoleWithWebIdentity} call, then one {@code AssumeRole} call
     * per chained role. A chain starts from the first hop's session instead while it lives beyond the prefetch
     * time (it can last up to 12 hours; chained sessions at most one).
     */
    private Refresher.Fetched<Issued> fetch() throws RefreshFailure {
        if (chain.isEmpty()) {
            FirstHop first = assumeFirstRole();
            return new Refresher.Fetched<>(first.issued(), first.session().credentials().expirationTime().get());
        }
        FirstHop first = firstHop;
        if (first == null || !first.session().credentials().expirationTime().get()
                .isAfter(clock.instant().plus(prefetch))) {
            first = assumeFirstRole();
            firstHop = first;
        }
        try {
            RoleChain.Session last = chain.walk(sts, first.session(), first.sessionName(), this::sessionCredentials);
            Issued issued = new Issued(last.credentials(), first.issued().tokenSource(), first.issued().tokenClaims());
            return new Refresher.Fetched<>(issued, last.credentials().expirationTime().get());
        } catch (RoleChain.HopException e) {
            Exception cause = (Exception) e.getCause();
            FailureKind kind = e.unusableResponse ? FailureKind.UNUSABLE_RESPONSE : FailureKind.of(cause);
            if (kind == FailureKind.STS_EXPIRED_TOKEN || !kind.retrySoon(0)) {
                // The first hop's session may be what is wrong (expired early, revoked, its role's permissions
                // changed): the next attempt starts over from the token.
                firstHop = null;
            }
            throw hopFailure(kind, e.hop, e.caller, cause, first);
        }
    }

    /** The web identity hop: a fresh token, then one {@code AssumeRoleWithWebIdentity} call. */
    private FirstHop assumeFirstRole() throws RefreshFailure {
        WebIdentityToken token = null;
        try {
            token = fetchToken();
            long now = clock.millis();
            if (expired(token, now)) {
                // Read once more: a token caught just before the kubelet's rotation is replaced by now. A file
                // that is still expired is not being rotated at all.
                token = fetchToken();
            }
            if (expired(token, now)) {
                throw failure(FailureKind.TOKEN_EXPIRED, TokenSourceException.configurationFailure("The token expired "
                        + "at " + token.claims().expirationTime() + " (local time " + Instant.ofEpochMilli(now)
                        + ").", null), token);
            }
            String sessionName = requestTemplate.roleSessionName() != null
                    ? requestTemplate.roleSessionName() : SessionNames.derive(token);
            AssumeRoleWithWebIdentityRequest request = requestTemplate.toBuilder()
                    .roleArn(roleArn)
                    .webIdentityToken(token.value())
                    .roleSessionName(sessionName)
                    .build();
            AssumeRoleWithWebIdentityResponse response = sts.assumeRoleWithWebIdentity(request);
            Credentials credentials = response.credentials();
            if (credentials == null || credentials.expiration() == null) {
                throw failure(FailureKind.UNUSABLE_RESPONSE, TokenSourceException.transientFailure(
                        "STS answered without credentials or without their Expiration.", null), token);
            }
            String assumedRoleArn = response.assumedRoleUser() == null ? null : response.assumedRoleUser().arn();
            AwsSessionCredentials session = sessionCredentials(credentials, assumedRoleArn);
            return new FirstHop(new RoleChain.Session(session, roleArn, assumedRoleArn), sessionName,
                    new Issued(session, token.source(), token.claims()));
        } catch (RefreshFailure f) {
            throw f;
        } catch (Exception e) {
            throw failure(FailureKind.of(e), e, token);
        }
    }

    private WebIdentityToken fetchToken() throws IOException {
        WebIdentityToken token = tokenSource.fetchToken();
        if (token == null) {
            throw TokenSourceException.configurationFailure(
                    "The token source " + tokenSource + " returned null instead of a token.", null);
        }
        return token;
    }

    private static boolean expired(WebIdentityToken token, long now) {
        Instant exp = token.claims().expirationTime();
        return exp != null && exp.toEpochMilli() <= now;
    }

    private AwsSessionCredentials sessionCredentials(Credentials credentials, String assumedRoleArn) {
        String accountId = assumedRoleArn == null ? null
                : Arn.tryFromString(assumedRoleArn).flatMap(Arn::accountId).orElse(null);
        return AwsSessionCredentials.builder()
                .accessKeyId(credentials.accessKeyId())
                .secretAccessKey(credentials.secretAccessKey())
                .sessionToken(credentials.sessionToken())
                .expirationTime(credentials.expiration())
                .accountId(accountId)
                .providerName(PROVIDER_NAME)
                .build();
    }

    /** Credentials with what the success event and log say about the token they came from (never the token). */
    private record Issued(AwsSessionCredentials credentials, String tokenSource, Claims tokenClaims) {
    }

    /** The web identity hop's session, the name it used (the chained hops' default) and what it was issued for. */
    private record FirstHop(RoleChain.Session session, String sessionName, Issued issued) {
    }

    private Failure failure(FailureKind kind, Throwable error, WebIdentityToken token) {
        String message = FailureMessages.describe(kind, error, roleArn, String.valueOf(tokenSource), token,
                chain.hops());
        return new Failure(kind, message, error, Redaction.scrub(error, token == null ? null : token.value()),
                token == null ? null : token.claims(), roleArn, 1, null);
    }

    /** A chained hop's failure: names the hop, its role and its caller, and tells the two AccessDenied causes apart. */
    private Failure hopFailure(FailureKind kind, int hop, RoleChain.Session caller, Exception error, FirstHop first) {
        String callerArn = caller.assumedRoleArn() != null ? caller.assumedRoleArn() : caller.roleArn();
        String message = FailureMessages.describeHop(kind, error, hop, chain.hops(),
                chain.call(hop, caller.roleArn()), callerArn);
        return new Failure(kind, message, error, Redaction.scrub(error, null), first.issued().tokenClaims(),
                chain.role(hop).roleArn(), hop, callerArn);
    }

    /** A classified failure, with what a {@link RefreshListener} is told about it. */
    private static final class Failure extends RefreshFailure {
        private static final long serialVersionUID = 1L;

        final String stsErrorCode;
        final int stsStatusCode;
        final transient Claims claims;
        final String roleArn;
        final int hop;
        final String callerArn;

        /**
         * @param error what was thrown, for STS's error code and status
         * @param cause what the exception carries as its cause: {@code error} with the token scrubbed
         */
        Failure(FailureKind kind, String message, Throwable error, Throwable cause, Claims claims, String roleArn,
                int hop, String callerArn) {
            super(kind, message, () -> new WebIdentityCredentialsException(message, roleArn,
                    FailureMessages.errorCode(error), kind, hop, callerArn, cause));
            this.stsErrorCode = FailureMessages.errorCode(error);
            this.stsStatusCode = error instanceof AwsServiceException ? ((AwsServiceException) error).statusCode() : 0;
            this.claims = claims;
            this.roleArn = roleArn;
            this.hop = hop;
            this.callerArn = callerArn;
        }
    }

    /** Turns the refresher's events into the public {@link RefreshListener}'s, and logs each success at DEBUG. */
    private final class ListenerAdapter implements Refresher.Listener<Issued> {
        @Override
        public void started() {
            tell(l -> l.refreshStarted(new RefreshListener.Started(targetRoleArn)));
        }

        @Override
        public void succeeded(Issued issued, Instant expiresAt, Instant nextRefreshAt, Duration took) {
            if (log.isDebugEnabled()) {
                log.debug("Assumed role {} with the token from {} ({}); credentials expire at {}, next refresh at {}",
                        chain.isEmpty() ? roleArn : roleArn + " then " + chain.roles().stream().map(ChainedRole::roleArn)
                                .collect(Collectors.joining(" then ")),
                        issued.tokenSource(), issued.tokenClaims().describe(), expiresAt, nextRefreshAt);
            }
            RefreshListener.Succeeded event = new RefreshListener.Succeeded(targetRoleArn, expiresAt, nextRefreshAt,
                    took,
                    issued.tokenSource(), issued.tokenClaims());
            tell(l -> l.refreshSucceeded(event));
        }

        @Override
        public void failed(RefreshFailure failure, Instant nextAttemptAt, Duration took) {
            Failure f = (Failure) failure;
            RefreshListener.Failed event = new RefreshListener.Failed(f.roleArn, (FailureKind) f.kind(),
                    f.stsErrorCode, f.stsStatusCode, f.getMessage(), nextAttemptAt, took, f.claims, f.hop, f.callerArn);
            tell(l -> l.refreshFailed(event));
        }

        /** Each listener on its own: one that throws must not keep the event from the others. */
        private void tell(Consumer<RefreshListener> event) {
            for (RefreshListener l : listeners) {
                try {
                    event.accept(l);
                } catch (RuntimeException e) {
                    log.warn("A refresh listener of {} threw; ignored", targetRoleArn, e);
                }
            }
        }
    }

    /**
     * Configures a {@link WebIdentityCredentialsProvider}. Not thread-safe.
     */
    public static final class Builder implements CopyableBuilder<Builder, WebIdentityCredentialsProvider> {
        private String roleArn;
        private TokenSource tokenSource;
        private String roleSessionName;
        private Duration sessionDuration;
        private String policy;
        private List<String> policyArns = new ArrayList<>();
        private StsClient stsClient;
        private Region region;
        private URI stsEndpoint;
        private Duration prefetchTime;
        private Duration staleTime;
        private Clock clock;
        private ScheduledExecutorService scheduler;
        private RandomGenerator jitter;
        private RefreshListener refreshListener;
        private List<RefreshListener> addedRefreshListeners = new ArrayList<>();
        private Consumer<StsClientBuilder> stsClientCustomizer;
        private Settings settings;
        private List<ChainedRole> chainedRoles = new ArrayList<>();
        private String profile;

        private Builder() {
        }

        /**
         * The IAM role to assume, {@code arn:aws:iam::ACCOUNT:role/NAME}. By default, {@code AWS_ROLE_ARN}
         * (or the {@code aws.roleArn} system property); required one way or the other.
         *
         * @param roleArn the role ARN
         * @return this builder
         */
        public Builder roleArn(String roleArn) {
            this.roleArn = roleArn;
            return this;
        }

        /**
         * Then assumes {@code roleArn} with {@code sts:AssumeRole}, signed with the credentials obtained so far
         * ("role chaining"); the provider hands out the last role's credentials. Call it again for a further
         * hop. By default, no chained role.
         *
         * @param roleArn the role to assume next, {@code arn:aws:iam::ACCOUNT:role/NAME}
         * @return this builder
         * @see ChainedRole
         */
        public Builder thenAssumeRole(String roleArn) {
            return thenAssumeRole(ChainedRole.of(roleArn));
        }

        /**
         * Then assumes a role configured by {@code role} (external ID, session tags, source identity, duration,
         * session policies) with {@code sts:AssumeRole}, signed with the credentials obtained so far.
         *
         * @param role configures the chained role
         * @return this builder
         */
        public Builder thenAssumeRole(Consumer<ChainedRole.Builder> role) {
            ChainedRole.Builder b = ChainedRole.builder();
            role.accept(b);
            return thenAssumeRole(b.build());
        }

        /**
         * Then assumes {@code role} with {@code sts:AssumeRole}, signed with the credentials obtained so far.
         *
         * @param role the chained role
         * @return this builder
         */
        public Builder thenAssumeRole(ChainedRole role) {
            this.chainedRoles.add(Objects.requireNonNull(role, "thenAssumeRole needs a role"));
            return this;
        }

        /**
         * The roles to assume after the first, in order, replacing any added with {@code thenAssumeRole}. By
         * default, none.
         *
         * @param chainedRoles the chained roles
         * @return this builder
         */
        public Builder chainedRoles(List<ChainedRole> chainedRoles) {
            this.chainedRoles = chainedRoles == null ? new ArrayList<>() : new ArrayList<>(chainedRoles);
            return this;
        }

        /**
         * Where the OIDC token comes from; a fresh token is fetched for every STS call. By default,
         * {@link TokenSources#detect()}.
         *
         * @param tokenSource the token source
         * @return this builder
         */
        public Builder tokenSource(TokenSource tokenSource) {
            this.tokenSource = tokenSource;
            return this;
        }

        /**
         * The role session name CloudTrail records: 2 to 64 characters of letters, digits and
         * {@code +=,.@_-}, used exactly as given. By default, {@code AWS_ROLE_SESSION_NAME} if set, else
         * derived from the token (the pod's name, the Kubernetes or Google service account), cleaned and
         * shortened to fit.
         *
         * @param roleSessionName the session name
         * @return this builder
         */
        public Builder roleSessionName(String roleSessionName) {
            this.roleSessionName = roleSessionName;
            return this;
        }

        /**
         * How long the credentials last, 900 s to 43200 s and at most the role's MaxSessionDuration. By
         * default, STS's default of one hour.
         *
         * @param sessionDuration the session duration
         * @return this builder
         */
        public Builder sessionDuration(Duration sessionDuration) {
            this.sessionDuration = sessionDuration;
            return this;
        }

        /**
         * An inline session policy (JSON, at most 2048 characters) that narrows the role's permissions. By
         * default, none.
         *
         * @param policy the policy JSON
         * @return this builder
         */
        public Builder policy(String policy) {
            this.policy = policy;
            return this;
        }

        /**
         * Managed policies (at most 10 ARNs) that narrow the role's permissions. By default, none.
         *
         * @param policyArns the policy ARNs
         * @return this builder
         */
        public Builder policyArns(List<String> policyArns) {
            this.policyArns = policyArns == null ? new ArrayList<>() : new ArrayList<>(policyArns);
            return this;
        }

        /**
         * The STS client to call; the provider does not close it. By default the provider builds one with
         * {@link StsClients#create StsClients}: anonymous credentials (the call is unsigned), the regional
         * endpoint of {@link #region(Region)}, short timeouts, retries for throttling, 5xx and
         * {@code IDPCommunicationError}, and an interceptor that removes tokens from STS error bodies; and
         * closes it on {@link WebIdentityCredentialsProvider#close()}. A client of your own has none of these
         * unless you give it them: prefer {@link #stsClientCustomizer(Consumer)} to adjust the default one.
         *
         * @param stsClient the STS client
         * @return this builder
         */
        public Builder stsClient(StsClient stsClient) {
            this.stsClient = stsClient;
            return this;
        }

        /**
         * The region whose STS endpoint the default client calls. By default, {@code AWS_REGION} (or the
         * {@code aws.region} system property), else {@code us-east-1}.
         *
         * @param region the region
         * @return this builder
         */
        public Builder region(Region region) {
            this.region = region;
            return this;
        }

        /**
         * An endpoint for the default STS client instead of the region's (a VPC endpoint, a test server). By
         * default, the regional endpoint.
         *
         * @param stsEndpoint the endpoint URI
         * @return this builder
         */
        public Builder stsEndpoint(URI stsEndpoint) {
            this.stsEndpoint = stsEndpoint;
            return this;
        }

        /**
         * How long before expiry the background refresh starts (less a random jitter of up to half of it).
         * By default, 5 minutes.
         *
         * @param prefetchTime the prefetch time
         * @return this builder
         */
        public Builder prefetchTime(Duration prefetchTime) {
            this.prefetchTime = prefetchTime;
            return this;
        }

        /**
         * How long before expiry credentials stop being handed out; at most {@link #prefetchTime(Duration)}.
         * By default, 1 minute.
         *
         * @param staleTime the stale time
         * @return this builder
         */
        public Builder staleTime(Duration staleTime) {
            this.staleTime = staleTime;
            return this;
        }

        /**
         * The clock that decides expiry and refresh times. By default, {@link Clock#systemUTC()}.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * Runs scheduled checks and background refreshes (which block on the token source and STS). The
         * provider does not shut it down. By default, threads shared by every provider in the JVM.
         *
         * @param scheduler the scheduler
         * @return this builder
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /**
         * Draws the random jitter of refresh times and of the backoff after failures. By default,
         * {@link java.util.concurrent.ThreadLocalRandom}. A seeded generator makes a simulation reproducible.
         *
         * @param jitter the random generator; used from the refresh threads one at a time
         * @return this builder
         */
        public Builder jitter(RandomGenerator jitter) {
            this.jitter = jitter;
            return this;
        }

        /**
         * Told of every refresh: started, succeeded (with the credentials' expiry), failed (with the
         * {@link FailureKind} and STS error code). By default, none.
         *
         * @param refreshListener the listener
         * @return this builder
         */
        public Builder refreshListener(RefreshListener refreshListener) {
            this.refreshListener = refreshListener;
            return this;
        }

        /**
         * Adds a listener told of every refresh as well as the one set with
         * {@link #refreshListener(RefreshListener)}, after it, in the order added. For code that observes a
         * provider whose builder others configure too (the Spring Boot starter's health and metrics, with the
         * application's customizers): neither replaces the other. By default, none.
         *
         * @param refreshListener the listener
         * @return this builder
         */
        public Builder addRefreshListener(RefreshListener refreshListener) {
            this.addedRefreshListeners.add(Objects.requireNonNull(refreshListener,
                    "addRefreshListener needs a listener"));
            return this;
        }

        /**
         * Adjusts the STS client the provider builds (extra interceptors, another HTTP client, an endpoint),
         * after Keyless's defaults are set. Keyless's error-body redaction and a retry strategy are kept
         * whatever the customizer does. Cannot be combined with {@link #stsClient(StsClient)}. By default,
         * none.
         *
         * @param stsClientCustomizer called once, at {@link #build()}
         * @return this builder
         */
        public Builder stsClientCustomizer(Consumer<StsClientBuilder> stsClientCustomizer) {
            this.stsClientCustomizer = stsClientCustomizer;
            return this;
        }

        /**
         * Where the settings not set on this builder are looked up: role ARN, role session name and region,
         * each from its system property, then its environment variable, then the web identity profile of the AWS
         * config file (whose name and file are looked up there too). By default, {@link Settings#system()}.
         *
         * @param settings the lookups
         * @return this builder
         */
        public Builder settings(Settings settings) {
            this.settings = settings;
            return this;
        }

        /**
         * The profile of the AWS shared config file ({@code AWS_CONFIG_FILE}, else {@code ~/.aws/config}, read with
         * {@code ~/.aws/credentials} as the AWS SDKs read them) that configures this provider: a web identity
         * profile ({@code role_arn} with {@code web_identity_token_file} or {@code keyless_token_source}), or one
         * that reaches it through {@code source_profile} links ({@code role_arn}, {@code source_profile},
         * {@code external_id}, {@code role_session_name}, {@code duration_seconds}). Its values are the last
         * fallback of each setting, after this builder, the system property and the environment variable; its
         * chained roles are used when this builder sets none and the first role is the profile's. A profile that
         * is missing, loops, is incomplete or is of another kind fails {@link #build()} naming the profile, the
         * file and the key. By default, aws.profile or AWS_PROFILE, else the profile named default if it configures
         * web identity.
         *
         * @param profile the profile's name
         * @return this builder
         * @see WebIdentityProfile
         */
        public Builder profile(String profile) {
            this.profile = profile;
            return this;
        }

        /**
         * Validates the settings and builds the provider. Fetches nothing.
         *
         * @return the provider
         * @throws InvalidSettingException naming the setting and value that are wrong
         */
        @Override
        public WebIdentityCredentialsProvider build() {
            return new WebIdentityCredentialsProvider(this);
        }

        /**
         * A copy of this builder, without building.
         *
         * @return the copy
         */
        @Override
        public Builder copy() {
            Builder b = new Builder();
            b.roleArn = roleArn;
            b.tokenSource = tokenSource;
            b.roleSessionName = roleSessionName;
            b.sessionDuration = sessionDuration;
            b.policy = policy;
            b.policyArns = new ArrayList<>(policyArns);
            b.stsClient = stsClient;
            b.region = region;
            b.stsEndpoint = stsEndpoint;
            b.prefetchTime = prefetchTime;
            b.staleTime = staleTime;
            b.clock = clock;
            b.scheduler = scheduler;
            b.jitter = jitter;
            b.refreshListener = refreshListener;
            b.addedRefreshListeners = new ArrayList<>(addedRefreshListeners);
            b.stsClientCustomizer = stsClientCustomizer;
            b.settings = settings;
            b.chainedRoles = new ArrayList<>(chainedRoles);
            b.profile = profile;
            return b;
        }

        @Override
        public String toString() {
            return ToString.builder("WebIdentityCredentialsProvider.Builder")
                    .add("profile", profile)
                    .add("roleArn", roleArn)
                    .add("chainedRoles", chainedRoles.isEmpty() ? null : chainedRoles)
                    .add("tokenSource", tokenSource)
                    .build();
        }
    }
}
