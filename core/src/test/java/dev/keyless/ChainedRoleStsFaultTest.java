package dev.keyless;

import static dev.keyless.testing.StsStub.CHAINED_ROLE_ARN;
import static dev.keyless.testing.StsStub.FIRST_HOP_SESSION_ARN;
import static dev.keyless.testing.StsStub.ROLE_ARN;
import static dev.keyless.testing.StsStub.SECRET_PREFIX;
import static dev.keyless.testing.StsStub.SESSION_TOKEN_PREFIX;
import static dev.keyless.testing.StsStub.error;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.keyless.settings.InvalidSettingException;
import dev.keyless.settings.Setting;
import dev.keyless.testing.FakeTime;
import dev.keyless.testing.StsStub;
import dev.keyless.testing.TestTokens;
import dev.keyless.testing.TraceCapture;
import dev.keyless.token.TokenSources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.model.AssumeRoleRequest;

/** A role chain against a WireMock STS: what each hop sends, and faults at the second hop. */
class ChainedRoleStsFaultTest {

    private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
    private static final String EXTERNAL_ID = "orders-prod-8f3a";

    @TempDir
    Path dir;

    private final FakeTime time = new FakeTime(T0);
    private StsStub sts;
    private Path tokenFile;
    private String token;

    @BeforeEach
    void setUp() throws IOException {
        sts = new StsStub();
        tokenFile = dir.resolve("token");
        token = TestTokens.gke(T0, Duration.ofHours(2));
        Files.writeString(tokenFile, token);
    }

    @AfterEach
    void tearDown() {
        sts.close();
    }

    private WebIdentityCredentialsProvider.Builder builder() {
        return WebIdentityCredentialsProvider.builder()
                .roleArn(ROLE_ARN)
                .tokenSource(TokenSources.file(tokenFile))
                .region(Region.EU_WEST_1)
                .stsEndpoint(sts.endpoint())
                .clock(time.clock());
    }

    @Test
    void twoHops_secondCallSignedWithFirstHopsKey_carriesEveryHopSetting_andHandsOutTheLastHopsCredentials() {
        sts.chain(T0.plus(Duration.ofHours(1)), T0.plus(Duration.ofMinutes(45)));
        try (WebIdentityCredentialsProvider provider = builder()
                .roleSessionName("checkout-api")
                .thenAssumeRole(hop -> hop.roleArn(CHAINED_ROLE_ARN)
                        .externalId(EXTERNAL_ID)
                        .putSessionTag("team", "checkout").putSessionTag("env", "prod")
                        .transitiveTagKeys(List.of("team"))
                        .sourceIdentity("checkout-api")
                        .sessionDuration(Duration.ofMinutes(45)))
                .build()) {
            AwsSessionCredentials credentials = (AwsSessionCredentials) provider.resolveCredentials();

            assertThat(credentials.accessKeyId()).isEqualTo("ASIAKEYLESSTEST2");
            assertThat(credentials.accountId()).hasValue(StsStub.PRODUCT_ACCOUNT_ID);
            assertThat(credentials.expirationTime()).hasValue(T0.plus(Duration.ofMinutes(45)));
            List<Map<String, String>> requests = sts.requests();
            assertThat(requests).extracting(r -> r.get("Action"))
                    .containsExactly("AssumeRoleWithWebIdentity", "AssumeRole");
            assertThat(requests.get(1)).containsEntry("RoleArn", CHAINED_ROLE_ARN)
                    .containsEntry("RoleSessionName", "checkout-api")
                    .containsEntry("ExternalId", EXTERNAL_ID)
                    .containsEntry("Tags.member.1.Key", "team").containsEntry("Tags.member.1.Value", "checkout")
                    .containsEntry("Tags.member.2.Key", "env").containsEntry("Tags.member.2.Value", "prod")
                    .containsEntry("TransitiveTagKeys.member.1", "team")
                    .containsEntry("SourceIdentity", "checkout-api")
                    .containsEntry("DurationSeconds", "2700");
            List<LoggedRequest> logged = sts.loggedRequests();
            assertThat(logged.get(0).containsHeader("Authorization")).as("the web identity call is unsigned").isFalse();
            assertThat(logged.get(1).getHeader("Authorization")).as("hop 2 is signed with hop 1's key")
                    .contains("Credential=ASIAKEYLESSTEST1/");
            assertThat(logged.get(1).getHeader("X-Amz-Security-Token")).isEqualTo(SESSION_TOKEN_PREFIX + "1");
        }
    }

