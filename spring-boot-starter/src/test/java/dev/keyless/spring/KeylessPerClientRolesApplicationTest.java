package dev.keyless.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsAsyncClient;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * A service that reads and writes two other teams' resources: its S3 client signs as role {@code exports}
 * ({@code keyless.clients.s3}), its SQS client as role {@code orders} ({@code keyless.clients.sqs}), each a
 * named provider, and nothing else is configured for credentials. Against moto with request authentication
 * enforced: each client's provider is proven by {@code GetCallerIdentity} with its credentials, each role may
 * only do its own service's calls (IAM policies moto checks), and an object and a message go through.
 */
@SpringBootTest(classes = KeylessPerClientRolesApplicationTest.App.class)
class KeylessPerClientRolesApplicationTest {

    private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
    private static final String EXPORTS_ROLE = "exports-writer-" + SUFFIX;
    private static final String ORDERS_ROLE = "orders-sender-" + SUFFIX;

    @RegisterExtension
    static final MotoServer moto = new MotoServer();

    @TempDir
    static Path volume;

    private static final SigningKeys s3SigningKeys = new SigningKeys();
    private static final SigningKeys sqsSigningKeys = new SigningKeys();
    private static boolean authEnforced;

    @BeforeAll
    static void roles() throws Exception {
        // Each role may call its own service and GetCallerIdentity, nothing else: moto checks it once
        // authentication is enforced.
        role(EXPORTS_ROLE, "s3:*");
        role(ORDERS_ROLE, "sqs:*");
    }

