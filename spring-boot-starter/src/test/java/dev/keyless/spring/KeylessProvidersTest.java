package dev.keyless.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.keyless.RefreshListener;
import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.testing.StsStub;
import dev.keyless.testing.TestTokens;
import io.awspring.cloud.autoconfigure.core.AwsAutoConfiguration;
import io.awspring.cloud.autoconfigure.core.CredentialsProviderAutoConfiguration;
import io.awspring.cloud.autoconfigure.core.RegionProviderAutoConfiguration;
import io.awspring.cloud.autoconfigure.s3.S3AutoConfiguration;
import io.awspring.cloud.autoconfigure.s3.S3ClientCustomizer;
import io.awspring.cloud.autoconfigure.sqs.SqsAsyncClientCustomizer;
import io.awspring.cloud.autoconfigure.sqs.SqsAutoConfiguration;
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
import java.util.concurrent.CopyOnWriteArrayList;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.support.SpringFactoriesLoader;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * Named providers ({@code keyless.providers.NAME.*}), their assignment to Spring Cloud AWS clients
 * ({@code keyless.clients.*}), {@link KeylessProviderCustomizer}, and how bad values fail startup. STS is a
 * WireMock stub, the token a GKE-shaped token in a file.
 */
class KeylessProvidersTest {

    private static final String ROLE_ARN = StsStub.ROLE_ARN;
    private static final String QUEUE_ROLE_ARN = "arn:aws:iam::" + StsStub.ACCOUNT_ID + ":role/checkout-queue-writer";
    private static final String QUEUE_BEAN = "keylessQueueCredentialsProvider";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KeylessAutoConfiguration.class,
                    KeylessClientsAutoConfiguration.class, KeylessHealthAutoConfiguration.class,
                    KeylessEndpointAutoConfiguration.class, KeylessMetricsAutoConfiguration.class,
                    RegionProviderAutoConfiguration.class, CredentialsProviderAutoConfiguration.class,
                    AwsAutoConfiguration.class, S3AutoConfiguration.class, SqsAutoConfiguration.class))
            .withPropertyValues("spring.cloud.aws.region.static=us-east-1",
                    "management.endpoints.web.exposure.include=health,keyless");

    private StsStub sts;
    private Path tokenFile;

    @BeforeEach
    void setUp(@TempDir Path dir) throws IOException {
        sts = new StsStub();
        sts.succeed(Instant.now().plus(Duration.ofHours(1)));
        tokenFile = Files.writeString(dir.resolve("token"), TestTokens.gke(Instant.now(), Duration.ofHours(1)),
                StandardCharsets.UTF_8);
    }

    @AfterEach
    void tearDown() {
        sts.close();
    }

    /** The main provider and a provider named {@code queue}, for another role. */
    private ApplicationContextRunner withQueueProvider() {
        return runner.withPropertyValues("keyless.role-arn=" + ROLE_ARN, "keyless.token-file=" + tokenFile,
                "keyless.sts-endpoint=" + sts.endpoint(),
                "keyless.providers.queue.role-arn=" + QUEUE_ROLE_ARN,
                "keyless.providers.queue.token-file=" + tokenFile,
                "keyless.providers.queue.sts-endpoint=" + sts.endpoint());
    }

    @Test
    void noNamedProviders_noProvidersBean_andNoCustomizers() {
        runner.withPropertyValues("keyless.role-arn=" + ROLE_ARN).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(KeylessProviders.class);
            assertThat(context).doesNotHaveBean(S3ClientCustomizer.class);
            assertThat(context).doesNotHaveBean(SqsAsyncClientCustomizer.class);
            assertThat(context.getBeanNamesForType(WebIdentityCredentialsProvider.class))
                    .containsExactly(KeylessAutoConfiguration.PROVIDER_BEAN_NAME);
        });
    }

    @Test
    void enabledFalse_noNamedProvidersAndNoClientMappings() {
        withQueueProvider().withPropertyValues("keyless.enabled=false", "keyless.clients.s3=queue").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(KeylessProviders.class);
            assertThat(context).doesNotHaveBean(QUEUE_BEAN);
            assertThat(context).doesNotHaveBean("keylessS3ClientCustomizer");
            assertThat(context).hasBean("credentialsProvider");
        });
    }

    @Test
    void namedProvider_isABeanOfItsOwnForItsRole_andTheMainProviderStaysTheOneInjectedByType() {
        withQueueProvider().run(context -> {
            assertThat(context).hasNotFailed();
            WebIdentityCredentialsProvider queue = context.getBean(QUEUE_BEAN, WebIdentityCredentialsProvider.class);
            assertThat(queue.roleArn()).isEqualTo(QUEUE_ROLE_ARN);
            assertThat(context.getBean(AwsCredentialsProvider.class))
                    .isSameAs(context.getBean(KeylessAutoConfiguration.PROVIDER_BEAN_NAME));
            assertThat(context).doesNotHaveBean("credentialsProvider");

            queue.resolveCredentials();

            assertThat(sts.requests()).singleElement()
                    .satisfies(r -> assertThat(r).containsEntry("RoleArn", QUEUE_ROLE_ARN));
        });
    }

    @Test
    void namedProvidersOnly_springCloudAwsKeepsItsOwnMainProvider() {
        runner.withPropertyValues("keyless.providers.queue.role-arn=" + QUEUE_ROLE_ARN,
                "keyless.providers.queue.token-file=" + tokenFile,
                "keyless.providers.queue.sts-endpoint=" + sts.endpoint()).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean(KeylessFederation.class);
            assertThat(context).hasBean("credentialsProvider");
            assertThat(context.getBean(AwsCredentialsProvider.class))
                    .isNotInstanceOf(WebIdentityCredentialsProvider.class);
            assertThat(context.getBean(QUEUE_BEAN, WebIdentityCredentialsProvider.class).roleArn())
                    .isEqualTo(QUEUE_ROLE_ARN);
            assertThat(context).hasSingleBean(KeylessHealthIndicator.class);
            assertThat(context).hasSingleBean(KeylessEndpoint.class);
        });
    }

    @Test
    void namedProvider_everySettingReachesIt() {
        runner.withPropertyValues("keyless.providers.team-queue.role-arn=" + QUEUE_ROLE_ARN,
                "keyless.providers.team-queue.token-file=" + tokenFile,
                "keyless.providers.team-queue.sts-endpoint=" + sts.endpoint(),
                "keyless.providers.team-queue.role-session-name=queue-session",
                "keyless.providers.team-queue.session-duration=2h",
                "keyless.providers.team-queue.region=eu-west-1",
                "keyless.providers.team-queue.refresh.prefetch=45m",
                "keyless.providers.team-queue.refresh.stale=40m").run(context -> {
            KeylessFederation federation = context.getBean(KeylessProviders.class).federations().get("team-queue");
            assertThat(federation.region().id()).isEqualTo("eu-west-1");
            assertThat(federation.tokenSource().toString()).contains(tokenFile.toString());
            WebIdentityCredentialsProvider provider = context.getBean("keylessTeamQueueCredentialsProvider",
                    WebIdentityCredentialsProvider.class);
            // Credentials that expire in 30 minutes are stale with stale=40m: the provider refuses them.
            sts.succeed(Instant.now().plus(Duration.ofMinutes(30)));
            assertThat(catchThrowable(provider::resolveCredentials)).hasMessageContaining("within staleTime");
            assertThat(sts.requests()).first().satisfies(r -> assertThat(r)
                    .containsEntry("RoleArn", QUEUE_ROLE_ARN)
                    .containsEntry("RoleSessionName", "queue-session")
                    .containsEntry("DurationSeconds", "7200"));
        });
        runner.withPropertyValues("keyless.providers.queue.role-arn=" + QUEUE_ROLE_ARN,
                "keyless.providers.queue.token-source=metadata-server",
                "keyless.providers.queue.audience=112233445566778899001").run(context -> assertThat(
                        context.getBean(KeylessProviders.class).federations().get("queue").tokenSource().toString())
                .contains("metadata server").contains("112233445566778899001"));
    }

    @Test
    void namedProvider_takesNothingFromTheMainProvidersSettings() {
        runner.withPropertyValues("keyless.role-arn=" + ROLE_ARN, "keyless.region=eu-west-1",
                "keyless.providers.queue.role-arn=" + QUEUE_ROLE_ARN, "AWS_REGION=ap-southeast-2").run(context ->
                assertThat(context.getBean(KeylessProviders.class).federations().get("queue").region().id())
                        .as("the environment's fallback, as for the main provider; not keyless.region")
                        .isEqualTo("ap-southeast-2"));
    }

    @Test
    void namedProviders_closedWithTheContext() {
        WebIdentityCredentialsProvider[] queue = new WebIdentityCredentialsProvider[1];
        withQueueProvider().run(context -> queue[0] = context.getBean(QUEUE_BEAN,
                WebIdentityCredentialsProvider.class));
        assertThat(catchThrowable(queue[0]::resolveCredentials)).hasMessageContaining("is closed");
    }

    @Test
    void clientsS3_signsTheS3ClientWithTheNamedProvider_unmappedSqsKeepsTheMainOne() {
        withQueueProvider().withPropertyValues("keyless.clients.s3=queue").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).hasSingleBean(S3ClientCustomizer.class);
            assertThat(context).doesNotHaveBean(SqsAsyncClientCustomizer.class);
            assertThat(context.getBean(S3Client.class).serviceClientConfiguration().credentialsProvider())
                    .isSameAs(context.getBean(QUEUE_BEAN));
            assertThat(context.getBean(SqsAsyncClient.class).serviceClientConfiguration().credentialsProvider())
                    .isSameAs(context.getBean(KeylessAutoConfiguration.PROVIDER_BEAN_NAME));
        });
    }

    @Test
    void clientsSqs_signsTheSqsClientWithTheNamedProvider() {
        withQueueProvider().withPropertyValues("keyless.clients.sqs=queue").run(context -> {
            assertThat(context.getBean(SqsAsyncClient.class).serviceClientConfiguration().credentialsProvider())
                    .isSameAs(context.getBean(QUEUE_BEAN));
            assertThat(context.getBean(S3Client.class).serviceClientConfiguration().credentialsProvider())
                    .isSameAs(context.getBean(KeylessAutoConfiguration.PROVIDER_BEAN_NAME));
        });
    }

    @Test
    void clientsMapping_customizerOnlyWithThatSpringCloudAwsModule() {
        ApplicationContextRunner keylessOnly = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(KeylessAutoConfiguration.class,
                        KeylessClientsAutoConfiguration.class))
                .withPropertyValues("keyless.providers.queue.role-arn=" + QUEUE_ROLE_ARN, "keyless.clients.s3=queue");
        keylessOnly.run(context -> assertThat(context).hasBean("keylessS3ClientCustomizer"));
        keylessOnly.withClassLoader(new FilteredClassLoader("io.awspring.cloud.autoconfigure.s3")).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).doesNotHaveBean("keylessS3ClientCustomizer");
        });
    }

    @Test
    void customizers_adjustEveryProviderInOrder_beforeItIsBuilt_andTheirListenerDoesNotBlindHealth() {
        withQueueProvider().withUserConfiguration(Customizers.class).run(context -> {
            assertThat(Customizers.calls(context)).containsExactlyInAnyOrder("first:default", "second:default",
                    "first:queue", "second:queue")
                    .containsSubsequence("first:default", "second:default")
                    .containsSubsequence("first:queue", "second:queue");

            context.getBean(QUEUE_BEAN, WebIdentityCredentialsProvider.class).resolveCredentials();

            assertThat(sts.requests()).singleElement().satisfies(r -> assertThat(r)
                    .containsEntry("RoleSessionName", "customized-queue"));
            assertThat(context.getBean(Customizers.class).refreshed).containsExactly(QUEUE_ROLE_ARN);
            assertThat(context.getBean(KeylessProviders.class).federations().get("queue").refreshes().last())
                    .as("the starter's own listener still told").isNotNull();
        });
    }

    @Test
    void health_showsEveryProviderByName_downWhenOneIs() throws IOException {
        Path missing = tokenFile.resolveSibling("no-such-token");
        withQueueProvider().withPropertyValues("keyless.providers.broken.role-arn=" + QUEUE_ROLE_ARN,
                "keyless.providers.broken.token-file=" + missing,
                "keyless.providers.broken.sts-endpoint=" + sts.endpoint()).run(context -> {
            Health health = context.getBean(KeylessHealthIndicator.class).health();

            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).as("the main provider's details stay where they were")
                    .containsEntry("roleArn", ROLE_ARN).containsKey("expiration");
            assertThat(health.getDetails()).extractingByKey("providers", InstanceOfAssertFactories.MAP)
                    .containsOnlyKeys("queue", "broken")
                    .satisfies(providers -> {
                        assertThat(map(providers.get("queue"))).containsEntry("status", "UP")
                                .extractingByKey("details", InstanceOfAssertFactories.MAP)
                                .containsEntry("roleArn", QUEUE_ROLE_ARN);
                        assertThat(map(providers.get("broken"))).containsEntry("status", "DOWN")
                                .extractingByKey("details", InstanceOfAssertFactories.MAP)
                                .containsKey("error");
                    });
        });
        withQueueProvider().run(context -> assertThat(context.getBean(KeylessHealthIndicator.class).health()
                .getStatus()).isEqualTo(Status.UP));
    }

    @Test
    void endpoint_reportsEveryProviderByName() {
        withQueueProvider().run(context -> {
            Map<String, Object> report = context.getBean(KeylessEndpoint.class).keyless();

            assertThat(report).containsEntry("roleArn", ROLE_ARN).containsKey("token");
            assertThat(report).extractingByKey("providers", InstanceOfAssertFactories.MAP)
                    .extractingByKey("queue", InstanceOfAssertFactories.MAP)
                    .containsEntry("roleArn", QUEUE_ROLE_ARN)
                    .containsKeys("token", "trustPolicy", "lastRefresh");
        });
    }

    @Test
    void metrics_taggedByProviderName() {
        withQueueProvider().run(context -> {
            MeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(KeylessMetrics.class).bindTo(registry);

            context.getBean(QUEUE_BEAN, WebIdentityCredentialsProvider.class).resolveCredentials();
            context.getBean(QUEUE_BEAN, WebIdentityCredentialsProvider.class).resolveCredentials();

            assertThat(registry.get("keyless.refresh").tags("provider", "queue", "outcome", "success").timer()
                    .count()).isEqualTo(1);
            assertThat(registry.find("keyless.refresh").tags("provider", "default").timer()).isNull();
            assertThat(registry.get("keyless.credentials.expiry").tag("provider", "queue").gauge().value())
                    .isBetween(3500.0, 3600.0);
            assertThat(registry.get("keyless.credentials.expiry").tag("provider", "default").gauge().value())
                    .isNaN();
        });
    }

    @Test
    void failFast_resolvesTheNamedProvidersToo() {
        sts.fail(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
        runner.withPropertyValues("keyless.fail-fast=true", "keyless.providers.queue.role-arn=" + QUEUE_ROLE_ARN,
                "keyless.providers.queue.token-file=" + tokenFile,
                "keyless.providers.queue.sts-endpoint=" + sts.endpoint()).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasMessageContaining(QUEUE_ROLE_ARN)
                    .hasMessageContaining("AccessDenied");
        });
    }

    @Test
    void clientMappedToAProviderThatDoesNotExist_failsStartupNamingTheProperty() {
        assertStartupFails(withQueueProvider().withPropertyValues("keyless.clients.s3=exports"),
                "keyless.clients.s3", "no provider named \"exports\"", "Configured providers: queue");
        assertStartupFails(runner.withPropertyValues("keyless.role-arn=" + ROLE_ARN, "keyless.clients.sqs=queue"),
                "keyless.clients.sqs", "keyless.providers.queue.role-arn", "Configured providers: none");
    }

    @Test
    void unknownClient_failsStartupNamingTheProperty() {
        assertStartupFails(withQueueProvider().withPropertyValues("keyless.clients.kinesis=queue"),
                "keyless.clients.kinesis", "s3, sqs, sns", "@Qualifier");
    }

    @Test
    void providerNamedDefault_failsStartupNamingTheProperty() {
        assertStartupFails(runner.withPropertyValues("keyless.providers.default.role-arn=" + QUEUE_ROLE_ARN),
                "keyless.providers.default", "main provider's name");
    }

    @Test
    void namedProviderWithoutRoleArn_failsStartupNamingTheProperty_evenWithAwsRoleArnSet() {
        assertStartupFails(runner.withPropertyValues("AWS_ROLE_ARN=" + ROLE_ARN,
                "keyless.providers.queue.region=eu-west-1"), "keyless.providers.queue.role-arn",
                "never takes AWS_ROLE_ARN");
    }

    @Test
    void namedProviderBadValues_failStartupNamingTheNamedProperty() {
        String named = "keyless.providers.queue.";
        ApplicationContextRunner queue = runner.withPropertyValues(named + "role-arn=" + QUEUE_ROLE_ARN,
                named + "token-file=" + tokenFile);
        assertStartupFails(runner.withPropertyValues(named + "role-arn=arn:aws:s3:::not-a-role"),
                named + "role-arn", "not an IAM role ARN");
        assertStartupFails(queue.withPropertyValues(named + "region=Europe West"), named + "region", "eu-west-1");
        assertStartupFails(queue.withPropertyValues(named + "session-duration=1m"), named + "session-duration",
                "between");
        assertStartupFails(queue.withPropertyValues(named + "role-session-name=no spaces allowed"),
                named + "role-session-name", "not a valid role session name");
        assertStartupFails(queue.withPropertyValues(named + "refresh.prefetch=30s"), named + "refresh.stale",
                named + "refresh.prefetch (PT30S)");
        assertStartupFails(queue.withPropertyValues(named + "sts-endpoint=sts.eu-west-1.amazonaws.com"),
                named + "sts-endpoint", "https://");
        assertStartupFails(runner.withPropertyValues(named + "role-arn=" + QUEUE_ROLE_ARN,
                named + "token-source=metadata-server", named + "audience= "), named + "audience", "must not be blank");
        assertStartupFails(runner.withPropertyValues(named + "role-arn=" + QUEUE_ROLE_ARN,
                named + "token-source=file"), named + "token-file", named + "token-file, or the");
        assertStartupFails(runner.withPropertyValues(named + "role-arn=" + QUEUE_ROLE_ARN,
                named + "token-file=token\u0000file"), named + "token-file", "Not a file path");
        assertStartupFails(runner.withClassLoader(new FilteredClassLoader("com.google.auth"))
                .withPropertyValues(named + "role-arn=" + QUEUE_ROLE_ARN, named + "token-source=google-credentials"),
                named + "token-source", "google-auth-library-oauth2-http");
    }

    @Test
    void namedProviderUnreadableValue_failsBindingNamingTheProperty() {
        runner.withPropertyValues("keyless.providers.queue.role-arn=" + QUEUE_ROLE_ARN,
                "keyless.providers.queue.refresh.prefetch=soon").run(context -> {
            assertThat(context).hasFailed();
            Throwable root = context.getStartupFailure();
            while (root != null && !(root instanceof BindException)) {
                root = root.getCause();
            }
            assertThat(root).as("cause of %s", context.getStartupFailure()).isInstanceOf(BindException.class);
            assertThat(((BindException) root).getProperty().getName())
                    .hasToString("keyless.providers.queue.refresh.prefetch");
        });
    }

    /**
     * The failure, its property and reason, and what Spring Boot's failure analyzers (those in
     * {@code spring.factories}, Keyless's included) make of it: the report names the property.
     */
    private static void assertStartupFails(ApplicationContextRunner runner, String property, String... reasons) {
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
            assertThat(invalid.getMessage()).contains(property).contains(reasons);

            List<FailureAnalyzer> analyzers = SpringFactoriesLoader.forDefaultResourceLocation()
                    .load(FailureAnalyzer.class, SpringFactoriesLoader.ArgumentResolver
                            .of(org.springframework.core.env.Environment.class, new StandardEnvironment()),
                            // Analyzers that need a bean factory are not the ones that explain property values.
                            SpringFactoriesLoader.FailureHandler.handleMessage((message, e) -> { }));
            FailureAnalysis analysis = analyzers.stream().map(a -> a.analyze(failure))
                    .filter(a -> a != null).findFirst().orElse(null);
            assertThat(analysis).as("Spring Boot's failure report for %s", failure).isNotNull();
            assertThat(analysis.getDescription()).contains(property);
        });
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    @Configuration(proxyBeanMethods = false)
    static class Customizers {

        final List<String> calls = new CopyOnWriteArrayList<>();
        final List<String> refreshed = new CopyOnWriteArrayList<>();

        static List<String> calls(org.springframework.context.ApplicationContext context) {
            return context.getBean(Customizers.class).calls;
        }

        @Bean
        @Order(2)
        KeylessProviderCustomizer second() {
            return (name, builder) -> {
                calls.add("second:" + name);
                builder.refreshListener(new RefreshListener() {
                    @Override
                    public void refreshSucceeded(Succeeded event) {
                        refreshed.add(event.roleArn());
                    }
                });
            };
        }

        @Bean
        @Order(1)
        KeylessProviderCustomizer first() {
            return (name, builder) -> {
                calls.add("first:" + name);
                builder.roleSessionName("customized-" + name);
            };
        }
    }
}