    @Test
    void accessDeniedAtHop2_explainsBothCauses_namesHopRoleAndCaller_andLeaksNothingAtTrace() {
        sts.chainSequence(T0.plus(Duration.ofHours(1)), error(403, "AccessDenied", "User: " + FIRST_HOP_SESSION_ARN
                + " is not authorized to perform: sts:AssumeRole on resource: " + CHAINED_ROLE_ARN));
        List<RefreshListener.Failed> failures = new CopyOnWriteArrayList<>();
        try (TraceCapture trace = TraceCapture.start();
             WebIdentityCredentialsProvider provider = builder()
                     .thenAssumeRole(hop -> hop.roleArn(CHAINED_ROLE_ARN).externalId(EXTERNAL_ID)
                             .putSessionTag("team", "checkout"))
                     .refreshListener(new RefreshListener() {
                         @Override
                         public void refreshFailed(RefreshListener.Failed event) {
                             failures.add(event);
                         }
                     })
                     .build()) {
            WebIdentityCredentialsException e = (WebIdentityCredentialsException) catchThrowable(provider);

            assertThat(e.hop()).isEqualTo(2);
            assertThat(e.roleArn()).isEqualTo(CHAINED_ROLE_ARN);
            assertThat(e.callerArn()).isEqualTo(FIRST_HOP_SESSION_ARN);
            assertThat(e.failureKind()).isEqualTo(FailureKind.ACCESS_DENIED);
            assertThat(e.getMessage()).contains(
                    "Could not assume role " + CHAINED_ROLE_ARN + " (hop 2 of 2, sts:AssumeRole as "
                            + FIRST_HOP_SESSION_ARN + "): STS answered 403 AccessDenied",
                    "either may be missing",
                    "(1) the trust policy of role " + CHAINED_ROLE_ARN + " must trust role " + ROLE_ARN
                            + ": Principal.AWS " + ROLE_ARN + ", Action sts:AssumeRole, sts:TagSession, and "
                            + "StringEquals sts:ExternalId",
                    "\"sts:ExternalId\":\"<the external ID you set>\"",
                    "(2) the permissions policy of role " + ROLE_ARN + " must allow sts:AssumeRole, sts:TagSession on "
                            + CHAINED_ROLE_ARN,
                    "keyless check-policy --policy-file <its trust policy JSON> --caller-role-arn " + ROLE_ARN
                            + " --role-arn " + CHAINED_ROLE_ARN);
            assertThat(failures).singleElement().satisfies(f -> {
                assertThat(f.hop()).isEqualTo(2);
                assertThat(f.roleArn()).isEqualTo(CHAINED_ROLE_ARN);
                assertThat(f.callerArn()).isEqualTo(FIRST_HOP_SESSION_ARN);
                assertThat(f.stsErrorCode()).isEqualTo("AccessDenied");
            });

            // The SDK's SigV4 signer (DEBUG) and the JDK's HTTP client (FINE) log every header of every signed
            // request, x-amz-security-token included, for any client signing with session credentials: here, hop
            // 1's session signing hop 2 (docs/reliability.md). They are the loggers let through, and only they.
            List<String> headerLoggers = List.of("software.amazon.awssdk.http.auth.aws.internal.signer.",
                    "sun.net.www.protocol.http.HttpURLConnection ");
            assertThat(trace.texts()).anyMatch(text -> text.startsWith(headerLoggers.get(0)));
            List<String> everything = new ArrayList<>(trace.texts().stream()
                    .filter(text -> headerLoggers.stream().noneMatch(text::startsWith)).toList());
            everything.add(String.valueOf(e));
            for (Throwable t = e; t != null; t = t.getCause()) {
                everything.add(String.valueOf(t.getMessage()));
            }
            everything.add(provider.toString());
            everything.add(failures.toString());
            assertThat(trace.texts()).as("TRACE logging captured").isNotEmpty();
            assertThat(everything).noneMatch(text -> text.contains("eyJ") || text.contains(token.substring(40, 80))
                    || text.contains(SECRET_PREFIX) || text.contains(SESSION_TOKEN_PREFIX)
                    || text.contains(EXTERNAL_ID));
        }
    }

