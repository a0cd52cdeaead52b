package dev.keyless.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.keyless.WebIdentityCredentialsException;
import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.testing.MotoServer;
import dev.keyless.testing.SigningKeys;
import dev.keyless.testing.TestTokens;
import io.awspring.cloud.autoconfigure.s3.S3ClientCustomizer;
import io.awspring.cloud.autoconfigure.sqs.SqsAsyncClientCustomizer;
import io.awspring.cloud.s3.S3Template;
import io.awspring.cloud.sqs.operations.SqsTemplate;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;

/**
 * A two-hop chain configured with {@code keyless.chain[0].*} only, against moto with request authentication
 * enforced: the web identity call lands in a landing role, whose session assumes the orders role with an
 * external ID, and the application's S3 and SQS clients sign with the orders role's credentials. Moto checks the
 * AssumeRole call's signature (the landing session's), the landing role's permission to assume the orders role,
 * and the orders role's trust policy with its {@code sts:ExternalId} condition; a provider sending the wrong
 * external ID is refused at hop 2, and health names that hop.
 */
@SpringBootTest(classes = KeylessChainApplicationTest.App.class)
class KeylessChainApplicationTest {

    private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
    private static final String LANDING_ROLE = "chain-landing-" + SUFFIX;
    private static final String ORDERS_ROLE = "chain-orders-" + SUFFIX;
    private static final String SESSION = "chain-e2e";
    private static final String EXTERNAL_ID = "orders-prod-" + SUFFIX;

    @RegisterExtension
    static final MotoServer moto = new MotoServer();

    @TempDir
    static Path volume;

    private static final SigningKeys s3SigningKeys = new SigningKeys();
    private static final SigningKeys sqsSigningKeys = new SigningKeys();

    @BeforeAll
    static void roles() throws Exception {
        // The landing role: federated from Google, allowed only to assume the orders role.
        aws("iam", "create-role", "--role-name", LANDING_ROLE, "--assume-role-policy-document",
                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                + "\"Principal\":{\"Federated\":\"container.googleapis.com\"},"
                + "\"Action\":\"sts:AssumeRoleWithWebIdentity\"}]}");
        aws("iam", "put-role-policy", "--role-name", LANDING_ROLE, "--policy-name", "assume-orders",
                "--policy-document", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                + "\"Action\":[\"sts:AssumeRole\",\"sts:TagSession\"],\"Resource\":\"" + roleArn(ORDERS_ROLE)
                + "\"}]}");
        // The orders role trusts the landing role, with the external ID. AWS matches Principal.AWS with the role's
        // ARN; moto only with the exact session ARN, so both are named.
        aws("iam", "create-role", "--role-name", ORDERS_ROLE, "--assume-role-policy-document",
                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                + "\"Principal\":{\"AWS\":[\"" + roleArn(LANDING_ROLE) + "\",\"" + landingSession() + "\"]},"
                + "\"Action\":[\"sts:AssumeRole\",\"sts:TagSession\"],"
                + "\"Condition\":{\"StringEquals\":{\"sts:ExternalId\":\"" + EXTERNAL_ID + "\"}}}]}");
        aws("iam", "put-role-policy", "--role-name", ORDERS_ROLE, "--policy-name", "orders-data", "--policy-document",
                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                + "\"Action\":[\"s3:*\",\"sqs:*\"],\"Resource\":\"*\"}]}");
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("keyless.role-arn", () -> roleArn(LANDING_ROLE));
        registry.add("keyless.role-session-name", () -> SESSION);
        registry.add("keyless.token-file", KeylessChainApplicationTest::tokenFile);
        registry.add("keyless.sts-endpoint", () -> moto.endpoint().toString());
        registry.add("keyless.region", () -> "us-east-1");
        registry.add("keyless.chain[0].role-arn", () -> roleArn(ORDERS_ROLE));
        registry.add("keyless.chain[0].external-id", () -> EXTERNAL_ID);
        registry.add("keyless.chain[0].session-tags.team", () -> "orders");
        registry.add("keyless.chain[0].session-duration", () -> "15m");
        // The control: the same chain with an external ID the orders role does not accept.
        String denied = "keyless.providers.wrong-external-id.";
        registry.add(denied + "role-arn", () -> roleArn(LANDING_ROLE));
        registry.add(denied + "role-session-name", () -> SESSION);
        registry.add(denied + "token-file", KeylessChainApplicationTest::tokenFile);
        registry.add(denied + "sts-endpoint", () -> moto.endpoint().toString());
        registry.add(denied + "region", () -> "us-east-1");
        registry.add(denied + "chain[0].role-arn", () -> roleArn(ORDERS_ROLE));
        registry.add(denied + "chain[0].external-id", () -> "not-" + EXTERNAL_ID);
        registry.add("spring.cloud.aws.region.static", () -> "us-east-1");
        registry.add("spring.cloud.aws.s3.endpoint", () -> moto.endpoint().toString());
        registry.add("spring.cloud.aws.s3.path-style-access-enabled", () -> "true");
        registry.add("spring.cloud.aws.sqs.endpoint", () -> moto.endpoint().toString());
    }

    @Autowired
    private WebIdentityCredentialsProvider provider;

    @Autowired
    @Qualifier("keylessWrongExternalIdCredentialsProvider")
    private WebIdentityCredentialsProvider wrongExternalId;

    @Autowired
    private S3Template s3;

    @Autowired
    private SqsTemplate sqs;

    @Autowired
    private SqsAsyncClient sqsClient;

    @Autowired
    private KeylessHealthIndicator health;

