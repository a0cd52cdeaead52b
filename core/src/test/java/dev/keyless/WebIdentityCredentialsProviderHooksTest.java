package dev.keyless;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.keyless.settings.InvalidSettingException;
import dev.keyless.settings.Setting;
import dev.keyless.settings.Settings;
import dev.keyless.testing.StsStub;
import dev.keyless.testing.TestTokens;
import dev.keyless.token.WebIdentityToken;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/** The public hooks that let the starter, the CLI and users build on core without a copy of it. */
class WebIdentityCredentialsProviderHooksTest {

    private final StsStub sts = new StsStub();

    @AfterEach
    void stop() {
        sts.close();
    }

    private WebIdentityCredentialsProvider.Builder provider() {
        return WebIdentityCredentialsProvider.builder()
                .roleArn(StsStub.ROLE_ARN)
                .tokenSource(() -> WebIdentityToken.of(TestTokens.gke(Instant.now(), Duration.ofHours(1)), "test"));
    }

    @Test
    void refreshListener_isToldOfEachRefreshWithClaimsButNeverTheToken() {
        List<Object> events = new CopyOnWriteArrayList<>();
        RefreshListener listener = new RefreshListener() {
            @Override
            public void refreshStarted(Started event) {
                events.add(event);
            }

            @Override
            public void refreshSucceeded(Succeeded event) {
                events.add(event);
            }

            @Override
            public void refreshFailed(Failed event) {
                events.add(event);
            }
        };
        Instant expiration = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
        sts.fail(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
        try (WebIdentityCredentialsProvider provider = provider().stsEndpoint(sts.endpoint())
                .refreshListener(listener).build()) {
            assertThatThrownBy(provider::resolveCredentials).isInstanceOf(WebIdentityCredentialsException.class);

            assertThat(events).hasSize(2);
            assertThat(events.get(0)).isEqualTo(new RefreshListener.Started(StsStub.ROLE_ARN));
            RefreshListener.Failed failed = (RefreshListener.Failed) events.get(1);
            assertThat(failed.kind()).isEqualTo(FailureKind.ACCESS_DENIED);
            assertThat(failed.stsErrorCode()).isEqualTo("AccessDenied");
            assertThat(failed.stsStatusCode()).isEqualTo(403);
            assertThat(failed.tokenClaims().subject()).isEqualTo("system:serviceaccount:checkout:checkout-api");
            assertThat(failed.nextAttempt()).isAfter(Instant.now());
            assertThat(failed.toString()).doesNotContain("eyJ");
        }
        sts.succeed(expiration);
        events.clear();
        try (WebIdentityCredentialsProvider provider = provider().stsEndpoint(sts.endpoint())
                .refreshListener(listener).build()) {
            provider.resolveCredentials();

            RefreshListener.Succeeded succeeded = (RefreshListener.Succeeded) events.get(1);
            assertThat(succeeded.expiration()).isEqualTo(expiration);
            assertThat(succeeded.nextRefresh()).isBefore(expiration.minus(Duration.ofMinutes(5)).plusSeconds(1));
            assertThat(succeeded.tokenSource()).isEqualTo("test");
            assertThat(succeeded.tokenClaims().isGke()).isTrue();
            assertThat(succeeded.toString()).doesNotContain("eyJ", StsStub.SECRET_PREFIX, StsStub.SESSION_TOKEN_PREFIX);
        }
    }

    @Test
    void refreshListenerThatThrows_doesNotBreakTheProvider() {
        sts.succeed(Instant.now().plus(Duration.ofHours(1)));
        try (WebIdentityCredentialsProvider provider = provider().stsEndpoint(sts.endpoint())
                .refreshListener(new RefreshListener() {
                    @Override
                    public void refreshSucceeded(Succeeded event) {
                        throw new IllegalStateException("listener bug");
                    }
                }).build()) {
            assertThat(provider.resolveCredentials().accessKeyId()).startsWith("ASIAKEYLESSTEST");
        }
    }

    @Test
    void addRefreshListener_isToldAfterTheRefreshListener_andNeitherReplacesTheOther() {
        sts.succeed(Instant.now().plus(Duration.ofHours(1)));
        List<String> told = new CopyOnWriteArrayList<>();
        WebIdentityCredentialsProvider.Builder builder = provider().stsEndpoint(sts.endpoint())
                .addRefreshListener(new RefreshListener() {
                    @Override
                    public void refreshSucceeded(Succeeded event) {
                        throw new IllegalStateException("listener bug");
                    }
                })
                .addRefreshListener(new RefreshListener() {
                    @Override
                    public void refreshSucceeded(Succeeded event) {
                        told.add("added");
                    }
                })
                .refreshListener(new RefreshListener() {
                    @Override
                    public void refreshSucceeded(Succeeded event) {
                        told.add("set");
                    }
                });
        try (WebIdentityCredentialsProvider provider = builder.build()) {
            provider.resolveCredentials();

            assertThat(told).as("the set listener first, then the added ones; one that throws stops no other")
                    .containsExactly("set", "added");
        }
        told.clear();
        try (WebIdentityCredentialsProvider copy = builder.copy().build()) {
            copy.resolveCredentials();

            assertThat(told).containsExactly("set", "added");
        }
    }

    @Test
    void stsClientCustomizer_addsAnInterceptor_andKeepsRedactionAndRetries() {
        AtomicInteger seen = new AtomicInteger();
        ExecutionInterceptor counting = new ExecutionInterceptor() {
            @Override
            public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
                seen.incrementAndGet();
            }
        };
        String token = TestTokens.gke(Instant.now(), Duration.ofHours(1));
        // A customizer that throws away the whole override configuration: redaction must survive it.
        sts.fail(400, "InvalidIdentityToken", "Token " + token + " is not valid");
        try (WebIdentityCredentialsProvider provider = WebIdentityCredentialsProvider.builder()
                .roleArn(StsStub.ROLE_ARN)
                .tokenSource(() -> WebIdentityToken.of(token, "test"))
                .stsEndpoint(sts.endpoint())
                .stsClientCustomizer(b -> b.overrideConfiguration(ClientOverrideConfiguration.builder()
                        .addExecutionInterceptor(counting).build()))
                .build()) {
            WebIdentityCredentialsException e = catchThrowableOfType(WebIdentityCredentialsException.class,
                    provider::resolveCredentials);
            assertThat(e.stsErrorCode()).isEqualTo("InvalidIdentityToken");
            for (Throwable t = e; t != null; t = t.getCause()) {
                assertThat(String.valueOf(t.getMessage())).doesNotContain(token).doesNotContain("eyJ");
            }
        }
        sts.succeed(Instant.now().plus(Duration.ofHours(1)));
        try (WebIdentityCredentialsProvider provider = provider().stsEndpoint(sts.endpoint())
                .stsClientCustomizer(b -> b.overrideConfiguration(c -> c.addExecutionInterceptor(counting))).build()) {
            provider.resolveCredentials();
            assertThat(seen).as("the customizer's interceptor ran on the default client").hasValue(1);
        }
    }