    @Test
    void accessDeniedAtHop2_stsSaysNoIdentityBasedPolicy_blamesTheCallersPermissionsOnly() {
        sts.chainSequence(T0.plus(Duration.ofHours(1)), error(403, "AccessDenied", "User: " + FIRST_HOP_SESSION_ARN
                + " is not authorized to perform: sts:AssumeRole on resource: " + CHAINED_ROLE_ARN
                + " because no identity-based policy allows the sts:AssumeRole action"));
        try (WebIdentityCredentialsProvider provider = builder().thenAssumeRole(CHAINED_ROLE_ARN).build()) {
            assertThat(catchThrowable(provider).getMessage())
                    .contains("Likely cause, as STS says: the permissions policy of role " + ROLE_ARN
                            + " must allow sts:AssumeRole on " + CHAINED_ROLE_ARN)
                    .doesNotContain("the trust policy of role");
        }
    }

    @Test
    void throttledAtHop2_whileCachedCredentialsLast_servesThemAndRetriesFromTheFirstHopsSession() {
        // The first hop's session lasts 12 hours, the chained one an hour: a refresh starts from the first.
        sts.chainSequence(T0.plus(Duration.ofHours(12)),
                sts.assumeRoleSuccess(T0.plus(Duration.ofHours(1))),
                error(400, "Throttling", "Rate exceeded"),
                error(400, "Throttling", "Rate exceeded"),
                sts.assumeRoleSuccess(T0.plus(Duration.ofHours(2))));
        try (WebIdentityCredentialsProvider provider = builder()
                .thenAssumeRole(CHAINED_ROLE_ARN)
                .stsClient(sts.client())
                .region(null).stsEndpoint(null)
                .scheduler(time.scheduler())
                .build()) {
            AwsCredentials first = provider.resolveCredentials();
            assertThat(sts.webIdentityCalls()).isEqualTo(1);
            assertThat(sts.assumeRoleCalls()).isEqualTo(1);

            // Step through the prefetch window: the background refresh is throttled twice, backs off, then succeeds.
            AwsCredentials latest = first;
            Instant stale = T0.plus(Duration.ofMinutes(59));
            while (time.now().isBefore(stale) && latest == first) {
                time.advance(Duration.ofSeconds(5));
                latest = provider.resolveCredentials();
                assertThat(latest.accessKeyId()).as("cached or refreshed, never another").isIn(first.accessKeyId(),
                        "ASIAKEYLESSTEST2");
            }

            assertThat(latest).as("refreshed before the cached credentials went stale").isNotSameAs(first);
            assertThat(((AwsSessionCredentials) latest).expirationTime()).hasValue(T0.plus(Duration.ofHours(2)));
            assertThat(sts.assumeRoleCalls()).as("one success, two throttled, one success").isEqualTo(4);
            assertThat(sts.webIdentityCalls()).as("the first hop's session was reused").isEqualTo(1);
        }
    }

    @Test
    void expiredTokenAtHop2_nextAttemptStartsAgainFromTheWebIdentityToken() {
        sts.chainSequence(T0.plus(Duration.ofHours(12)),
                error(400, "ExpiredToken", "The security token included in the request is expired"),
                sts.assumeRoleSuccess(T0.plus(Duration.ofHours(1))));
        try (WebIdentityCredentialsProvider provider = builder()
                .thenAssumeRole(CHAINED_ROLE_ARN)
                .stsClient(sts.client())
                .region(null).stsEndpoint(null)
                .scheduler(time.scheduler())
                .build()) {
            assertThat(catchThrowable(provider)).hasMessageContaining("STS answered 400 ExpiredToken")
                    .hasMessageContaining("the next attempt starts again from the web identity token");
            time.advance(Duration.ofMinutes(1));

            assertThat(provider.resolveCredentials()).isNotNull();
            assertThat(sts.webIdentityCalls()).as("a new first hop, not the 12-hour session STS refused").isEqualTo(2);
            assertThat(sts.assumeRoleCalls()).isEqualTo(2);
        }
    }

