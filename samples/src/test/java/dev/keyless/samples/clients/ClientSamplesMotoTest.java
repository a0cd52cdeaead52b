package dev.keyless.samples.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyless.samples.demo.ProjectedTokenVolume;
import dev.keyless.testing.FakeMetadataServer;
import dev.keyless.testing.MotoServer;
import dev.keyless.testing.TestTokens;
import dev.keyless.token.MetadataServerTokenSources;
import dev.keyless.token.TokenSource;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * The S3 and SQS samples, unchanged, against moto_server as STS, S3 and SQS: path A with a GKE projected
 * token in a kubelet-style volume, path B with the GSA identity token from a metadata server on loopback.
 * Settings come from an environment map, as {@code SampleSettings.fromEnvironment()} reads them on GKE.
 * Fails, never skips, without moto_server.
 *
 * <p>Moto checks who signs while a sample runs: only the sample's one unsigned STS call goes through unchecked,
 * every S3 and SQS request must carry a valid signature of credentials moto issued for the role, whose policy
 * allows S3 and SQS, and a forged key is refused meanwhile.
 */
@ExtendWith(MotoServer.class)
class ClientSamplesMotoTest {

    private static final String ROLE_NAME = "checkout-s3-writer";
    private static final String ROLE_ARN = "arn:aws:iam::" + MotoServer.ACCOUNT_ID + ":role/" + ROLE_NAME;

