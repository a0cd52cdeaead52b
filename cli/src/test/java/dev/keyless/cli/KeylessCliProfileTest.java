package dev.keyless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.keyless.testing.StsStub;
import dev.keyless.testing.TestTokens;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --profile} on {@code credential-process}, {@code doctor} and {@code check-policy}: a web identity profile
 * of the AWS config file gives the role, the token file and the chain, and options win over it. The config file
 * comes from the environment the test gives the CLI.
 */
class KeylessCliProfileTest {

    private static final String GKE_ROLE = StsStub.ROLE_ARN;
    private static final String ORDERS_ROLE = "arn:aws:iam::222222222222:role/orders-writer";

    @TempDir
    Path dir;

    private StsStub sts;
    private String token;
    private Path config;
    private final Map<String, String> env = new HashMap<>();

    @BeforeEach
    void setUp() throws Exception {
        sts = new StsStub();
        sts.succeed(Instant.now().plus(Duration.ofHours(1)));
        token = TestTokens.gke(Instant.now(), Duration.ofHours(1));
        Path tokenFile = Files.writeString(dir.resolve("token"), token, StandardCharsets.UTF_8);
        config = Files.writeString(dir.resolve("config"), """
                [profile gke]
                role_arn = %s
                web_identity_token_file = %s
                role_session_name = from-profile

                [profile orders]
                role_arn = %s
                source_profile = gke
                external_id = orders-prod

                [profile app]
                credential_process = keyless credential-process --role-arn %s
                """.formatted(GKE_ROLE, tokenFile, ORDERS_ROLE, GKE_ROLE));
        env.put("AWS_CONFIG_FILE", config.toString());
        env.put("AWS_SHARED_CREDENTIALS_FILE", dir.resolve("no-credentials").toString());
    }

    @AfterEach
    void tearDown() {
        sts.close();
    }

    @Test
    void credentialProcess_profile_givesTheRoleSessionNameAndTokenFile() throws Exception {
        Cli result = Cli.run(env, "", "credential-process", "--profile", "gke", "--sts-endpoint",
                sts.endpoint().toString());

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat((String) JSONObjectUtils.parse(result.out()).get("AccessKeyId")).startsWith("ASIAKEYLESSTEST");
        assertThat(sts.requests()).singleElement().satisfies(r -> assertThat(r)
                .containsEntry("RoleArn", GKE_ROLE)
                .containsEntry("RoleSessionName", "from-profile")
                .containsEntry("WebIdentityToken", token));
    }

    @Test
    void credentialProcess_awsProfileInTheEnvironment_isTheDefault_andOptionsWin() throws Exception {
        env.put("AWS_PROFILE", "gke");

        Cli result = Cli.run(env, "", "credential-process", "--role-session-name", "from-option", "--sts-endpoint",
                sts.endpoint().toString());

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(sts.requests()).singleElement().satisfies(r -> assertThat(r)
                .containsEntry("RoleArn", GKE_ROLE)
                .containsEntry("RoleSessionName", "from-option"));
    }

    @Test
    void credentialProcess_chainedProfile_assumesTheNextRoleWithItsExternalId() throws Exception {
        // The stub answers only AssumeRoleWithWebIdentity: the chained call it refuses shows what was sent.
        Cli result = Cli.run(env, "", "credential-process", "--profile", "orders", "--sts-endpoint",
                sts.endpoint().toString());

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.out()).isEmpty();
        assertThat(result.err()).contains(ORDERS_ROLE, "hop 2 of 2");
        assertThat(sts.requests()).hasSize(2);
        assertThat(sts.requests().get(1)).containsEntry("Action", "AssumeRole")
                .containsEntry("RoleArn", ORDERS_ROLE)
                .containsEntry("ExternalId", "orders-prod");
    }

    @Test
    void credentialProcess_runFromACredentialProcessProfile_ignoresTheCallersAwsProfile() throws Exception {
        // The AWS CLI runs credential_process with the caller's environment, AWS_PROFILE=app included.
        env.put("AWS_PROFILE", "app");

        Cli result = Cli.run(env, "", "credential-process", "--role-arn", GKE_ROLE, "--token-file",
                dir.resolve("token").toString(), "--sts-endpoint", sts.endpoint().toString());

        assertThat(result.exit()).as(result.err()).isZero();
    }

    @Test
    void credentialProcess_missingProfile_namesTheOptionAndTheFile() {
        Cli result = Cli.run(env, "", "credential-process", "--profile", "ordres", "--sts-endpoint",
                sts.endpoint().toString());

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.out()).isEmpty();
        assertThat(result.err()).startsWith("keyless: --profile 'ordres' is in neither " + config);
        assertThat(sts.calls()).isZero();
    }

    @Test
    void doctor_profile_walksTheFederationPath() {
        Cli result = Cli.run(env, "", "doctor", "--profile", "gke", "--sts-endpoint", sts.endpoint().toString());

        assertThat(result.out()).contains("assuming " + GKE_ROLE, "PASS", "Token found")
                .contains("Configured by the AWS config file's profile 'gke' (profile 'gke' in ")
                .contains(dir.resolve("token").toString());
        assertThat(sts.requests()).first().satisfies(r -> assertThat(r).containsEntry("RoleArn", GKE_ROLE));
    }

    @Test
    void checkPolicy_profile_givesTheRoleAndTheToken() throws Exception {
        Path policy = Files.writeString(dir.resolve("policy.json"), Cli.run(env, "", "trust-policy", "--account-id",
                "123456789012", "--token-file", dir.resolve("token").toString()).out());

        Cli result = Cli.run(env, "", "check-policy", "--profile", "gke", "--policy-file", policy.toString());

        assertThat(result.exit()).as(result.all()).isZero();
        assertThat(result.out()).contains("ADMITTED");
    }
}