    @Test
    void sixtyFourCallers_noCredentialsYetWithSlowSts_oneCallPerHop() throws Exception {
        sts.server().stubFor(WireMock.post("/").withRequestBody(WireMock.matching(StsStub.WEB_IDENTITY_BODY))
                .willReturn(sts.success(T0.plus(Duration.ofHours(1))).withFixedDelay(300)));
        sts.server().stubFor(WireMock.post("/").withRequestBody(WireMock.matching(StsStub.ASSUME_ROLE_BODY))
                .willReturn(sts.assumeRoleSuccess(T0.plus(Duration.ofHours(1))).withFixedDelay(300)));
        int threads = 64;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (WebIdentityCredentialsProvider provider = builder().thenAssumeRole(CHAINED_ROLE_ARN).build()) {
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Future<AwsCredentials>> callers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                callers.add(pool.submit(() -> {
                    start.await();
                    AwsCredentials last = null;
                    for (int i = 0; i < 50; i++) {
                        last = provider.resolveCredentials();
                    }
                    return last;
                }));
            }
            Set<String> keys = ConcurrentHashMap.newKeySet();
            for (Future<AwsCredentials> caller : callers) {
                keys.add(caller.get(30, TimeUnit.SECONDS).accessKeyId());
            }
            assertThat(keys).containsExactly("ASIAKEYLESSTEST2");
            assertThat(sts.webIdentityCalls()).isEqualTo(1);
            assertThat(sts.assumeRoleCalls()).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void sixtyFourCallers_acrossAChainedRefreshWithHop2Held_oneCallPerHopAndNoCallerWaits() throws Exception {
        // Hop 2 of the background refresh is held (by an interceptor on the provider's own STS client) until every
        // caller has finished: a caller that waited for the refresh could never finish. Latches decide, not timing.
        CountDownLatch hop2Held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean hold = new AtomicBoolean();
        ExecutionInterceptor holder = new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                if (hold.get() && context.request() instanceof AssumeRoleRequest) {
                    hop2Held.countDown();
                    try {
                        release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        };
        sts.chainSequence(T0.plus(Duration.ofHours(1)), sts.assumeRoleSuccess(T0.plus(Duration.ofHours(1))),
                sts.assumeRoleSuccess(T0.plus(Duration.ofHours(2))));
        int threads = 64;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (WebIdentityCredentialsProvider provider = builder()
                .thenAssumeRole(CHAINED_ROLE_ARN)
                .stsClientCustomizer(b -> b.overrideConfiguration(
                        b.overrideConfiguration().toBuilder().addExecutionInterceptor(holder).build()))
                .build()) {
            AwsCredentials first = provider.resolveCredentials();
            hold.set(true);
            time.set(T0.plus(Duration.ofMinutes(56))); // past the prefetch point, before the stale point

            CyclicBarrier start = new CyclicBarrier(threads);
            Set<AwsCredentials> seen = ConcurrentHashMap.newKeySet();
            List<Future<?>> callers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                callers.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < 200; i++) {
                        seen.add(provider.resolveCredentials());
                    }
                    return null;
                }));
            }
            for (Future<?> caller : callers) {
                caller.get(30, TimeUnit.SECONDS);
            }

            assertThat(hop2Held.await(30, TimeUnit.SECONDS)).as("the background refresh reached hop 2").isTrue();
            assertThat(seen).as("every caller got the cached credentials at once").containsExactly(first);
            // The first hop's session expires within the prefetch time, so the refresh began with the token.
            assertThat(sts.webIdentityCalls()).isEqualTo(2);
            assertThat(sts.assumeRoleCalls()).as("hop 2 is still held").isEqualTo(1);

            release.countDown();
            time.set(T0.plus(Duration.ofMinutes(59)).plusSeconds(30)); // past the first credentials' stale point
            AwsCredentials refreshed = provider.resolveCredentials();
            assertThat(refreshed).isNotSameAs(first);
            assertThat(((AwsSessionCredentials) refreshed).expirationTime()).hasValue(T0.plus(Duration.ofHours(2)));
            assertThat(sts.webIdentityCalls()).isEqualTo(2);
            assertThat(sts.assumeRoleCalls()).isEqualTo(2);
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void chainedSessionDurationOverOneHour_failsAtBuild_namingTheHopAndTheCap() {
        assertThatThrownBy(() -> builder()
                .thenAssumeRole(hop -> hop.roleArn(CHAINED_ROLE_ARN).sessionDuration(Duration.ofHours(2)))
                .build())
                .isInstanceOfSatisfying(InvalidSettingException.class,
                        e -> assertThat(e.setting()).isEqualTo(Setting.CHAINED_ROLES))
                .hasMessage("chainedRoles[0] (hop 2, " + CHAINED_ROLE_ARN + "): sessionDuration PT2H is longer than "
                        + "one hour: AWS caps the session of a chained role (one assumed with another role's "
                        + "credentials) at one hour, whatever the role's MaxSessionDuration.");
        assertThat(sts.calls()).isZero();
    }

    @Test
    void invalidHopSettings_failAtBuild_namingTheHopAndTheValue() {
        assertThatThrownBy(() -> builder().thenAssumeRole("arn:aws:s3:::orders").build())
                .hasMessageContaining("chainedRoles[0] (hop 2, arn:aws:s3:::orders): roleArn 'arn:aws:s3:::orders' "
                        + "is not an IAM role ARN");
        assertThatThrownBy(() -> builder().thenAssumeRole(CHAINED_ROLE_ARN)
                .thenAssumeRole(hop -> hop.roleArn(CHAINED_ROLE_ARN).putSessionTag("team", "checkout")
                        .transitiveTagKeys(List.of("env")))
                .build())
                .hasMessageContaining("chainedRoles[1] (hop 3, " + CHAINED_ROLE_ARN + "): transitiveTagKeys names "
                        + "'env', which is not one of the session tags' keys [team]");
        assertThatThrownBy(() -> builder().thenAssumeRole(hop -> hop.roleArn(CHAINED_ROLE_ARN).sourceIdentity("aws:x"))
                .build())
                .hasMessageContaining("sourceIdentity: the source identity \"aws:x\" is not one STS accepts");
        assertThatThrownBy(() -> builder().thenAssumeRole(hop -> hop.roleArn(CHAINED_ROLE_ARN).externalId("x"))
                .build())
                .hasMessageContaining("externalId: the external ID (not shown, 1 characters) is not one STS accepts")
                .hasMessageNotContaining("'x'");
    }

    @Test
    void prefetchTimeNotShorterThanAChainedHopsSession_failsAtBuild_namingTheHop() {
        assertThatThrownBy(() -> builder().prefetchTime(Duration.ofMinutes(20))
                .thenAssumeRole(hop -> hop.roleArn(CHAINED_ROLE_ARN).sessionDuration(Duration.ofMinutes(15)))
                .build())
                .isInstanceOfSatisfying(InvalidSettingException.class,
                        e -> assertThat(e.setting()).isEqualTo(Setting.PREFETCH_TIME))
                .hasMessage("prefetchTime (PT20M) must be less than the session duration of chainedRoles[0] (hop 2, "
                        + CHAINED_ROLE_ARN + ", PT15M).");
    }

    @Test
    void sourceIdentitySetAtHop2_isCarriedByHop3_whoseAccessDeniedAsksForSetSourceIdentity() {
        String thirdRole = "arn:aws:iam::333333333333:role/audit-reader";
        sts.chainSequence(T0.plus(Duration.ofHours(1)), sts.assumeRoleSuccess(T0.plus(Duration.ofHours(1))),
                error(403, "AccessDenied", "not authorized to perform: sts:AssumeRole"));
        try (WebIdentityCredentialsProvider provider = builder()
                .thenAssumeRole(hop -> hop.roleArn(CHAINED_ROLE_ARN).sourceIdentity("alice"))
                .thenAssumeRole(thirdRole)
                .build()) {
            assertThat(catchThrowable(provider)).hasMessageContaining("(hop 3 of 3")
                    .hasMessageContaining("Action sts:AssumeRole, sts:SetSourceIdentity");
        }
    }

    @Test
    void chainedRole_toStringAndProviderToString_showNoExternalIdOrTagValue() {
        ChainedRole role = ChainedRole.builder().roleArn(CHAINED_ROLE_ARN).externalId(EXTERNAL_ID)
                .putSessionTag("team", "checkout-secret-team").build();
        try (WebIdentityCredentialsProvider provider = builder().thenAssumeRole(role).build()) {
            assertThat(List.of(role.toString(), provider.toString(), provider.toBuilder().toString()))
                    .allSatisfy(text -> assertThat(text).contains(CHAINED_ROLE_ARN).contains("team")
                            .doesNotContain(EXTERNAL_ID).doesNotContain("checkout-secret-team"));
            assertThat(provider.chainedRoles()).containsExactly(role);
            assertThat(provider.roleArn()).isEqualTo(ROLE_ARN);
            assertThat(provider.targetRoleArn()).isEqualTo(CHAINED_ROLE_ARN);
        }
    }

    private static Throwable catchThrowable(WebIdentityCredentialsProvider provider) {
        try {
            provider.resolveCredentials();
        } catch (RuntimeException e) {
            return e;
        }
        throw new AssertionError("resolveCredentials() succeeded; expected a failure");
    }
}