    private final MotoServer moto;
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8);
    private final String name = "keyless-samples-" + UUID.randomUUID().toString().substring(0, 8);
    private ProjectedTokenVolume volume;
    private FakeMetadataServer metadata;

    ClientSamplesMotoTest(MotoServer moto) {
        this.moto = moto;
    }

    @BeforeEach
    void setUp() throws Exception {
        volume = ProjectedTokenVolume.createTemporary(Clock.systemUTC());
        volume.write(TestTokens.gke(Instant.now(), Duration.ofHours(1)));
        metadata = FakeMetadataServer.start();
    }

    @AfterEach
    void tearDown() {
        metadata.close();
        volume.close();
    }

    @Test
    void s3Sample_pathA_tokenFile_writesAndReadsAnObject() {
        createBucket();
        SampleSettings settings = SampleSettings.from(pathA(Map.of("SAMPLE_S3_BUCKET", name)));

        String read = signedByTheRole(() -> S3Sample.run(settings, settings.tokenSource(), out));

        assertThat(read).startsWith("Written by " + ROLE_ARN);
        assertThat(objectInMoto()).isEqualTo(read);
        assertReported("S3: wrote and read back s3://" + name + "/" + S3Sample.KEY);
    }

    @Test
    void s3Sample_pathB_metadataServer_writesAndReadsAnObject() {
        createBucket();
        SampleSettings settings = SampleSettings.from(pathB(Map.of("SAMPLE_S3_BUCKET", name)));

        String read = signedByTheRole(() -> S3Sample.run(settings, metadataServer(settings), out));

        assertThat(objectInMoto()).isEqualTo(read);
        assertReported("S3: wrote and read back s3://" + name + "/" + S3Sample.KEY);
        assertMetadataServerAskedForTheGsaAudience();
    }

    @Test
    void sqsSample_pathA_tokenFile_sendsAndReceivesAMessage() {
        String queueUrl = createQueue();
        SampleSettings settings = SampleSettings.from(pathA(Map.of("SAMPLE_SQS_QUEUE_URL", queueUrl)));

        String received = signedByTheRole(() -> SqsSample.run(settings, settings.tokenSource(), out));

        assertThat(received).startsWith("Sent by " + ROLE_ARN);
        assertReported("SQS: sent and received one message on " + queueUrl);
    }

    @Test
    void sqsSample_pathB_metadataServer_sendsAndReceivesAMessage() {
        String queueUrl = createQueue();
        SampleSettings settings = SampleSettings.from(pathB(Map.of("SAMPLE_SQS_QUEUE_URL", queueUrl)));

        String received = signedByTheRole(() -> SqsSample.run(settings, metadataServer(settings), out));

        assertThat(received).startsWith("Sent by " + ROLE_ARN);
        assertReported("SQS: sent and received one message on " + queueUrl);
        assertMetadataServerAskedForTheGsaAudience();
    }

    /**
     * Runs {@code sample} with moto enforcing request authentication after one request: the sample's unsigned
     * {@code AssumeRoleWithWebIdentity}. Checks, while enforcement is on, that a key moto never issued is refused.
     */
    private String signedByTheRole(Supplier<String> sample) {
        moto.createRole(ROLE_NAME, "s3:*", "sqs:*");
        try (MotoServer.Enforcement enforced = moto.enforceAuthentication(1)) {
            String result = sample.get();
            assertThatThrownBy(() -> moto.callerArn(MotoServer.forgedCredentials()))
                    .as("control: a key moto never issued is refused")
                    .isInstanceOfSatisfying(StsException.class, e -> assertThat(e.statusCode()).isEqualTo(403));
            return result;
        }
    }

    private Map<String, String> pathA(Map<String, String> more) {
        Map<String, String> env = common(more);
        env.put("AWS_WEB_IDENTITY_TOKEN_FILE", volume.tokenPath().toString());
        return env;
    }

    private Map<String, String> pathB(Map<String, String> more) {
        Map<String, String> env = common(more);
        env.put("KEYLESS_TOKEN_AUDIENCE", TestTokens.GSA_UNIQUE_ID);
        return env;
    }

    private Map<String, String> common(Map<String, String> more) {
        Map<String, String> env = new HashMap<>(more);
        env.put("AWS_ROLE_ARN", ROLE_ARN);
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_ENDPOINT_URL", moto.endpoint().toString());
        return env;
    }

    /**
     * What {@code settings.tokenSource()} builds on GKE, where {@code GCE_METADATA_HOST} is unset and the host is
     * {@code metadata.google.internal}: here the same source pointed at the fake, without touching the real
     * environment.
     */
    private TokenSource metadataServer(SampleSettings settings) {
        return MetadataServerTokenSources.forHost(metadata.hostAndPort(), settings.tokenAudience());
    }

    private void assertReported(String line) {
        String report = output.toString(StandardCharsets.UTF_8);
        assertThat(report)
                .contains(line)
                .containsPattern("Credentials: account " + MotoServer.ACCOUNT_ID
                        + ", provider KeylessWebIdentityCredentialsProvider, expiring at \\S+ \\(in \\d+ min\\)")
                .doesNotContain("eyJ")
                .doesNotContainPattern("ASIA[A-Z0-9]{16}");
    }

    private void assertMetadataServerAskedForTheGsaAudience() {
        assertThat(metadata.requests()).isNotEmpty().allSatisfy(request -> {
            assertThat(request.flavorHeader()).isTrue();
            assertThat(request.query()).containsEntry("audience", TestTokens.GSA_UNIQUE_ID)
                    .containsEntry("format", "full");
            assertThat(request.status()).isEqualTo(200);
        });
    }

    /** The bucket an administrator would have made: the samples' roles may not create buckets. */
    private void createBucket() {
        try (S3Client s3 = admin(S3Client.builder().forcePathStyle(true))) {
            s3.createBucket(b -> b.bucket(name));
        }
    }

    private String objectInMoto() {
        try (S3Client s3 = admin(S3Client.builder().forcePathStyle(true))) {
            return s3.getObjectAsBytes(g -> g.bucket(name).key(S3Sample.KEY)).asUtf8String();
        }
    }

    private String createQueue() {
        try (SqsClient sqs = admin(SqsClient.builder())) {
            return sqs.createQueue(q -> q.queueName(name)).queueUrl();
        }
    }

    /** A client with moto's placeholder keys, for setting up and checking what the samples did. */
    private <B extends AwsClientBuilder<B, C>, C> C admin(B builder) {
        return builder.endpointOverride(moto.endpoint()).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("admin", "admin")))
                .build();
    }
}
