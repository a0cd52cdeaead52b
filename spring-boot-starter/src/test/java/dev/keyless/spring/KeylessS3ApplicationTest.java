package dev.keyless.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.testing.SigningKeys;
import dev.keyless.testing.MotoServer;
import dev.keyless.testing.TestTokens;
import io.awspring.cloud.autoconfigure.s3.S3ClientCustomizer;
import io.awspring.cloud.s3.S3Template;
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
import java.util.Map;
import java.util.UUID;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * A real application: Spring Boot with the web server and the actuator, Spring Cloud AWS's S3 starter, and
 * only {@code keyless.*} properties for credentials, against moto (STS and S3) with a GKE-shaped token in a
 * file. The {@code S3Template} signs with the federated credentials and {@code /actuator/health} shows
 * {@code keyless} UP, over HTTP, with no token or key in either response.
 */
@SpringBootTest(classes = KeylessS3ApplicationTest.App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class KeylessS3ApplicationTest {

    private static final String ROLE_ARN = "arn:aws:iam::" + MotoServer.ACCOUNT_ID + ":role/checkout-s3-writer";

    @RegisterExtension
    static final MotoServer moto = new MotoServer();

    @TempDir
    static Path volume;

    private static final SigningKeys s3SigningKeys = new SigningKeys();
    private static String token;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("keyless.role-arn", () -> ROLE_ARN);
        registry.add("keyless.token-file", KeylessS3ApplicationTest::tokenFile);
        registry.add("keyless.sts-endpoint", () -> moto.endpoint().toString());
        registry.add("keyless.region", () -> "us-east-1");
        registry.add("spring.cloud.aws.region.static", () -> "us-east-1");
        registry.add("spring.cloud.aws.s3.endpoint", () -> moto.endpoint().toString());
        registry.add("spring.cloud.aws.s3.path-style-access-enabled", () -> "true");
        registry.add("management.endpoints.web.exposure.include", () -> "health,keyless");
        registry.add("management.endpoint.health.show-details", () -> "always");
    }

    @Autowired
    private S3Template s3;

    @Autowired
    private AwsCredentialsProvider credentialsProvider;

    @Value("${local.server.port}")
    private int port;

    @Test
    void s3TemplateSignsWithFederatedCredentials_andActuatorHealthShowsKeylessUp() throws Exception {
        assertThat(credentialsProvider).isInstanceOf(WebIdentityCredentialsProvider.class);
        String bucket = "keyless-app-" + UUID.randomUUID().toString().substring(0, 8);
        moto.createRole("checkout-s3-writer", "s3:*");
        // The unsigned AssumeRoleWithWebIdentity happens here; from then on moto checks every signature.
        credentialsProvider.resolveCredentials();
        try (MotoServer.Enforcement enforced = moto.enforceAuthentication(0)) {
            assertThatThrownBy(() -> moto.callerArn(MotoServer.forgedCredentials()))
                    .as("control: a key moto never issued is refused")
                    .isInstanceOfSatisfying(StsException.class, e -> assertThat(e.statusCode()).isEqualTo(403));
            assertS3AndHealth(bucket);
        }
    }

    private void assertS3AndHealth(String bucket) throws Exception {
        s3.createBucket(bucket);
        s3.upload(bucket, "orders/1.json", new ByteArrayInputStream("{\"order\":1}".getBytes(StandardCharsets.UTF_8)));
        String object = s3.download(bucket, "orders/1.json").getContentAsString(StandardCharsets.UTF_8);

        assertThat(object).isEqualTo("{\"order\":1}");
        AwsSessionCredentials credentials = (AwsSessionCredentials) credentialsProvider.resolveCredentials();
        assertThat(credentials.accessKeyId()).startsWith("ASIA");
        assertThat(s3SigningKeys.accessKeyIds()).as("access key id of each S3 request")
                .hasSizeGreaterThanOrEqualTo(3).containsOnly(credentials.accessKeyId());

        String healthBody = get("/actuator/health");
        Map<String, Object> health = JSONObjectUtils.parse(healthBody);
        assertThat(health).containsEntry("status", "UP");
        assertThat(health).extractingByKey("components", InstanceOfAssertFactories.MAP)
                .extractingByKey("keyless", InstanceOfAssertFactories.MAP)
                .satisfies(keyless -> assertThat(keyless).containsEntry("status", "UP"))
                .extractingByKey("details", InstanceOfAssertFactories.MAP)
                .containsEntry("roleArn", ROLE_ARN)
                .containsEntry("tokenKind", "GKE projected service-account token")
                .containsEntry("tokenSubject", "system:serviceaccount:checkout:checkout-api")
                .containsEntry("accountId", MotoServer.ACCOUNT_ID)
                .containsKeys("expiration", "expiresIn");

        String keylessBody = get("/actuator/keyless");
        assertThat(JSONObjectUtils.parse(keylessBody)).containsKeys("token", "trustPolicy", "lastRefresh");

        for (String body : new String[] {healthBody, keylessBody}) {
            assertThat(body).doesNotContain(token).doesNotContain("eyJ")
                    .doesNotContain(credentials.secretAccessKey()).doesNotContain(credentials.sessionToken());
        }
    }

    private String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30))
                        .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
        return response.body();
    }

    /** Written once, when the context asks for {@code keyless.token-file}; {@code volume} is set by then. */
    private static synchronized String tokenFile() {
        Path file = volume.resolve("token");
        if (token == null) {
            token = TestTokens.gke(Instant.now(), Duration.ofHours(1));
            try {
                Files.writeString(file, token, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return file.toString();
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {

        /** Lets the test see which access key signed each S3 request. */
        @Bean
        S3ClientCustomizer signingKeysRecorder() {
            return builder -> builder.overrideConfiguration(c -> c.addExecutionInterceptor(s3SigningKeys));
        }
    }
}