    @Test
    void chain_landingThenOrdersRole_appClientsSignAsTheOrdersRole_againstMotoEnforcingAuthentication()
            throws Exception {
        AwsSessionCredentials credentials;
        // One request goes unchecked, the unsigned AssumeRoleWithWebIdentity; moto checks the AssumeRole after it.
        try (MotoServer.Enforcement enforced = moto.enforceAuthentication(1)) {
            credentials = (AwsSessionCredentials) provider.resolveCredentials();
            assertThat(catchThrowable(() -> moto.callerArn(MotoServer.forgedCredentials())))
                    .as("control: moto refuses a key it never issued").isNotNull();

            assertThat(moto.callerArn(borrowed(provider))).as("GetCallerIdentity with the chain's credentials")
                    .isEqualTo("arn:aws:sts::" + MotoServer.ACCOUNT_ID + ":assumed-role/" + ORDERS_ROLE + "/" + SESSION);

            String bucket = "keyless-chain-" + SUFFIX;
            s3.createBucket(bucket);
            s3.upload(bucket, "orders/1.json",
                    new ByteArrayInputStream("{\"order\":1}".getBytes(StandardCharsets.UTF_8)));
            assertThat(s3.download(bucket, "orders/1.json").getContentAsString(StandardCharsets.UTF_8))
                    .isEqualTo("{\"order\":1}");

            String queue = "keyless-chain-" + SUFFIX;
            sqsClient.createQueue(b -> b.queueName(queue)).get(30, TimeUnit.SECONDS);
            sqs.send(queue, "order 1");
            assertThat(sqs.receive(queue, String.class)).hasValueSatisfying(m -> assertThat(m.getPayload())
                    .isEqualTo("order 1"));
        }
        assertThat(credentials.accountId()).hasValue(MotoServer.ACCOUNT_ID);
        assertThat(s3SigningKeys.accessKeyIds()).as("access key id of each S3 request")
                .hasSizeGreaterThanOrEqualTo(3).containsOnly(credentials.accessKeyId());
        assertThat(sqsSigningKeys.accessKeyIds()).as("access key id of each SQS request")
                .hasSizeGreaterThanOrEqualTo(3).containsOnly(credentials.accessKeyId());

        // The control: moto evaluates the orders role's trust policy at hop 2, external ID condition included.
        try (MotoServer.Enforcement enforced = moto.enforceAuthentication(1)) {
            assertThat(catchThrowable(wrongExternalId::resolveCredentials))
                    .isInstanceOfSatisfying(WebIdentityCredentialsException.class, e -> {
                        assertThat(e.hop()).isEqualTo(2);
                        assertThat(e.roleArn()).isEqualTo(roleArn(ORDERS_ROLE));
                        assertThat(e.callerArn()).isEqualTo(landingSession());
                        // Moto words its authorization errors in a shape the SDK's STS parser reads no code from.
                        assertThat(e.getCause()).isInstanceOfSatisfying(AwsServiceException.class,
                                sts -> assertThat(sts.statusCode()).isEqualTo(403));
                    });
        }
        Health down = health.health();
        assertThat(down.getStatus()).isEqualTo(Status.DOWN);
        Map<?, ?> denied = (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) down.getDetails().get("providers"))
                .get("wrong-external-id")).get("details");
        assertThat(denied.get("failedHop")).isEqualTo(Map.of("hop", 2, "roleArn", roleArn(ORDERS_ROLE),
                "callerArn", landingSession()));
        assertThat(down.getDetails()).containsEntry("targetRoleArn", roleArn(ORDERS_ROLE))
                .doesNotContainKey("failedHop");
        assertThat(down.getDetails().toString()).doesNotContain(EXTERNAL_ID).doesNotContain("eyJ")
                .doesNotContain(credentials.secretAccessKey()).doesNotContain(credentials.sessionToken());
    }

    private static String roleArn(String role) {
        return "arn:aws:iam::" + MotoServer.ACCOUNT_ID + ":role/" + role;
    }

    private static String landingSession() {
        return "arn:aws:sts::" + MotoServer.ACCOUNT_ID + ":assumed-role/" + LANDING_ROLE + "/" + SESSION;
    }

    /** The same credentials, through a provider that a client's close() cannot close. */
    private static AwsCredentialsProvider borrowed(AwsCredentialsProvider provider) {
        return provider::resolveCredentials;
    }

    /** Runs the AWS CLI against moto, while moto still accepts any keys. */
    private static void aws(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("aws", "--endpoint-url", moto.endpoint().toString(),
                "--output", "json"));
        command.addAll(List.of(args));
        Path out = volume.resolve(UUID.randomUUID() + ".out");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
        builder.environment().keySet().removeIf(n -> n.startsWith("AWS_"));
        builder.environment().put("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE");
        builder.environment().put("AWS_SECRET_ACCESS_KEY", "setup-only");
        builder.environment().put("AWS_DEFAULT_REGION", "us-east-1");
        builder.environment().put("AWS_CONFIG_FILE", volume.resolve("no-config").toString());
        builder.environment().put("AWS_SHARED_CREDENTIALS_FILE", volume.resolve("no-credentials").toString());
        Process process = builder.start();
        assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
        assertThat(process.exitValue()).as("%s: %s", command, Files.readString(out)).isZero();
    }

    private static synchronized String tokenFile() {
        Path file = volume.resolve("token");
        if (!Files.exists(file)) {
            try {
                Files.writeString(file, TestTokens.gke(Instant.now(), Duration.ofHours(1)), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return file.toString();
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {

        /** Lets the test see which access key signed each request. */
        @Bean
        S3ClientCustomizer s3SigningKeysRecorder() {
            return builder -> builder.overrideConfiguration(c -> c.addExecutionInterceptor(s3SigningKeys));
        }

        @Bean
        SqsAsyncClientCustomizer sqsSigningKeysRecorder() {
            return builder -> builder.overrideConfiguration(c -> c.addExecutionInterceptor(sqsSigningKeys));
        }
    }
}
