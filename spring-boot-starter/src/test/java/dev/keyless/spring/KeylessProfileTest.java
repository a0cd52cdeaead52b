package dev.keyless.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.testing.StsStub;
import dev.keyless.testing.TestTokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code keyless.profile} and {@code AWS_PROFILE}: the AWS config file configures the main provider through core,
 * with the config file's location and the profile's name read from Spring's {@code Environment}.
 */
class KeylessProfileTest {

    private static final String GKE_ROLE = StsStub.ROLE_ARN;
    private static final String ORDERS_ROLE = "arn:aws:iam::222222222222:role/orders-writer";

    @TempDir
    Path dir;

    private StsStub sts;
    private Path config;
    private ApplicationContextRunner runner;

    @BeforeEach
    void setUp() throws IOException {
        sts = new StsStub();
        sts.succeed(Instant.now().plus(Duration.ofHours(1)));
        Path token = Files.writeString(dir.resolve("token"), TestTokens.gke(Instant.now(), Duration.ofHours(1)));
        config = Files.writeString(dir.resolve("config"), """
                [profile gke]
                role_arn = %s
                web_identity_token_file = %s
                role_session_name = from-profile

                [profile orders]
                role_arn = %s
                source_profile = gke
                """.formatted(GKE_ROLE, token, ORDERS_ROLE));
        // The files only from Spring's environment; no home directory's ~/.aws takes part.
        runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(KeylessAutoConfiguration.class))
                .withPropertyValues("AWS_CONFIG_FILE=" + config,
                        "AWS_SHARED_CREDENTIALS_FILE=" + dir.resolve("no-credentials"),
                        "keyless.sts-endpoint=" + sts.endpoint());
    }

    @AfterEach
    void tearDown() {
        sts.close();
    }

    @Test
    void keylessProfile_configuresTheMainProvider_withItsChainAndTokenFile() {
        runner.withPropertyValues("keyless.profile=orders").run(context -> {
            WebIdentityCredentialsProvider provider = context.getBean(WebIdentityCredentialsProvider.class);
            assertThat(provider.roleArn()).isEqualTo(GKE_ROLE);
            assertThat(provider.targetRoleArn()).isEqualTo(ORDERS_ROLE);
        });
        runner.withPropertyValues("keyless.profile=gke").run(context -> {
            context.getBean(WebIdentityCredentialsProvider.class).resolveCredentials();
            assertThat(sts.requests()).singleElement().satisfies(r -> assertThat(r)
                    .containsEntry("RoleArn", GKE_ROLE)
                    .containsEntry("RoleSessionName", "from-profile"));
        });
    }

    @Test
    void awsProfileInSpringsEnvironment_isEnoughToConfigureKeyless() {
        runner.withPropertyValues("AWS_PROFILE=gke").run(context -> {
            assertThat(context).hasSingleBean(WebIdentityCredentialsProvider.class);
            assertThat(context.getBean(KeylessFederation.class).roleArn()).isEqualTo(GKE_ROLE);
        });
    }

    @Test
    void keylessProperties_winOverTheProfile() {
        runner.withPropertyValues("keyless.profile=gke", "keyless.role-session-name=from-property").run(context -> {
            context.getBean(WebIdentityCredentialsProvider.class).resolveCredentials();
            assertThat(sts.requests()).singleElement().satisfies(r -> assertThat(r)
                    .containsEntry("RoleSessionName", "from-property"));
        });
    }

    @Test
    void missingProfile_stopsStartupNamingKeylessProfile() {
        runner.withPropertyValues("keyless.profile=ordres").run(context -> {
            assertThat(context).hasFailed();
            Throwable root = context.getStartupFailure();
            while (root != null && !(root instanceof InvalidConfigurationPropertyValueException)) {
                root = root.getCause();
            }
            assertThat(root).isInstanceOfSatisfying(InvalidConfigurationPropertyValueException.class, e -> {
                assertThat(e.getName()).isEqualTo("keyless.profile");
                assertThat(e.getValue()).isEqualTo("ordres");
                assertThat(e.getReason()).startsWith("keyless.profile 'ordres' is in neither " + config);
            });
        });
    }

    @Test
    void noRoleAndNoProfile_configuresNothing() {
        runner.run(context -> assertThat(context).doesNotHaveBean(WebIdentityCredentialsProvider.class));
    }
}