    @Test
    void defaultStsClient_honoursTheSdksEndpointSettings() {
        sts.succeed(Instant.now().plus(Duration.ofHours(1)));
        System.setProperty("aws.endpointUrlSts", sts.endpoint().toString());
        try (WebIdentityCredentialsProvider provider = provider().build()) {
            AwsCredentials credentials = provider.resolveCredentials();

            assertThat(credentials.accessKeyId()).startsWith("ASIAKEYLESSTEST");
            sts.server().verify(1, postRequestedFor(urlEqualTo("/")));
        } finally {
            System.clearProperty("aws.endpointUrlSts");
        }
    }

    @Test
    void settings_roleArnFromTheSystemPropertyWinsOverTheEnvironment() {
        Settings settings = Settings.from(Map.of("aws.roleArn", StsStub.ROLE_ARN)::get,
                Map.of("AWS_ROLE_ARN", "arn:aws:iam::999999999999:role/other")::get);
        try (WebIdentityCredentialsProvider provider = WebIdentityCredentialsProvider.builder().settings(settings)
                .tokenSource(() -> null).build()) {
            assertThat(provider.roleArn()).isEqualTo(StsStub.ROLE_ARN);
        }
    }

    @Test
    void invalidSetting_namesTheSettingAndValueAsData() {
        InvalidSettingException e = catchThrowableOfType(InvalidSettingException.class, () -> provider()
                .prefetchTime(Duration.ofSeconds(30)).build());

        assertThat(e.setting()).isEqualTo(Setting.STALE_TIME);
        assertThat(e.value()).isEqualTo("PT1M");
        assertThat(e).hasMessage("staleTime (PT1M) must be less than or equal to prefetchTime (PT30S).");
        assertThat(e.describe(s -> "<" + s.name() + ">"))
                .isEqualTo("<STALE_TIME> (PT1M) must be less than or equal to <PREFETCH_TIME> (PT30S).");
    }

    @Test
    void close_thenResolve_failsAsDocumented() {
        sts.succeed(Instant.now().plus(Duration.ofHours(1)));
        WebIdentityCredentialsProvider provider = provider().stsEndpoint(sts.endpoint()).build();
        provider.resolveCredentials();

        provider.close();

        assertThatThrownBy(provider::resolveCredentials).isInstanceOf(WebIdentityCredentialsException.class)
                .hasMessageContaining("is closed");
        assertThat(provider.resolveIdentity()).isCompletedExceptionally();
        sts.server().verify(1, postRequestedFor(urlEqualTo("/")));
    }
}
