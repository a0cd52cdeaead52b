package dev.keyless.samples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.testing.MotoServer;
import dev.keyless.testing.TestTokens;
import io.awspring.cloud.s3.S3Template;
import io.awspring.cloud.sqs.operations.SqsTemplate;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * The sample service when its exports bucket belongs to the data team: the main provider (the service's own
 * role) signs SQS, a named provider {@code exports} (the data team's role) signs S3, with
 * {@code keyless.clients.s3=exports} and no code change. Against moto; also run ahead-of-time processed
 * ({@code -Paot}).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class CheckoutExportsPerClientRolesTest {

    private static final String SERVICE_ROLE_ARN = "arn:aws:iam::" + MotoServer.ACCOUNT_ID + ":role/checkout-exports";
    private static final String EXPORTS_ROLE_ARN =
            "arn:aws:iam::" + MotoServer.ACCOUNT_ID + ":role/data-exports-writer";
    private static final String BUCKET = "data-team-exports";
    private static final String QUEUE = "checkout-exports-per-client";

    @RegisterExtension
    static final MotoServer moto = new MotoServer();

    @TempDir
    static Path volume;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("keyless.role-arn", () -> SERVICE_ROLE_ARN);
        registry.add("keyless.token-file", CheckoutExportsPerClientRolesTest::tokenFile);
        registry.add("keyless.sts-endpoint", () -> moto.endpoint().toString());
        registry.add("keyless.region", () -> "eu-west-1");
        registry.add("keyless.providers.exports.role-arn", () -> EXPORTS_ROLE_ARN);
        registry.add("keyless.providers.exports.token-file", CheckoutExportsPerClientRolesTest::tokenFile);
        registry.add("keyless.providers.exports.sts-endpoint", () -> moto.endpoint().toString());
        registry.add("keyless.providers.exports.region", () -> "eu-west-1");
        registry.add("keyless.clients.s3", () -> "exports");
        registry.add("spring.cloud.aws.region.static", () -> "eu-west-1");
        registry.add("spring.cloud.aws.s3.endpoint", () -> moto.endpoint().toString());
        registry.add("spring.cloud.aws.s3.path-style-access-enabled", () -> "true");
        registry.add("spring.cloud.aws.sqs.endpoint", () -> moto.endpoint().toString());
        registry.add("checkout.exports.bucket", CheckoutExportsPerClientRolesTest::createBucketAndQueue);
        registry.add("checkout.exports.queue", () -> QUEUE);
    }

    private static synchronized String tokenFile() {
        Path file = volume.resolve("token");
        try {
            if (!Files.exists(file)) {
                Files.writeString(file, TestTokens.gke(Instant.now(), Duration.ofHours(1)));
            }
            return file.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The data team's bucket and the service's queue, made with moto's administrator credentials. */
    private static String createBucketAndQueue() {
        StaticCredentialsProvider admin =
                StaticCredentialsProvider.create(AwsBasicCredentials.create("admin", "admin"));
        try (S3Client s3 = S3Client.builder().endpointOverride(moto.endpoint()).forcePathStyle(true)
                     .region(Region.EU_WEST_1).credentialsProvider(admin).build();
             SqsClient sqs = SqsClient.builder().endpointOverride(moto.endpoint()).region(Region.EU_WEST_1)
                     .credentialsProvider(admin).build()) {
            s3.createBucket(r -> r.bucket(BUCKET).createBucketConfiguration(c -> c.locationConstraint("eu-west-1")));
            sqs.createQueue(r -> r.queueName(QUEUE));
        }
        return BUCKET;
    }

    @Autowired
    private S3Client s3Client;

    @Autowired
    private S3Template s3;

    @Autowired
    private SqsTemplate sqs;

    @Autowired
    private AwsCredentialsProvider mainProvider;

    @Autowired
    @Qualifier("keylessExportsCredentialsProvider")
    private WebIdentityCredentialsProvider exportsProvider;

    @Value("${local.server.port}")
    private int port;

    @Test
    void export_s3SignsAsTheDataTeamsRole_sqsAsTheService() throws Exception {
        assertThat(((WebIdentityCredentialsProvider) mainProvider).roleArn()).isEqualTo(SERVICE_ROLE_ARN);
        assertThat(s3Client.serviceClientConfiguration().credentialsProvider()).isSameAs(exportsProvider);
        assertThat(callerArn(exportsProvider)).contains(":assumed-role/data-exports-writer/");
        assertThat(callerArn(mainProvider)).contains(":assumed-role/checkout-exports/");

        HttpResponse<String> export = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/exports/7"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"order\":7}")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(export.statusCode()).as(export.body()).isEqualTo(200);
        assertThat(s3.download(BUCKET, "exports/7.json").getContentAsString(StandardCharsets.UTF_8))
                .isEqualTo("{\"order\":7}");
        assertThat(sqs.receive(QUEUE, String.class)).hasValueSatisfying(message ->
                assertThat(message.getPayload()).isEqualTo("exports/7.json"));
    }

    private static String callerArn(AwsCredentialsProvider provider) {
        // Lent, not given: closing an SDK client closes the credentials provider it was built with.
        AwsCredentialsProvider lent = provider::resolveCredentials;
        try (StsClient sts = StsClient.builder().endpointOverride(moto.endpoint()).region(Region.EU_WEST_1)
                .credentialsProvider(lent).build()) {
            return sts.getCallerIdentity().arn();
        }
    }
}
