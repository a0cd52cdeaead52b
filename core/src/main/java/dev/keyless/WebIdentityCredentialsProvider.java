package dev.keyless;

import dev.keyless.sts.RedactErrorResponses;
import dev.keyless.internal.text.Redaction;
import dev.keyless.internal.refresh.RefreshExecutors;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.arns.Arn;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkSystemSetting;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.ResolveIdentityRequest;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.SystemSettingsRegionProvider;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.StsClientBuilder;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityRequest;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityResponse;
import software.amazon.awssdk.services.sts.model.Credentials;
import software.amazon.awssdk.services.sts.model.IdpCommunicationErrorException;
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
 *       per refresh.</li>
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
 * call, so a provider built where there is no token can sit in a provider chain.
 *
 * <p>This class is thread-safe. Background work runs on threads shared by all providers in the JVM
 * ({@code keyless-refresh-*}, daemon) or on the {@link Builder#scheduler scheduler} you give. Call
 * {@link #close()} when done to stop scheduled refreshes and close the STS client the provider built.
 */
public final class WebIdentityCredentialsProvider
        implements AwsCredentialsProvider, SdkAutoCloseable,
                   ToCopyableBuilder<WebIdentityCredentialsProvider.Builder, WebIdentityCredentialsProvider> {

    /** The {@code providerName} on every credentials object this provider returns. */
    public static final String PROVIDER_NAME = "KeylessWebIdentityCredentialsProvider";

    private static final Logger log = LoggerFactory.getLogger(WebIdentityCredentialsProvider.class);

    private static final Duration DEFAULT_PREFETCH_TIME = Duration.ofMinutes(5);
    private static final Duration DEFAULT_STALE_TIME = Duration.ofMinutes(1);
    private static final Duration MIN_SESSION_DURATION = Duration.ofSeconds(900);
    private static final Duration MAX_SESSION_DURATION = Duration.ofSeconds(43_200);
    private static final int MAX_POLICY_ARNS = 10;
    private static final int MAX_POLICY_LENGTH = 2048;
    private static final BackoffStrategy TRANSIENT_BACKOFF =
            BackoffStrategy.exponentialDelayHalfJitter(Duration.ofSeconds(1), Duration.ofMinutes(1));
    private static final BackoffStrategy CONFIGURATION_BACKOFF =
            BackoffStrategy.exponentialDelayHalfJitter(Duration.ofSeconds(10), Duration.ofMinutes(5));

    private final Builder settings;
    private final String roleArn;
    private final TokenSource tokenSource;
    private final StsClient sts;
    private final boolean ownsSts;
    private final AssumeRoleWithWebIdentityRequest requestTemplate;
    private final long prefetchMillis;
    private final long staleMillis;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private final Executor worker;

    private volatile Cached cached;
    private volatile Failure failure;
    private final AtomicReference<CompletableFuture<Cached>> inFlight = new AtomicReference<>();
    private final AtomicReference<ScheduledFuture<?>> nextCheck = new AtomicReference<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private WebIdentityCredentialsProvider(Builder b) {
        this.settings = b.copy();
        this.roleArn = b.roleArn != null ? b.roleArn : SdkSystemSetting.AWS_ROLE_ARN.getStringValue().orElse(null);
        validateRoleArn(roleArn, b.roleArn != null);
        String sessionName = b.roleSessionName != null ? b.roleSessionName
                : SdkSystemSetting.AWS_ROLE_SESSION_NAME.getStringValue().orElse(null);
        if (sessionName != null && !SessionNames.VALID.matcher(sessionName).matches()) {
            throw new IllegalArgumentException("roleSessionName '" + sessionName + "'"
                    + (b.roleSessionName == null ? " (from AWS_ROLE_SESSION_NAME)" : "")
                    + " is not a valid role session name: STS accepts 2 to 64 characters of letters, digits and"
                    + " +=,.@_-");
        }
        if (b.sessionDuration != null && (b.sessionDuration.compareTo(MIN_SESSION_DURATION) < 0
                || b.sessionDuration.compareTo(MAX_SESSION_DURATION) > 0)) {
            throw new IllegalArgumentException("sessionDuration (" + b.sessionDuration + ") must be between "
                    + MIN_SESSION_DURATION + " (900 s) and " + MAX_SESSION_DURATION + " (43200 s).");
        }
        if (b.policy != null && b.policy.length() > MAX_POLICY_LENGTH) {
            throw new IllegalArgumentException("policy is " + b.policy.length() + " characters long; STS accepts at"
                    + " most " + MAX_POLICY_LENGTH + ".");
        }
        if (b.policyArns.size() > MAX_POLICY_ARNS) {
            throw new IllegalArgumentException("policyArns has " + b.policyArns.size() + " entries; STS accepts at"
                    + " most " + MAX_POLICY_ARNS + ".");
        }
        Duration prefetch = b.prefetchTime != null ? b.prefetchTime : DEFAULT_PREFETCH_TIME;
        Duration stale = b.staleTime != null ? b.staleTime : DEFAULT_STALE_TIME;
        if (prefetch.isNegative() || prefetch.isZero()) {
            throw new IllegalArgumentException("prefetchTime (" + prefetch + ") must be positive.");
        }
        if (stale.isNegative()) {
            throw new IllegalArgumentException("staleTime (" + stale + ") must not be negative.");
        }
        if (stale.compareTo(prefetch) > 0) {
            throw new IllegalArgumentException(
                    "staleTime (" + stale + ") must be less than or equal to prefetchTime (" + prefetch + ").");
        }
        if (b.sessionDuration != null && prefetch.compareTo(b.sessionDuration) >= 0) {
            throw new IllegalArgumentException("prefetchTime (" + prefetch + ") must be less than sessionDuration ("
                    + b.sessionDuration + ").");
        }
        if (b.stsClient != null && (b.region != null || b.stsEndpoint != null)) {
            throw new IllegalArgumentException("region and stsEndpoint configure the STS client Keyless builds; "
                    + "they cannot be combined with stsClient(...). Configure your StsClient instead.");
        }
        this.prefetchMillis = prefetch.toMillis();
        this.staleMillis = stale.toMillis();
        this.tokenSource = b.tokenSource != null ? b.tokenSource : TokenSources.detect();
        this.clock = b.clock != null ? b.clock : Clock.systemUTC();
        this.timer = b.scheduler != null ? b.scheduler : RefreshExecutors.timer();
        this.worker = b.scheduler != null ? b.scheduler : RefreshExecutors.worker();

        AssumeRoleWithWebIdentityRequest.Builder request = AssumeRoleWithWebIdentityRequest.builder()
                .roleArn(roleArn)
                .roleSessionName(sessionName)
                .policy(b.policy);
        if (b.sessionDuration != null) {
            request.durationSeconds((int) b.sessionDuration.getSeconds());
        }
        if (!b.policyArns.isEmpty()) {
            List<PolicyDescriptorType> arns = new ArrayList<>();
            b.policyArns.forEach(arn -> arns.add(PolicyDescriptorType.builder().arn(arn).build()));
            request.policyArns(arns);
        }
        this.requestTemplate = request.build();

        this.ownsSts = b.stsClient == null;
        this.sts = ownsSts ? defaultStsClient(b.region, b.stsEndpoint) : b.stsClient;
    }

    /**
     * A provider configured entirely from the environment: {@code AWS_ROLE_ARN},
     * {@code AWS_ROLE_SESSION_NAME} (optional), {@code AWS_REGION} (optional, default {@code us-east-1}),
     * and the token source {@link TokenSources#detect() detected} on first use.
     *
     * @return the provider
     * @throws IllegalArgumentException if {@code AWS_ROLE_ARN} is missing or malformed
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
        return settings.copy();
    }

    /**
     * Returns valid credentials: the cached ones at once if they are not stale (starting a background refresh
     * if they are due for one), else the result of a refresh this thread waits for.
     *
     * @return session credentials with {@code expirationTime}, {@code accountId} and {@code providerName} set
     * @throws WebIdentityCredentialsException if there are no valid credentials and a refresh fails
     */
    @Override
    public AwsCredentials resolveCredentials() {
        long now = clock.millis();
        Cached c = cached;
        if (c != null && now < c.staleAt) {
            if (now >= c.prefetchAt) {
                prefetchIfDue(now);
            }
            return c.credentials;
        }
        return refreshAndWait(now).credentials;
    }

    /**
     * Like {@link #resolveCredentials()}, but never blocks: returns a completed future when valid credentials
     * are cached, else a future completed by a background refresh.
     */
    @Override
    public CompletableFuture<AwsCredentialsIdentity> resolveIdentity(ResolveIdentityRequest request) {
        long now = clock.millis();
        Cached c = cached;
        if (c != null && now < c.staleAt) {
            if (now >= c.prefetchAt) {
                prefetchIfDue(now);
            }
            return CompletableFuture.completedFuture(c.credentials);
        }
        CompletableFuture<AwsCredentialsIdentity> result = new CompletableFuture<>();
        try {
            Failure f = failure;
            checkOpen();
            if (f != null && now < f.nextAttemptAt && inFlight.get() == null) {
                throw f.newException();
            }
            refresh(false).whenComplete((fresh, error) -> {
                if (error == null) {
                    result.complete(fresh.credentials);
                } else {
                    result.completeExceptionally(rethrowable(error));
                }
            });
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    /**
     * Stops scheduled refreshes and closes the STS client if the provider built it. Idempotent. Afterwards
     * {@link #resolveCredentials()} fails.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        ScheduledFuture<?> next = nextCheck.getAndSet(null);
        if (next != null) {
            next.cancel(false);
        }
        if (ownsSts) {
            sts.close();
        }
    }

    @Override
    public String toString() {
        return ToString.builder("WebIdentityCredentialsProvider")
                .add("roleArn", roleArn)
                .add("tokenSource", tokenSource)
                .build();
    }

    private Cached refreshAndWait(long now) {
        checkOpen();
        Failure f = failure;
        if (f != null && now < f.nextAttemptAt && inFlight.get() == null) {
            // The last attempt failed and the next is not due: answer at once instead of calling STS again.
            throw f.newException();
        }
        try {
            return refresh(true).join();
        } catch (CompletionException e) {
            throw rethrowable(e.getCause());
        }
    }

    private void prefetchIfDue(long now) {
        if (inFlight.get() != null || closed.get()) {
            return;
        }
        Failure f = failure;
        if (f == null || now >= f.nextAttemptAt) {
            refresh(false);
        }
    }

    /** Joins the refresh in flight, or starts one: on this thread if {@code here}, else on the worker pool. */
    private CompletableFuture<Cached> refresh(boolean here) {
        CompletableFuture<Cached> mine = new CompletableFuture<>();
        CompletableFuture<Cached> running = inFlight.compareAndExchange(null, mine);
        if (running != null) {
            return running;
        }
        if (here) {
            runRefresh(mine);
        } else {
            try {
                worker.execute(() -> runRefresh(mine));
            } catch (RejectedExecutionException e) {
                inFlight.set(null);
                mine.completeExceptionally(e);
            }
        }
        return mine;
    }

    private void runRefresh(CompletableFuture<Cached> result) {
        Cached current = cached;
        if (current != null && clock.millis() < current.prefetchAt) {
            // Another refresh finished between this caller's check and its taking the slot.
            inFlight.set(null);
            result.complete(current);
            return;
        }
        Cached fresh = null;
        WebIdentityCredentialsException error = null;
        try {
            fresh = fetch();
            cached = fresh;
            failure = null;
            scheduleCheck(fresh.prefetchAt);
        } catch (Failure.Thrown t) {
            error = recordFailure(t.failure);
        } catch (RuntimeException | Error e) {
            inFlight.set(null);
            result.completeExceptionally(e);
            throw e;
        }
        inFlight.set(null);
        if (fresh != null) {
            result.complete(fresh);
        } else {
            result.completeExceptionally(error);
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
        return token.expirationTime().map(exp -> exp.toEpochMilli() <= now).orElse(false);
    }

    private Cached fetch() throws Failure.Thrown {
        WebIdentityToken token = null;
        try {
            token = fetchToken();
            long now = clock.millis();
            if (expired(token, now)) {
                // Read once more: a token caught just before the kubelet's rotation is replaced by now. A file
                // that is still expired is not being rotated at all.
                token = fetchToken();
            }
            Instant tokenExpiry = token.expirationTime().orElse(null);
            if (expired(token, now)) {
                throw new Failure.Thrown(newFailure(FailureKind.TOKEN_EXPIRED,
                        TokenSourceException.configurationFailure("The token expired at " + tokenExpiry
                                + " (local time " + Instant.ofEpochMilli(now) + ").", null), token));
            }
            AssumeRoleWithWebIdentityRequest request = requestTemplate.toBuilder()
                    .webIdentityToken(token.value())
                    .roleSessionName(requestTemplate.roleSessionName() != null
                            ? requestTemplate.roleSessionName() : SessionNames.derive(token))
                    .build();
            AssumeRoleWithWebIdentityResponse response = sts.assumeRoleWithWebIdentity(request);
            return toCached(response, token);
        } catch (Failure.Thrown t) {
            throw t;
        } catch (Exception e) {
            throw new Failure.Thrown(newFailure(FailureKind.of(e), e, token));
        }
    }

    private Cached toCached(AssumeRoleWithWebIdentityResponse response, WebIdentityToken token)
            throws Failure.Thrown {
        Credentials credentials = response.credentials();
        long now = clock.millis();
        if (credentials == null || credentials.expiration() == null) {
            throw new Failure.Thrown(newFailure(FailureKind.UNUSABLE_RESPONSE, TokenSourceException.transientFailure(
                    "STS answered without credentials or without their Expiration.", null), token));
        }
        long expiresAt = credentials.expiration().toEpochMilli();
        long staleAt = expiresAt - staleMillis;
        if (now >= staleAt) {
            throw new Failure.Thrown(newFailure(FailureKind.UNUSABLE_RESPONSE, TokenSourceException.transientFailure(
                    "STS returned credentials that expire at " + credentials.expiration() + ", which is already "
                    + "within staleTime of the local clock (" + Instant.ofEpochMilli(now) + "). Check the "
                    + "machine's clock (NTP).", null), token));
        }
        long jitter = ThreadLocalRandom.current().nextLong(prefetchMillis / 2 + 1);
        // Never refresh more often than every half of the remaining validity, whatever the clock says.
        long prefetchAt = Math.max(expiresAt - prefetchMillis - jitter, now + (staleAt - now) / 2);
        String accountId = response.assumedRoleUser() == null ? null
                : Arn.tryFromString(response.assumedRoleUser().arn()).flatMap(Arn::accountId).orElse(null);
        AwsSessionCredentials session = AwsSessionCredentials.builder()
                .accessKeyId(credentials.accessKeyId())
                .secretAccessKey(credentials.secretAccessKey())
                .sessionToken(credentials.sessionToken())
                .expirationTime(credentials.expiration())
                .accountId(accountId)
                .providerName(PROVIDER_NAME)
                .build();
        if (log.isDebugEnabled()) {
            log.debug("Assumed role {} with the token from {} ({}); credentials expire at {}, next refresh at {}",
                    roleArn, token.source(), token.describeClaims(), credentials.expiration(),
                    Instant.ofEpochMilli(prefetchAt));
        }
        return new Cached(session, staleAt, prefetchAt);
    }

    private Failure newFailure(FailureKind kind, Throwable error, WebIdentityToken token) {
        Failure previous = failure;
        int sameKindBefore = previous != null && previous.kind == kind ? previous.sameKindCount : 0;
        int consecutive = previous != null ? previous.consecutive + 1 : 1;
        boolean soon = kind.retrySoon(sameKindBefore);
        Duration delay = (soon ? TRANSIENT_BACKOFF : CONFIGURATION_BACKOFF).computeDelay(consecutive + 1); // attempt 1 would be 0
        String code = error instanceof AwsServiceException && ((AwsServiceException) error).awsErrorDetails() != null
                ? ((AwsServiceException) error).awsErrorDetails().errorCode() : null;
        String message = FailureMessages.describe(kind, error, roleArn, String.valueOf(tokenSource), token);
        return new Failure(kind, sameKindBefore + 1, consecutive, clock.millis() + delay.toMillis(), message, code,
                Redaction.scrub(error), roleArn);
    }

    private WebIdentityCredentialsException recordFailure(Failure f) {
        failure = f;
        scheduleCheck(f.nextAttemptAt);
        Cached c = cached;
        long now = clock.millis();
        Duration retryIn = Duration.ofMillis(Math.max(0, f.nextAttemptAt - now));
        if (closed.get()) {
            log.debug("{} (the provider was closed meanwhile)", f.message);
        } else if (c != null && now < c.staleAt) {
            log.warn("{} Serving the cached credentials until {}; next attempt in {}.", f.message,
                    Instant.ofEpochMilli(c.staleAt), retryIn);
        } else {
            log.warn("{} No valid credentials are cached; next attempt in {}.", f.message, retryIn);
        }
        return f.newException();
    }

    /** Schedules a check at {@code atMillis} (by this provider's clock) that refreshes if one is due. */
    private void scheduleCheck(long atMillis) {
        if (closed.get()) {
            return;
        }
        long delay = Math.max(0, atMillis - clock.millis());
        ScheduledFuture<?> next;
        try {
            next = timer.schedule(this::backgroundCheck, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            log.debug("Could not schedule the next refresh of {}; it will happen on the next call", roleArn, e);
            return;
        }
        ScheduledFuture<?> previous = nextCheck.getAndSet(next);
        if (previous != null) {
            previous.cancel(false);
        }
        if (closed.get()) {
            next.cancel(false);
        }
    }

    private void backgroundCheck() {
        if (closed.get() || inFlight.get() != null) {
            return;
        }
        long now = clock.millis();
        Cached c = cached;
        Failure f = failure;
        if (f != null && now < f.nextAttemptAt) {
            scheduleCheck(f.nextAttemptAt);
        } else if (c != null && now < c.prefetchAt) {
            scheduleCheck(c.prefetchAt);
        } else {
            refresh(false);
        }
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new WebIdentityCredentialsException("This WebIdentityCredentialsProvider for role " + roleArn
                    + " is closed.", roleArn, null, null);
        }
    }

    private static RuntimeException rethrowable(Throwable error) {
        if (error instanceof CompletionException && error.getCause() != null) {
            error = error.getCause();
        }
        if (error instanceof WebIdentityCredentialsException) {
            WebIdentityCredentialsException e = (WebIdentityCredentialsException) error;
            // A fresh instance per caller, with this caller's stack trace.
            return new WebIdentityCredentialsException(e.getMessage(), e.roleArn(), e.stsErrorCode(), e.getCause());
        }
        return error instanceof RuntimeException ? (RuntimeException) error : new CompletionException(error);
    }

    private static void validateRoleArn(String roleArn, boolean explicit) {
        String origin = explicit ? "roleArn" : "AWS_ROLE_ARN";
        if (roleArn == null || roleArn.isBlank()) {
            throw new IllegalArgumentException("roleArn is required: set it on the builder, or set the AWS_ROLE_ARN "
                    + "environment variable (or the aws.roleArn system property).");
        }
        Arn arn = Arn.tryFromString(roleArn).orElse(null);
        if (arn == null || !"iam".equals(arn.service()) || !"role".equals(arn.resource().resourceType().orElse(null))
                || !arn.accountId().isPresent() || roleArn.length() < 20 || roleArn.length() > 2048) {
            throw new IllegalArgumentException(origin + " '" + roleArn + "' is not an IAM role ARN; expected "
                    + "arn:aws:iam::123456789012:role/NAME.");
        }
    }

    private static StsClient defaultStsClient(Region region, URI endpoint) {
        Region resolved = region;
        if (resolved == null) {
            try {
                resolved = new SystemSettingsRegionProvider().getRegion();
            } catch (RuntimeException e) {
                resolved = Region.US_EAST_1;
                log.debug("No region configured (AWS_REGION / aws.region); using STS's regional endpoint in {}",
                        resolved);
            }
        }
        StsClientBuilder builder = StsClient.builder()
                .region(resolved)
                // AssumeRoleWithWebIdentity is an unsigned call: the token is the credential.
                .credentialsProvider(AnonymousCredentialsProvider.create())
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(3))
                        .socketTimeout(Duration.ofSeconds(10)))
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                .retryOnExceptionInstanceOf(IdpCommunicationErrorException.class)
                                .maxAttempts(3)
                                .build())
                        // An STS error that echoes the token must not reach the SDK's own exception and logs.
                        .addExecutionInterceptor(new RedactErrorResponses()));
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        return builder.build();
    }

    /** Cached credentials with the instants (by the provider's clock) that govern them. Immutable. */
    private static final class Cached {
        final AwsSessionCredentials credentials;
        final long staleAt;
        final long prefetchAt;

        Cached(AwsSessionCredentials credentials, long staleAt, long prefetchAt) {
            this.credentials = credentials;
            this.staleAt = staleAt;
            this.prefetchAt = prefetchAt;
        }
    }

    /** The last failed attempt and when the next one is due. Immutable. */
    private static final class Failure {
        final FailureKind kind;
        final int sameKindCount;
        final int consecutive;
        final long nextAttemptAt;
        final String message;
        final String stsErrorCode;
        final Throwable cause;
        final String roleArn;

        Failure(FailureKind kind, int sameKindCount, int consecutive, long nextAttemptAt, String message,
                String stsErrorCode, Throwable cause, String roleArn) {
            this.kind = kind;
            this.sameKindCount = sameKindCount;
            this.consecutive = consecutive;
            this.nextAttemptAt = nextAttemptAt;
            this.message = message;
            this.stsErrorCode = stsErrorCode;
            this.cause = cause;
            this.roleArn = roleArn;
        }

        WebIdentityCredentialsException newException() {
            return new WebIdentityCredentialsException(message, roleArn, stsErrorCode, cause);
        }

        /** Carries a classified failure out of {@code fetch()}. */
        static final class Thrown extends Exception {
            private static final long serialVersionUID = 1L;
            final transient Failure failure;

            Thrown(Failure failure) {
                super(null, null, false, false);
                this.failure = failure;
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
         * anonymous credentials (the call is unsigned), the regional endpoint of {@link #region(Region)},
         * short timeouts and retries for throttling, 5xx and {@code IDPCommunicationError}, and closes it
         * on {@link WebIdentityCredentialsProvider#close()}.
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
         * Validates the settings and builds the provider. Fetches nothing.
         *
         * @return the provider
         * @throws IllegalArgumentException naming the setting and value that are wrong
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
            return b;
        }

        @Override
        public String toString() {
            return ToString.builder("WebIdentityCredentialsProvider.Builder")
                    .add("roleArn", roleArn)
                    .add("tokenSource", tokenSource)
                    .build();
        }
    }
}
