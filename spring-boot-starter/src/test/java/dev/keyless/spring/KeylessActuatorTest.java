package dev.keyless.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.testing.StsStub;
import dev.keyless.testing.TestTokens;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * Health {@code keyless}, the {@code keyless} endpoint, the meters and {@code keyless.fail-fast}, against a
 * WireMock STS; and that none of them ever shows the token, the secret key or the session token.
 */
class KeylessActuatorTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KeylessAutoConfiguration.class,
                    KeylessHealthAutoConfiguration.class, KeylessEndpointAutoConfiguration.class,
                    KeylessMetricsAutoConfiguration.class))
            .withPropertyValues("management.endpoints.web.exposure.include=health,keyless");

    private StsStub sts;
    private Path tokenFile;
    private String token;

    @BeforeEach
    void setUp(@TempDir Path dir) throws IOException {
        sts = new StsStub();
        token = TestTokens.gke(Instant.now(), Duration.ofHours(1));
        tokenFile = Files.writeString(dir.resolve("token"), token, StandardCharsets.UTF_8);
    }

    @AfterEach
    void tearDown() {
        sts.close();
    }

    private ApplicationContextRunner federated() {
        return runner.withPropertyValues("keyless.role-arn=" + StsStub.ROLE_ARN, "keyless.token-file=" + tokenFile,
                "keyless.sts-endpoint=" + sts.endpoint());
    }

    @Test
    void health_credentialsResolve_upWithRoleExpiryAndToken_stsCalledOnceForManyChecks() {
        Instant expiration = Instant.now().plus(Duration.ofHours(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        sts.succeed(expiration);
        federated().run(context -> {
            KeylessHealthIndicator indicator = context.getBean("keylessHealthIndicator", KeylessHealthIndicator.class);
            Health health = indicator.health();
            indicator.health();
            indicator.health();

            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails())
                    .containsEntry("roleArn", StsStub.ROLE_ARN)
                    .containsEntry("expiration", expiration.toString())
                    .containsEntry("accountId", StsStub.ACCOUNT_ID)
                    .containsEntry("tokenKind", "GKE projected service-account token")
                    .containsEntry("tokenSubject", "system:serviceaccount:checkout:checkout-api")
                    .containsKey("expiresIn");
            assertThat(health.getDetails().get("tokenSource").toString()).contains(tokenFile.toString());
            assertThat(sts.calls()).as("STS calls for three health checks").isEqualTo(1);
            assertNoSecrets(health.toString());
        });
    }

    @Test
    void health_accessDenied_downWithTheDiagnosis() {
        sts.fail(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
        federated().run(context -> {
            KeylessHealthIndicator indicator = context.getBean(KeylessHealthIndicator.class);
            Health health = indicator.health();
            indicator.health();

            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails())
                    .containsEntry("roleArn", StsStub.ROLE_ARN)
                    .containsEntry("stsErrorCode", "AccessDenied");
            assertThat(health.getDetails().get("error").toString())
                    .contains(StsStub.ROLE_ARN)
                    .contains("system:serviceaccount:checkout:checkout-api");
            assertThat(sts.calls()).as("the provider backs off; health checks do not retry").isEqualTo(1);
            assertNoSecrets(health.toString());
        });
    }

    @Test
    void endpoint_showsTokenReportTrustPolicyAndLastRefresh_neverTheTokenOrKeys() {
        sts.succeed(Instant.now().plus(Duration.ofHours(1)));
        federated().run(context -> {
            KeylessEndpoint endpoint = context.getBean(KeylessEndpoint.class);
            assertThat(endpoint.keyless()).containsEntry("lastRefresh",
                    "none yet: credentials are fetched on first use");

            context.getBean(WebIdentityCredentialsProvider.class).resolveCredentials();
            Map<String, Object> report = endpoint.keyless();

            assertThat(report).containsEntry("roleArn", StsStub.ROLE_ARN);
            assertThat(report.get("tokenSource").toString()).contains(tokenFile.toString());
            assertThat(report.get("token")).asInstanceOf(InstanceOfAssertFactories.MAP)
                    .containsEntry("kind", "GKE_PROJECTED_SERVICE_ACCOUNT")
                    .containsEntry("signatureVerified", false)
                    .containsEntry("findings", List.of())
                    .extractingByKey("claims", InstanceOfAssertFactories.MAP)
                    .containsEntry("iss", TestTokens.GKE_ISSUER)
                    .containsEntry("sub", "system:serviceaccount:checkout:checkout-api")
                    .containsEntry("aud", "sts.amazonaws.com");
            String host = TestTokens.GKE_ISSUER.substring("https://".length());
            assertThat(report.get("trustPolicy")).asInstanceOf(InstanceOfAssertFactories.MAP)
                    .containsEntry("Version", "2012-10-17");
            assertThat(report.get("trustPolicy").toString())
                    .contains("arn:aws:iam::" + StsStub.ACCOUNT_ID + ":oidc-provider/" + host)
                    .contains(host + ":sub=system:serviceaccount:checkout:checkout-api")
                    .contains(host + ":aud=sts.amazonaws.com")
                    .contains("sts:AssumeRoleWithWebIdentity");
            assertThat(report.get("lastRefresh")).asInstanceOf(InstanceOfAssertFactories.MAP)
                    .containsEntry("outcome", "success");
            assertThat(report).containsKey("credentialsExpiration");
            assertNoSecrets(report.toString());
        });
    }

    @Test
    void endpoint_expiredTokenInTheFile_reportsTheFindingWithItsFix() throws IOException {
        String expired = TestTokens.gke(Instant.now().minus(Duration.ofHours(3)), Duration.ofHours(1));
        Files.writeString(tokenFile, expired, StandardCharsets.UTF_8);
        federated().run(context -> {
            Map<String, Object> report = context.getBean(KeylessEndpoint.class).keyless();
            assertThat(report.get("token")).asInstanceOf(InstanceOfAssertFactories.MAP)
                    .extractingByKey("findings", InstanceOfAssertFactories.LIST)
                    .anySatisfy(finding -> assertThat(finding).asInstanceOf(InstanceOfAssertFactories.MAP)
                            .containsEntry("severity", "ERROR").containsEntry("code", "expired")
                            .containsKey("fix"));
            assertThat(report.toString()).doesNotContain(expired).doesNotContain("eyJ");
        });
    }

    @Test
    void endpoint_tokenFileMissing_showsTheTokenErrorAndNoTrustPolicy() throws IOException {
        Files.delete(tokenFile);
        federated().run(context -> {
            Map<String, Object> report = context.getBean(KeylessEndpoint.class).keyless();
            assertThat(report).doesNotContainKeys("token", "trustPolicy");
            assertThat(report.get("tokenError").toString()).contains(tokenFile.toString());
        });
    }

    @Test
    void endpoint_lastRefreshFailed_showsTheStsErrorCode() {
        sts.fail(400, "InvalidIdentityToken", "No OpenIDConnect provider found in your account");
        federated().run(context -> {
            try {
                context.getBean(WebIdentityCredentialsProvider.class).resolveCredentials();
            } catch (RuntimeException expected) {
                // the endpoint reports it
            }
            Map<String, Object> report = context.getBean(KeylessEndpoint.class).keyless();
            assertThat(report.get("lastRefresh")).asInstanceOf(InstanceOfAssertFactories.MAP)
                    .containsEntry("outcome", "InvalidIdentityToken")
                    .containsEntry("detail", "InvalidIdentityToken (HTTP 400)");
            assertNoSecrets(report.toString());
        });
    }

    @Test
    void endpoint_notExposed_noBean() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(KeylessAutoConfiguration.class,
                        KeylessEndpointAutoConfiguration.class))
                .withPropertyValues("keyless.role-arn=" + StsStub.ROLE_ARN)
                .run(context -> assertThat(context).doesNotHaveBean(KeylessEndpoint.class));
    }

    @Test
    void metrics_expiryGaugeAndRefreshTimerByOutcome() {
        sts.succeed(Instant.now().plus(Duration.ofHours(1)));
        federated().run(context -> {
            MeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(KeylessMetrics.class).bindTo(registry);
            assertThat(registry.get("keyless.credentials.expiry").gauge().value()).isNaN();

            context.getBean(WebIdentityCredentialsProvider.class).resolveCredentials();

            assertThat(registry.get("keyless.credentials.expiry").gauge().value()).isBetween(3500.0, 3600.0);
            assertThat(registry.get("keyless.refresh").tag("outcome", "success").timer().count()).isEqualTo(1);
        });
    }

    @Test
    void metrics_failedRefreshes_countedByStsErrorCodeAndTokenSourceError() throws IOException {
        sts.fail(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
        federated().run(context -> {
            MeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(KeylessMetrics.class).bindTo(registry);
            try {
                context.getBean(WebIdentityCredentialsProvider.class).resolveCredentials();
            } catch (RuntimeException expected) {
                // counted below
            }
            assertThat(registry.get("keyless.refresh").tag("outcome", "AccessDenied").timer().count()).isEqualTo(1);
        });
        Files.delete(tokenFile);
        federated().run(context -> {
            MeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(KeylessMetrics.class).bindTo(registry);
            try {
                context.getBean(WebIdentityCredentialsProvider.class).resolveCredentials();
            } catch (RuntimeException expected) {
                // counted below
            }
            assertThat(registry.get("keyless.refresh").tag("outcome", "token-source-error").timer().count())
                    .isEqualTo(1);
        });
    }

    @Test
    void failFast_accessDenied_stopsStartupWithTheDiagnosis() {
        sts.fail(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
        federated().withPropertyValues("keyless.fail-fast=true").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure())
                    .hasMessageContaining("keyless.fail-fast=true")
                    .hasMessageContaining(StsStub.ROLE_ARN)
                    .hasMessageContaining("AccessDenied")
                    .hasMessageContaining("sub=system:serviceaccount:checkout:checkout-api");
            assertNoSecrets(String.valueOf(context.getStartupFailure()));

            FailureAnalysis analysis = new KeylessFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis).as("Spring Boot's failure report").isNotNull();
            assertThat(analysis.getDescription()).contains(StsStub.ROLE_ARN).contains("STS said AccessDenied")
                    .contains("sub=system:serviceaccount:checkout:checkout-api");
            assertThat(analysis.getAction()).contains("trust policy").contains("keyless.fail-fast=false");
            assertNoSecrets(analysis.getDescription());
        });
    }

    @Test
    void failFast_success_credentialsFetchedDuringStartup() {
        sts.succeed(Instant.now().plus(Duration.ofHours(1)));
        federated().withPropertyValues("keyless.fail-fast=true").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(sts.calls()).isEqualTo(1);
        });
    }

    @Test
    void lazyByDefault_noStsCallAtStartup() {
        sts.succeed(Instant.now().plus(Duration.ofHours(1)));
        federated().run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(sts.calls()).isZero();
        });
    }

    @Test
    void failFast_withoutRoleArn_failsNamingRoleArn() {
        runner.withPropertyValues("keyless.fail-fast=true").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasMessageContaining("keyless.role-arn");
        });
    }

    private void assertNoSecrets(String output) {
        assertThat(output)
                .doesNotContain(token)
                .doesNotContain("eyJ")
                .doesNotContain(StsStub.SECRET_PREFIX)
                .doesNotContain(StsStub.SESSION_TOKEN_PREFIX);
    }

    @Test
    void healthAndEndpoint_claimsWithNewlinesAndEscapes_areEscaped() throws IOException {
        String forged = "x\n[PASS] forged\u001b[31m\u202e";
        Files.writeString(tokenFile, TestTokens.sign(TestTokens.gkeClaims(Instant.now(), Duration.ofHours(1))
                .subject(forged).build()), StandardCharsets.UTF_8);
        sts.fail(403, "AccessDenied", "Not authorized\n[PASS] from STS \u001b[2J");
        federated().run(context -> {
            Health health = context.getBean("keylessHealthIndicator", KeylessHealthIndicator.class).health();
            Map<String, Object> endpoint = context.getBean(KeylessEndpoint.class).keyless();

            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            String shown = health.getDetails().toString() + endpoint;
            assertThat(shown).contains("x\\n[PASS] forged\\u001b[31m\\u202e")
                    .doesNotContain("\n").doesNotContain("\u001b").doesNotContain("\u202e");
        });
    }
}