    @AfterAll
    static void relaxAuthentication() throws Exception {
        // Moto is shared by the test classes of this JVM.
        if (authEnforced) {
            motoAuth("inf");
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        for (String[] provider : new String[][] {{"exports", EXPORTS_ROLE}, {"orders", ORDERS_ROLE}}) {
            String prefix = "keyless.providers." + provider[0] + ".";
            registry.add(prefix + "role-arn", () -> roleArn(provider[1]));
            registry.add(prefix + "token-file", KeylessPerClientRolesApplicationTest::tokenFile);
            registry.add(prefix + "sts-endpoint", () -> moto.endpoint().toString());
            registry.add(prefix + "region", () -> "us-east-1");
        }
        registry.add("keyless.clients.s3", () -> "exports");
        registry.add("keyless.clients.sqs", () -> "orders");
        registry.add("spring.cloud.aws.region.static", () -> "us-east-1");
        registry.add("spring.cloud.aws.s3.endpoint", () -> moto.endpoint().toString());
        registry.add("spring.cloud.aws.s3.path-style-access-enabled", () -> "true");
        registry.add("spring.cloud.aws.sqs.endpoint", () -> moto.endpoint().toString());
    }

    @Autowired
    private S3Client s3Client;

    @Autowired
    private SqsAsyncClient sqsClient;

    @Autowired
    private S3Template s3;

    @Autowired
    private SqsTemplate sqs;

    @Autowired
    @Qualifier("keylessExportsCredentialsProvider")
    private WebIdentityCredentialsProvider exports;

    @Autowired
    @Qualifier("keylessOrdersCredentialsProvider")
    private WebIdentityCredentialsProvider orders;

    @Test
    void s3SignsAsTheExportsRole_sqsAsTheOrdersRole_againstMotoEnforcingAuthentication() throws Exception {
        AwsCredentialsProvider s3Provider = (AwsCredentialsProvider) s3Client.serviceClientConfiguration()
                .credentialsProvider();
        AwsCredentialsProvider sqsProvider = (AwsCredentialsProvider) sqsClient.serviceClientConfiguration()
                .credentialsProvider();
        assertThat(s3Provider).isSameAs(exports);
        assertThat(sqsProvider).isSameAs(orders);
        String s3Key = s3Provider.resolveCredentials().accessKeyId();
        String sqsKey = sqsProvider.resolveCredentials().accessKeyId();
        assertThat(s3Key).startsWith("ASIA").isNotEqualTo(sqsKey);

        // From here on moto refuses any request not signed with credentials it issued for a role allowed the call.
        motoAuth("0");
        authEnforced = true;
        assertThat(catchThrowable(() -> callerArn(StaticCredentialsProvider.create(
                AwsBasicCredentials.create("AKIAFORGEDFORGED0000", "forged")))))
                .as("moto refuses forged keys: authentication is enforced").isNotNull();

        assertThat(callerArn(s3Provider)).as("GetCallerIdentity with the S3 client's credentials")
                .startsWith("arn:aws:sts::" + MotoServer.ACCOUNT_ID + ":assumed-role/" + EXPORTS_ROLE + "/");
        assertThat(callerArn(sqsProvider)).as("GetCallerIdentity with the SQS client's credentials")
                .startsWith("arn:aws:sts::" + MotoServer.ACCOUNT_ID + ":assumed-role/" + ORDERS_ROLE + "/");

        String bucket = "keyless-exports-" + SUFFIX;
        s3.createBucket(bucket);
        s3.upload(bucket, "exports/1.json",
                new ByteArrayInputStream("{\"export\":1}".getBytes(StandardCharsets.UTF_8)));
        assertThat(s3.download(bucket, "exports/1.json").getContentAsString(StandardCharsets.UTF_8))
                .isEqualTo("{\"export\":1}");

        String queue = "keyless-orders-" + SUFFIX;
        sqsClient.createQueue(b -> b.queueName(queue)).get(30, TimeUnit.SECONDS);
        sqs.send(queue, "order 1");
        assertThat(sqs.receive(queue, String.class)).hasValueSatisfying(m -> assertThat(m.getPayload())
                .isEqualTo("order 1"));

        assertThat(s3SigningKeys.accessKeyIds()).as("access key id of each S3 request")
                .hasSizeGreaterThanOrEqualTo(3).containsOnly(s3Key);
        assertThat(sqsSigningKeys.accessKeyIds()).as("access key id of each SQS request")
                .hasSizeGreaterThanOrEqualTo(3).containsOnly(sqsKey);

        // Each role only has its own service: the other client's credentials are refused.
        assertThat(catchThrowable(() -> S3Client.builder().endpointOverride(moto.endpoint()).region(Region.US_EAST_1)
                .forcePathStyle(true).credentialsProvider(borrowed(sqsProvider)).build()
                .createBucket(b -> b.bucket("keyless-denied-" + SUFFIX))))
                .as("the orders role may not use S3").hasMessageContaining("Access Denied").hasMessageContaining("403");
    }

    private static String callerArn(AwsCredentialsProvider credentials) {
        // Not the provider itself: closing an SDK client closes the credentials provider it was given.
        try (StsClient sts = StsClient.builder().endpointOverride(moto.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(borrowed(credentials)).build()) {
            return sts.getCallerIdentity().arn();
        }
    }

    /** The same credentials, through a provider that a client's close() cannot close. */
    private static AwsCredentialsProvider borrowed(AwsCredentialsProvider provider) {
        return provider::resolveCredentials;
    }

    private static String roleArn(String role) {
        return "arn:aws:iam::" + MotoServer.ACCOUNT_ID + ":role/" + role;
    }

    /** Creates the role with the AWS CLI, while moto still accepts any keys. */
    private static void role(String name, String action) throws Exception {
        aws("iam", "create-role", "--role-name", name, "--assume-role-policy-document",
                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                + "\"Principal\":{\"Federated\":\"container.googleapis.com\"},"
                + "\"Action\":\"sts:AssumeRoleWithWebIdentity\"}]}");
        aws("iam", "put-role-policy", "--role-name", name, "--policy-name", "own-service", "--policy-document",
                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"" + action
                + "\",\"sts:GetCallerIdentity\"],\"Resource\":\"*\"}]}");
    }

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

    private static void motoAuth(String initialNoAuthActionCount) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                moto.endpoint().resolve("/moto-api/reset-auth"))
                .POST(HttpRequest.BodyPublishers.ofString(initialNoAuthActionCount)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
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
