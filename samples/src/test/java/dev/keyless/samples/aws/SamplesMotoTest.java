package dev.keyless.samples.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyless.testing.MotoServer;
import dev.keyless.testing.TestTokens;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;

/** The samples, configured through their environment exactly as on GKE (path A), against moto. */
@ExtendWith(MotoServer.class)
class SamplesMotoTest {

    private final MotoServer moto;

    @TempDir
    Path dir;

    SamplesMotoTest(MotoServer moto) {
        this.moto = moto;
    }

    private Map<String, String> env(String key, String value) throws Exception {
        Path token = Files.writeString(dir.resolve("token"), TestTokens.gke(Instant.now(), Duration.ofHours(1)));
        return Map.of("AWS_ROLE_ARN", "arn:aws:iam::" + MotoServer.ACCOUNT_ID + ":role/checkout-s3-writer",
                "AWS_WEB_IDENTITY_TOKEN_FILE", token.toString(),
                "AWS_REGION", "eu-west-1",
                "AWS_ENDPOINT_URL", moto.endpoint().toString(),
                key, value);
    }

    private static StaticCredentialsProvider admin() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create("admin", "admin"));
    }

    @Test
    void s3Sample_writesAndReadsAnObject() throws Exception {
        try (S3Client s3 = S3Client.builder().endpointOverride(moto.endpoint()).forcePathStyle(true)
                .region(Region.EU_WEST_1).credentialsProvider(admin()).build()) {
            s3.createBucket(r -> r.bucket("checkout-receipts")
                    .createBucketConfiguration(c -> c.locationConstraint("eu-west-1")));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        String content = S3Sample.run(env("S3_BUCKET", "checkout-receipts")::get,
                new PrintStream(out, true, StandardCharsets.UTF_8));

        assertThat(content).isEqualTo("Hello from a keyless pod");
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("account " + MotoServer.ACCOUNT_ID)
                .doesNotContain("eyJ");
    }

    @Test
    void sqsSample_sendsAndReceivesAMessage() throws Exception {
        String queueUrl;
        try (SqsClient sqs = SqsClient.builder().endpointOverride(moto.endpoint()).region(Region.EU_WEST_1)
                .credentialsProvider(admin()).build()) {
            queueUrl = sqs.createQueue(r -> r.queueName("checkout-events")).queueUrl();
        }

        String body = SqsSample.run(env("SQS_QUEUE_URL", queueUrl)::get, new PrintStream(new ByteArrayOutputStream()));

        assertThat(body).isEqualTo("Hello from a keyless pod");
    }
}
