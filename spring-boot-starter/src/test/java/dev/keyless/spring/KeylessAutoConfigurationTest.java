package dev.keyless.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.testing.StsStub;
import dev.keyless.testing.TestTokens;
import io.awspring.cloud.autoconfigure.core.CredentialsProviderAutoConfiguration;
import io.awspring.cloud.autoconfigure.core.RegionProviderAutoConfiguration;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.StandardEnvironment;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * {@link KeylessAutoConfiguration}: when the provider bean exists, how each {@code keyless.*} property reaches
 * it, and how bad values fail startup. STS is a WireMock stub, the token a GKE-shaped token in a file.
 */
class KeylessAutoConfigurationTest {

    private static final String ROLE_ARN = StsStub.ROLE_ARN;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KeylessAutoConfiguration.class,
                    KeylessHealthAutoConfiguration.class, KeylessEndpointAutoConfiguration.class,
                    KeylessMetricsAutoConfiguration.class, RegionProviderAutoConfiguration.class,
                    CredentialsProviderAutoConfiguration.class));

    private StsStub sts;
    private Path tokenFile;
    private String token;

    @BeforeEach
    void setUp(@TempDir Path dir) throws IOException {
        sts = new StsStub();
        sts.succeed(Instant.now().plus(Duration.ofHours(1)));
        token = TestTokens.gke(Instant.now(), Duration.ofHours(1));
        tokenFile = Files.writeString(dir.resolve("token"), token, StandardCharsets.UTF_8);
    }

    @AfterEach
    void tearDown() {
        sts.close();
    }

    private ApplicationContextRunner federated() {
        return runner.withPropertyValues("keyless.role-arn=" + ROLE_ARN, "keyless.token-file=" + tokenFile,
                "keyless.sts-endpoint=" + sts.endpoint());
    }

    @Test
    void noRoleArn_noKeylessProvider_springCloudAwsProvidesItsOwn() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).hasSingleBean(AwsCredentialsProvider.class);
            assertThat(context).doesNotHaveBean(WebIdentityCredentialsProvider.class);
            assertThat(context).doesNotHaveBean(KeylessFederation.class);
            assertThat(context).doesNotHaveBean(KeylessHealthIndicator.class);
        });
    }

    @Test
    void roleArn_keylessProviderIsTheOnlyCredentialsProvider_springCloudAwsBacksOff() {
        federated().run(context -> {
            assertThat(context).hasSingleBean(AwsCredentialsProvider.class);
            assertThat(context.getBean(AwsCredentialsProvider.class))
                    .isInstanceOf(WebIdentityCredentialsProvider.class)
                    .isSameAs(context.getBean(KeylessAutoConfiguration.PROVIDER_BEAN_NAME));
            assertThat(context).doesNotHaveBean("credentialsProvider");
            assertThat(context).hasSingleBean(KeylessHealthIndicator.class);
            assertThat(context).hasSingleBean(KeylessMetrics.class);
        });
    }

    @Test
    void awsRoleArnVariable_isTheFallback() {
        runner.withPropertyValues("AWS_ROLE_ARN=" + ROLE_ARN, "keyless.token-file=" + tokenFile,
                "keyless.sts-endpoint=" + sts.endpoint()).run(context -> {
            resolve(context.getBean(WebIdentityCredentialsProvider.class));
            assertThat(sts.requests()).singleElement().satisfies(r -> assertThat(r).containsEntry("RoleArn", ROLE_ARN));
        });
    }

    @Test
    void autoTokenSource_detectsTheTokenFileFromSpringsEnvironment() {
        // Only in Spring's environment (a property, as a ConfigMap might give it), not in the process's.
        runner.withPropertyValues("keyless.role-arn=" + ROLE_ARN, "AWS_WEB_IDENTITY_TOKEN_FILE=" + tokenFile,
                "keyless.sts-endpoint=" + sts.endpoint()).run(context -> {
            resolve(context.getBean(WebIdentityCredentialsProvider.class));
            assertThat(context.getBean(KeylessFederation.class).tokenSource().toString())
                    .contains("file " + tokenFile);
            assertThat(sts.requests()).singleElement().satisfies(r -> assertThat(r).containsEntry("RoleArn", ROLE_ARN));
        });
    }

    @Test
    void roleArn_sdkSystemPropertyWinsOverTheVariable_asInTheSdk() {
        runner.withPropertyValues("AWS_ROLE_ARN=arn:aws:iam::999999999999:role/from-variable",
                "aws.roleArn=" + ROLE_ARN, "keyless.token-file=" + tokenFile,
                "keyless.sts-endpoint=" + sts.endpoint()).run(context -> {
            assertThat(context.getBean(KeylessFederation.class).roleArn()).isEqualTo(ROLE_ARN);
            resolve(context.getBean(WebIdentityCredentialsProvider.class));
            assertThat(sts.requests()).singleElement().satisfies(r -> assertThat(r).containsEntry("RoleArn", ROLE_ARN));
        });
        runner.withPropertyValues("AWS_ROLE_ARN=arn:aws:iam::999999999999:role/from-variable",
                "aws.roleArn=arn:aws:iam::888888888888:role/from-property", "keyless.role-arn=" + ROLE_ARN)
                .run(context -> assertThat(context.getBean(KeylessFederation.class).roleArn()).isEqualTo(ROLE_ARN));
    }

    @Test
    void applicationDefinedProvider_wins() {
        runner.withPropertyValues("keyless.role-arn=" + ROLE_ARN).withUserConfiguration(OwnProvider.class)
                .run(context -> {
                    assertThat(context).hasSingleBean(AwsCredentialsProvider.class);
                    assertThat(context).getBean(AwsCredentialsProvider.class).isSameAs(OwnProvider.PROVIDER);
                    assertThat(context).doesNotHaveBean(KeylessFederation.class);
                    assertThat(context).doesNotHaveBean("credentialsProvider");
                });
    }

    @Test
    void enabledFalse_configuresNothing() {
        federated().withPropertyValues("keyless.enabled=false").run(context -> {
            assertThat(context).doesNotHaveBean(WebIdentityCredentialsProvider.class);
            assertThat(context).doesNotHaveBean(KeylessProperties.class);
            assertThat(context).hasBean("credentialsProvider");
        });
    }

    @Test
    void requestProperties_reachTheStsCall() {
        federated().withPropertyValues("keyless.role-session-name=checkout-api-session",
                "keyless.session-duration=2h").run(context -> {
            AwsSessionCredentials credentials = resolve(context.getBean(WebIdentityCredentialsProvider.class));
            assertThat(credentials.accessKeyId()).startsWith("ASIAKEYLESSTEST");
            assertThat(sts.requests()).singleElement().satisfies(r -> assertThat(r)
                    .containsEntry("Action", "AssumeRoleWithWebIdentity")
                    .containsEntry("RoleArn", ROLE_ARN)
                    .containsEntry("RoleSessionName", "checkout-api-session")
                    .containsEntry("DurationSeconds", "7200")
                    .containsEntry("WebIdentityToken", token));
        });
    }

    @Test
    void tokenFileFromEnvironment_whenTokenSourceIsFile() {
        runner.withPropertyValues("keyless.role-arn=" + ROLE_ARN, "keyless.token-source=file",
                "AWS_WEB_IDENTITY_TOKEN_FILE=" + tokenFile, "keyless.sts-endpoint=" + sts.endpoint()).run(context -> {
            assertThat(context.getBean(KeylessFederation.class).tokenSource().toString()).contains(tokenFile.toString());
            resolve(context.getBean(WebIdentityCredentialsProvider.class));
            assertThat(sts.requests()).singleElement().satisfies(r -> assertThat(r)
                    .containsEntry("WebIdentityToken", token));
        });
    }

    @Test
    void tokenSourceAndAudience_chooseTheSource() {
        runner.withPropertyValues("keyless.role-arn=" + ROLE_ARN, "keyless.token-source=metadata-server",
                "keyless.audience=112233445566778899001").run(context -> assertThat(
                        context.getBean(KeylessFederation.class).tokenSource().toString())
                .contains("metadata server").contains("112233445566778899001"));
        runner.withPropertyValues("keyless.role-arn=" + ROLE_ARN, "keyless.token-source=google-credentials")
                .run(context -> assertThat(context.getBean(KeylessFederation.class).tokenSource().toString())
                        .contains("Application Default Credentials"));
        runner.withPropertyValues("keyless.role-arn=" + ROLE_ARN).run(context -> assertThat(
                context.getBean(KeylessFederation.class).tokenSource().toString()).contains("detection"));
    }

    @Test
    void region_choosesTheStsClientRegion() {
        runner.withPropertyValues("keyless.role-arn=" + ROLE_ARN, "keyless.region=eu-west-1").run(context ->
                assertThat(context.getBean(KeylessFederation.class).region())
                        .isEqualTo(Region.EU_WEST_1));
        runner.withPropertyValues("keyless.role-arn=" + ROLE_ARN, "AWS_REGION=ap-southeast-2").run(context ->
                assertThat(context.getBean(KeylessFederation.class).region())
                        .isEqualTo(Region.AP_SOUTHEAST_2));
    }

    @Test
    void refreshStale_reachesTheProvider() {
        // Credentials that expire in 30 minutes are already stale with stale=40m: the provider refuses them.
        sts.succeed(Instant.now().plus(Duration.ofMinutes(30)));
        federated().withPropertyValues("keyless.refresh.prefetch=45m", "keyless.refresh.stale=40m").run(context -> {
            WebIdentityCredentialsProvider provider = context.getBean(WebIdentityCredentialsProvider.class);
            assertThat(catchThrowable(provider::resolveCredentials))
                    .hasMessageContaining("within staleTime");
        });
    }

    @Test
    void refreshPrefetch_reachesTheProvider() throws InterruptedException {
        // prefetch=10m (less up to 5m of jitter) is due 9 minutes before expiry; the default 5m is not.
        Instant expiration = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
        sts.succeed(expiration);
        MutableClock clock = new MutableClock(Instant.now());
        KeylessProperties properties = new KeylessProperties();
        properties.setRoleArn(ROLE_ARN);
        properties.setTokenFile(tokenFile.toString());
        properties.setStsEndpoint(sts.endpoint());
        properties.getRefresh().setPrefetch(Duration.ofMinutes(10));
        try (KeylessFederation federation = KeylessFederation.create(properties, new StandardEnvironment(),
                getClass().getClassLoader(), clock)) {
            CountDownLatch secondCall = new CountDownLatch(2);
            federation.refreshes().addListener(attempt -> secondCall.countDown());
            String first = federation.provider().resolveCredentials().accessKeyId();

            clock.set(expiration.minus(Duration.ofMinutes(9)));
            String cached = federation.provider().resolveCredentials().accessKeyId();

            assertThat(cached).as("credentials still valid: served from the cache").isEqualTo(first);
            assertThat(secondCall.await(30, TimeUnit.SECONDS)).as("background refresh within the prefetch time")
                    .isTrue();
            assertThat(sts.calls()).isEqualTo(2);
        }
    }

    @Test
    void unknownTokenSource_failsStartupNamingTheProperty() {
        assertBindingFails(federated().withPropertyValues("keyless.token-source=kubelet"), "keyless.token-source");
    }

    @Test
    void unreadableDuration_failsStartupNamingTheProperty() {
        assertBindingFails(federated().withPropertyValues("keyless.refresh.prefetch=soon"),
                "keyless.refresh.prefetch");
    }

    @Test
    void stsEndpointWithoutScheme_failsStartupNamingTheProperty() {
        assertStartupFails(runner.withPropertyValues("keyless.role-arn=" + ROLE_ARN,
                "keyless.sts-endpoint=sts.eu-west-1.amazonaws.com"), "keyless.sts-endpoint", "https://");
    }

    @Test
    void blankAudience_failsStartupNamingTheProperty() {
        assertStartupFails(runner.withPropertyValues("keyless.role-arn=" + ROLE_ARN,
                "keyless.token-source=metadata-server", "keyless.audience= "), "keyless.audience", "must not be blank");
    }

    @Test
    void tokenFileThatIsNoPath_failsStartupNamingTheProperty() {
        assertStartupFails(runner.withPropertyValues("keyless.role-arn=" + ROLE_ARN,
                "keyless.token-file=token\u0000file"), "keyless.token-file", "Not a file path");
    }

    @Test
    void configurationMetadata_explainsEveryProperty() throws IOException, ParseException {
        // What spring-boot-configuration-processor wrote from the javadoc, plus the hand-written hints.
        Map<String, Object> metadata = JSONObjectUtils.parse(Files.readString(
                Path.of("target/classes/META-INF/spring-configuration-metadata.json"), StandardCharsets.UTF_8));
        List<?> properties = (List<?>) metadata.get("properties");
        Map<Object, Object> descriptions = new java.util.HashMap<>();
        properties.forEach(p -> descriptions.put(((Map<?, ?>) p).get("name"), ((Map<?, ?>) p).get("description")));

        assertThat(descriptions).containsOnlyKeys("keyless.enabled", "keyless.role-arn", "keyless.token-source",
                "keyless.token-file", "keyless.audience", "keyless.role-session-name", "keyless.session-duration",
                "keyless.region", "keyless.sts-endpoint", "keyless.refresh.prefetch", "keyless.refresh.stale",
                "keyless.fail-fast", "keyless.chain", "keyless.providers", "keyless.clients", "keyless.profile",
                "management.endpoint.keyless.access",
                "management.endpoint.keyless.cache.time-to-live");
        assertThat(descriptions.values()).allSatisfy(d -> assertThat(d).asString().hasSizeGreaterThan(30));
        assertThat(metadata.get("hints").toString())
                .contains("auto", "file", "metadata-server", "google-credentials");
        // A named provider has the main provider's settings: the IDE completes them from the map's value type.
        Map<?, ?> providers = properties.stream().map(p -> (Map<?, ?>) p)
                .filter(p -> "keyless.providers".equals(p.get("name"))).findFirst().orElseThrow();
        assertThat(providers.get("type")).asString().endsWith("dev.keyless.spring.KeylessProviderProperties>");
        assertThat(((List<?>) metadata.get("hints")).stream().map(h -> (Map<?, ?>) h)
                .filter(h -> "keyless.clients.keys".equals(h.get("name"))).findFirst().orElseThrow().toString())
                .contains("s3", "sqs", "sns", "dynamodb", "ses", "secrets-manager", "parameter-store", "cloudwatch");
    }

    @Test
    void failFastWithoutRoleArn_failsEvenThoughSpringCloudAwsHasCredentials() {
        assertStartupFails(runner.withPropertyValues("keyless.fail-fast=true"), "keyless.role-arn",
                "no role ARN is configured");
    }

    @Test
    void failFastWithApplicationDefinedProvider_hasNothingToCheck() {
        runner.withPropertyValues("keyless.fail-fast=true", "keyless.role-arn=" + ROLE_ARN)
                .withUserConfiguration(OwnProvider.class)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(sts.calls()).isZero();
                });
    }

    @Test
    void badRoleArn_failsStartupNamingTheProperty() {
        assertStartupFails(runner.withPropertyValues("keyless.role-arn=arn:aws:s3:::not-a-role"),
                "keyless.role-arn", "not an IAM role ARN");
    }

    @Test
    void badRoleArnFromEnvironment_saysWhereItCameFrom() {
        assertStartupFails(runner.withPropertyValues("AWS_ROLE_ARN=checkout"), "keyless.role-arn", "AWS_ROLE_ARN");
    }

    @Test
    void badSessionDuration_failsStartupNamingTheProperty() {
        assertStartupFails(federated().withPropertyValues("keyless.session-duration=1m"),
                "keyless.session-duration", "between");
    }

    @Test
    void badRoleSessionName_failsStartupNamingTheProperty() {
        assertStartupFails(federated().withPropertyValues("keyless.role-session-name=no spaces allowed"),
                "keyless.role-session-name", "not a valid role session name");
    }

    @Test
    void prefetchShorterThanStale_failsStartupNamingBothProperties() {
        assertStartupFails(federated().withPropertyValues("keyless.refresh.prefetch=30s"),
                "keyless.refresh.stale", "keyless.refresh.prefetch (PT30S)");
    }

    @Test
    void fileSourceWithoutAFile_failsStartupNamingTokenFile() {
        assertStartupFails(runner.withPropertyValues("keyless.role-arn=" + ROLE_ARN, "keyless.token-source=file"),
                "keyless.token-file", "AWS_WEB_IDENTITY_TOKEN_FILE");
    }

    @Test
    void badRegion_failsStartupNamingTheProperty() {
        assertStartupFails(federated().withPropertyValues("keyless.region=Europe West"), "keyless.region",
                "eu-west-1");
    }

    @Test
    void withoutActuator_providerWithoutHealthOrEndpoint() {
        federated().withClassLoader(new FilteredClassLoader(HealthIndicator.class, Endpoint.class)).run(context -> {
            assertThat(context).hasSingleBean(WebIdentityCredentialsProvider.class);
            assertThat(context).doesNotHaveBean(KeylessHealthIndicator.class);
            assertThat(context).doesNotHaveBean(KeylessEndpoint.class);
        });
    }

    @Test
    void withoutMicrometer_providerWithoutMetrics() {
        federated().withClassLoader(new FilteredClassLoader(MeterBinder.class)).run(context -> {
            assertThat(context).hasSingleBean(WebIdentityCredentialsProvider.class);
            assertThat(context).doesNotHaveBean(KeylessMetrics.class);
        });
    }

    @Test
    void withoutSpringCloudAws_providerStillConfigured() {
        ApplicationContextRunner plain = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(KeylessAutoConfiguration.class))
                .withClassLoader(new FilteredClassLoader("io.awspring"))
                .withPropertyValues("keyless.role-arn=" + ROLE_ARN, "keyless.token-file=" + tokenFile,
                        "keyless.sts-endpoint=" + sts.endpoint());
        plain.run(context -> {
            assertThat(context).hasSingleBean(AwsCredentialsProvider.class);
            assertThat(resolve(context.getBean(WebIdentityCredentialsProvider.class)).accessKeyId())
                    .startsWith("ASIA");
        });
    }

    @Test
    void withoutGoogleAuthLibrary_autoStillWorks_googleCredentialsFailsNamingTheDependency() {
        FilteredClassLoader noGoogleAuth = new FilteredClassLoader("com.google.auth");
        federated().withClassLoader(noGoogleAuth).run(context -> assertThat(
                resolve(context.getBean(WebIdentityCredentialsProvider.class)).accessKeyId()).startsWith("ASIA"));
        assertStartupFails(runner.withClassLoader(noGoogleAuth).withPropertyValues("keyless.role-arn=" + ROLE_ARN,
                "keyless.token-source=google-credentials"), "keyless.token-source", "google-auth-library-oauth2-http");
    }

    @Test
    void providerBean_isClosedWithTheContext() {
        WebIdentityCredentialsProvider[] provider = new WebIdentityCredentialsProvider[1];
        federated().run(context -> provider[0] = context.getBean(WebIdentityCredentialsProvider.class));
        assertThat(catchThrowable(provider[0]::resolveCredentials))
                .hasMessageContaining("is closed");
    }

    private static void assertStartupFails(ApplicationContextRunner runner, String property, String reason) {
        runner.run(context -> {
            assertThat(context).hasFailed();
            Throwable failure = context.getStartupFailure();
            Throwable root = failure;
            while (root != null && !(root instanceof InvalidConfigurationPropertyValueException)) {
                root = root.getCause();
            }
            assertThat(root).as("cause of %s", failure).isInstanceOf(InvalidConfigurationPropertyValueException.class);
            InvalidConfigurationPropertyValueException invalid = (InvalidConfigurationPropertyValueException) root;
            assertThat(invalid.getName()).isEqualTo(property);
            assertThat(invalid.getMessage()).contains(property).contains(reason);
        });
    }

    /** A value Spring cannot convert: binding fails, and the failure names the property. */
    private static void assertBindingFails(ApplicationContextRunner runner, String property) {
        runner.run(context -> {
            assertThat(context).hasFailed();
            Throwable root = context.getStartupFailure();
            while (root != null && !(root instanceof BindException)) {
                root = root.getCause();
            }
            assertThat(root).as("cause of %s", context.getStartupFailure()).isInstanceOf(BindException.class);
            assertThat(((BindException) root).getProperty().getName()).hasToString(property);
        });
    }

    static AwsSessionCredentials resolve(WebIdentityCredentialsProvider provider) {
        return (AwsSessionCredentials) provider.resolveCredentials();
    }

    /** A clock the test moves. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnProvider {
        static final AwsCredentialsProvider PROVIDER = StaticCredentialsProvider.create(
                AwsBasicCredentials.create("AKIDOWN", "own-secret"));

        @Bean
        AwsCredentialsProvider ownCredentialsProvider() {
            return PROVIDER;
        }
    }
}
