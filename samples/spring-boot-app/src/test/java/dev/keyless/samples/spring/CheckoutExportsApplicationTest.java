package dev.keyless.samples.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.util.JSONObjectUtils;
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
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
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
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * The sample service as it runs on GKE (path A: a projected token file and a role ARN, nothing else), against
 * moto for STS, S3 and SQS: an export goes to S3 and SQS with federated credentials, and the actuator shows
 * {@code keyless} UP. Moto checks who signs: after the one unsigned STS call, every S3 and SQS request must carry
 * a valid signature of the credentials moto issued for the role, and a forged key is refused.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class CheckoutExportsApplicationTest {

    private static final String ROLE_NAME = "checkout-exports";
    private static final String ROLE_ARN = "arn:aws:iam::" + MotoServer.ACCOUNT_ID + ":role/" + ROLE_NAME;

    @RegisterExtension
    static final MotoServer moto = new MotoServer();

    @TempDir
    static Path volume;

    private static String token;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("keyless.role-arn", () -> ROLE_ARN);
        registry.add("keyless.token-file", CheckoutExportsApplicationTest::tokenFile);
        registry.add("keyless.sts-endpoint", () -> moto.endpoint().toString());
        registry.add("keyless.region", () -> "eu-west-1");
        registry.add("spring.cloud.aws.region.static", () -> "eu-west-1");
        registry.add("spring.cloud.aws.s3.endpoint", () -> moto.endpoint().toString());
        registry.add("spring.cloud.aws.s3.path-style-access-enabled", () -> "true");
        registry.add("spring.cloud.aws.sqs.endpoint", () -> moto.endpoint().toString());
        registry.add("checkout.exports.bucket", CheckoutExportsApplicationTest::createBucketAndQueue);
    }

    /** The kubelet's projected token, as path A mounts it. */
    private static String tokenFile() {
        try {
            token = TestTokens.gke(Instant.now(), Duration.ofHours(1));
            return Files.writeString(volume.resolve("token"), token).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the platform team's Terraform would have created, with moto's administrator credentials. */
    private static String createBucketAndQueue() {
        StaticCredentialsProvider admin = StaticCredentialsProvider.create(AwsBasicCredentials.create("admin", "admin"));
        try (S3Client s3 = S3Client.builder().endpointOverride(moto.endpoint()).forcePathStyle(true)
                     .region(Region.EU_WEST_1).credentialsProvider(admin).build();
             SqsClient sqs = SqsClient.builder().endpointOverride(moto.endpoint()).region(Region.EU_WEST_1)
                     .credentialsProvider(admin).build()) {
            s3.createBucket(r -> r.bucket("checkout-exports")
                    .createBucketConfiguration(c -> c.locationConstraint("eu-west-1")));
            sqs.createQueue(r -> r.queueName("checkout-exports"));
        }
        moto.createRole(ROLE_NAME, "s3:*", "sqs:*");
        return "checkout-exports";
    }

    @Autowired
    private S3Template s3;

    @Autowired
    private SqsTemplate sqs;

    @Autowired
    private AwsCredentialsProvider credentialsProvider;

    @Value("${local.server.port}")
    private int port;

    private static final HttpClient HTTP = HttpClient.newHttpClient(); // AutoCloseable only from Java 21

    private HttpResponse<String> http(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void export_goesToS3AndSqsWithFederatedCredentials_andHealthShowsKeylessUp() throws Exception {
        assertThat(credentialsProvider).isInstanceOf(WebIdentityCredentialsProvider.class);
        // The unsigned AssumeRoleWithWebIdentity happens here, before moto starts checking signatures.
        credentialsProvider.resolveCredentials();
        try (MotoServer.Enforcement enforced = moto.enforceAuthentication(0)) {
            exportAndHealth();
            assertThat(moto.callerArn(credentialsProvider)).as("who signs, as moto sees it")
                    .startsWith("arn:aws:sts::" + MotoServer.ACCOUNT_ID + ":assumed-role/" + ROLE_NAME + "/");
            assertThatThrownBy(() -> moto.callerArn(MotoServer.forgedCredentials()))
                    .as("control: a key moto never issued is refused")
                    .isInstanceOfSatisfying(StsException.class, e -> assertThat(e.statusCode()).isEqualTo(403));
        }
    }

    private void exportAndHealth() throws Exception {
        HttpResponse<String> export = http(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/exports/42"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"order\":42}")));

        assertThat(export.statusCode()).as(export.body()).isEqualTo(200);
        assertThat(s3.download("checkout-exports", "exports/42.json").getContentAsString(StandardCharsets.UTF_8))
                .isEqualTo("{\"order\":42}");
        assertThat(sqs.receive("checkout-exports", String.class)).hasValueSatisfying(message ->
                assertThat(message.getPayload()).isEqualTo("exports/42.json"));

        HttpResponse<String> healthResponse = http(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/actuator/health")));
        Map<String, Object> health = JSONObjectUtils.parse(healthResponse.body());
        assertThat(health).containsEntry("status", "UP");
        assertThat(JSONObjectUtils.getJSONObject(JSONObjectUtils.getJSONObject(health, "components"), "keyless"))
                .containsEntry("status", "UP");
        assertThat(healthResponse.body()).doesNotContain(token).doesNotContain("eyJ");

        // Federation decides readiness, never liveness.
        Map<String, Object> readiness = JSONObjectUtils.parse(http(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness"))).body());
        assertThat(JSONObjectUtils.getJSONObject(readiness, "components")).containsKeys("keyless", "readinessState");
        Map<String, Object> liveness = JSONObjectUtils.parse(http(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/actuator/health/liveness"))).body());
        assertThat(JSONObjectUtils.getJSONObject(liveness, "components")).containsOnlyKeys("livenessState");
    }
}
