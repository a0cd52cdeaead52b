package dev.keyless.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.testing.SigningKeys;
import dev.keyless.testing.MotoServer;
import dev.keyless.testing.TestTokens;
import io.awspring.cloud.autoconfigure.config.parameterstore.SsmClientCustomizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.bootstrap.BootstrapRegistry;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.ConfigurableApplicationContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.ParameterType;
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * {@link KeylessBootstrapRegistryInitializer}: {@code spring.config.import=aws-parameterstore:} against moto's SSM
 * and STS, the way an application starts: Spring Cloud AWS's loader signs with Keyless's credentials, and that
 * provider becomes the application's bean.
 */
@ExtendWith(MotoServer.class)
class KeylessBootstrapRegistryInitializerTest {

    private static final String ROLE_ARN = "arn:aws:iam::" + MotoServer.ACCOUNT_ID + ":role/checkout-config-reader";
    private static final String STATIC_KEY_ID = "AKIASTATICSPRINGCLOUD";

    private final MotoServer moto;
    private final SigningKeys ssmSigningKeys = new SigningKeys();
    private Path tokenFile;
    private String prefix;

    KeylessBootstrapRegistryInitializerTest(MotoServer moto) {
        this.moto = moto;
    }

    @BeforeEach
    void setUp(@TempDir Path dir) throws IOException {
        tokenFile = Files.writeString(dir.resolve("token"), TestTokens.gke(Instant.now(), Duration.ofHours(1)),
                StandardCharsets.UTF_8);
        // moto is shared by the JVM's tests: a path of our own.
        prefix = "/config/checkout-" + UUID.randomUUID().toString().substring(0, 8) + "/";
        try (SsmClient ssm = SsmClient.builder().endpointOverride(moto.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIASETUP", "setup")))
                .build()) {
            ssm.putParameter(p -> p.name(prefix + "orders.table").value("orders-eu").type(ParameterType.STRING));
        }
    }

    @Test
    void configImport_parameterStoreSignsWithKeylessCredentials_andTheProviderBecomesTheBean() {
        AtomicReference<Object> bootstrapProvider = new AtomicReference<>();
        SpringApplication application = application(registry -> registry.addCloseListener(event ->
                bootstrapProvider.set(event.getBootstrapContext().get(AwsCredentialsProvider.class))));

        moto.createRole("checkout-config-reader", "ssm:*");
        // Moto lets the loader's one unsigned AssumeRoleWithWebIdentity through, then checks every signature.
        try (MotoServer.Enforcement enforced = moto.enforceAuthentication(1);
             ConfigurableApplicationContext context = application.run(args("--keyless.role-arn=" + ROLE_ARN,
                "--keyless.token-file=" + tokenFile))) {
            assertThat(context.getEnvironment().getProperty("orders.table")).isEqualTo("orders-eu");
            assertThatThrownBy(() -> moto.callerArn(MotoServer.forgedCredentials()))
                    .as("control: a key moto never issued is refused")
                    .isInstanceOfSatisfying(StsException.class, e -> assertThat(e.statusCode()).isEqualTo(403));

            AwsCredentialsProvider bean = context.getBean(AwsCredentialsProvider.class);
            assertThat(bean).isInstanceOf(WebIdentityCredentialsProvider.class).isSameAs(bootstrapProvider.get());
            String federatedKeyId = bean.resolveCredentials().accessKeyId();
            assertThat(federatedKeyId).startsWith("ASIA");
            assertThat(ssmSigningKeys.accessKeyIds()).as("access key ids of the loader's SSM requests")
                    .isNotEmpty().containsOnly(federatedKeyId);
        }
    }

    @Test
    void configImport_withoutRoleArn_springCloudAwsUsesItsOwnCredentials() {
        try (ConfigurableApplicationContext context = application(registry -> { }).run(args(
                "--spring.cloud.aws.credentials.access-key=" + STATIC_KEY_ID,
                "--spring.cloud.aws.credentials.secret-key=static-secret"))) {
            assertThat(context.getEnvironment().getProperty("orders.table")).isEqualTo("orders-eu");
            assertThat(ssmSigningKeys.accessKeyIds()).isNotEmpty().containsOnly(STATIC_KEY_ID);
            assertThat(context.getBeansOfType(KeylessFederation.class)).isEmpty();
        }
    }

    @Test
    void configImport_keylessDisabled_springCloudAwsUsesItsOwnCredentials() {
        try (ConfigurableApplicationContext context = application(registry -> { }).run(args(
                "--keyless.enabled=false", "--keyless.role-arn=" + ROLE_ARN,
                "--spring.cloud.aws.credentials.access-key=" + STATIC_KEY_ID,
                "--spring.cloud.aws.credentials.secret-key=static-secret"))) {
            assertThat(ssmSigningKeys.accessKeyIds()).isNotEmpty().containsOnly(STATIC_KEY_ID);
            assertThat(context.getBean(AwsCredentialsProvider.class))
                    .isNotInstanceOf(WebIdentityCredentialsProvider.class);
        }
    }

    @Test
    void configImport_badKeylessProperty_failsStartupNamingTheProperty() {
        Throwable failure = catchThrowable(() -> application(registry -> { }).run(args(
                "--keyless.role-arn=" + ROLE_ARN, "--keyless.token-file=" + tokenFile,
                "--keyless.session-duration=5m")).close());

        Throwable cause = failure;
        while (cause != null && !(cause instanceof InvalidConfigurationPropertyValueException)) {
            cause = cause.getCause();
        }
        assertThat(cause).as("cause of %s", failure).isInstanceOf(InvalidConfigurationPropertyValueException.class);
        assertThat(((InvalidConfigurationPropertyValueException) cause).getName()).isEqualTo("keyless.session-duration");
        assertThat(ssmSigningKeys.accessKeyIds()).as("no SSM call without credentials").isEmpty();
    }

    private SpringApplication application(org.springframework.boot.bootstrap.BootstrapRegistryInitializer extra) {
        SpringApplication application = new SpringApplication(App.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        application.addBootstrapRegistryInitializer(registry -> registry.register(SsmClientCustomizer.class,
                BootstrapRegistry.InstanceSupplier.of(builder -> builder.overrideConfiguration(
                        c -> c.addExecutionInterceptor(ssmSigningKeys)))));
        application.addBootstrapRegistryInitializer(extra);
        return application;
    }

    private String[] args(String... more) {
        List<String> args = new ArrayList<>(List.of(
                "--spring.config.import=aws-parameterstore:" + prefix,
                "--spring.cloud.aws.parameterstore.endpoint=" + moto.endpoint(),
                "--spring.cloud.aws.parameterstore.region=us-east-1",
                "--spring.cloud.aws.region.static=us-east-1",
                "--spring.cloud.aws.s3.endpoint=" + moto.endpoint(),
                "--keyless.sts-endpoint=" + moto.endpoint(),
                "--keyless.region=us-east-1",
                "--spring.main.banner-mode=off"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
    }
}
