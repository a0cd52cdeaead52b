package dev.keyless;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyless.settings.Settings;
import dev.keyless.testing.KubeletVolume;
import dev.keyless.testing.MotoServer;
import dev.keyless.testing.SigningKeys;
import dev.keyless.testing.TestTokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * A profile file the test writes, with a web identity profile and a profile chained from it into a second role,
 * end to end against moto with request authentication enforced: the web identity call is the one request moto
 * lets through unsigned, the {@code AssumeRole} into the second role is signed with the first role's session and
 * checked against that role's policy, and S3, SQS and {@code GetCallerIdentity} see the second role.
 */
@ExtendWith(MotoServer.class)
class ProfileInteropTest {

    private static final String LANDING = "keyless-profile-landing";
    private static final String ORDERS = "keyless-profile-orders";

    private final MotoServer moto;

    ProfileInteropTest(MotoServer moto) {
        this.moto = moto;
    }

    @Test
    void chainedProfileNamedOnTheBuilder_assumesBothRolesAtMoto_andS3AndSqsActAsTheSecond(@TempDir Path dir)
            throws IOException {
        Path config = writeProfiles(dir);
        Settings settings = Settings.from(name -> null, Map.of("AWS_CONFIG_FILE", config.toString())::get);

        try (WebIdentityCredentialsProvider provider = WebIdentityCredentialsProvider.builder()
                .settings(settings)
                .profile("orders")
                .stsEndpoint(moto.endpoint())
                .build()) {
            assertChainWorks(provider);
        }
    }

    @Test
    void chainedProfileNamedByAwsProfile_throughSettings_assumesBothRolesAtMoto(@TempDir Path dir)
            throws IOException {
        writeProfiles(dir);
        // As a pod (or the Spring starter's Environment) gives them: a home directory and AWS_PROFILE, nothing else.
        Map<String, String> environment = new HashMap<>();
        environment.put("HOME", dir.toString());
        environment.put("AWS_PROFILE", "orders");

        try (WebIdentityCredentialsProvider provider = WebIdentityCredentialsProvider.builder()
                .settings(Settings.from(name -> null, environment::get))
                .stsEndpoint(moto.endpoint())
                .build()) {
            assertThat(provider.roleArn()).isEqualTo(arn(LANDING));
            assertThat(provider.targetRoleArn()).isEqualTo(arn(ORDERS));
            assertChainWorks(provider);
        }
    }

    /** {@code ~/.aws/config} under {@code dir}: the web identity profile {@code gke}, and {@code orders} from it. */
    private static Path writeProfiles(Path dir) throws IOException {
        Path token = KubeletVolume.create(Files.createDirectories(dir.resolve("volume")),
                TestTokens.gke(Instant.now(), Duration.ofHours(1))).tokenPath();
        Files.createDirectories(dir.resolve(".aws"));
        return Files.writeString(dir.resolve(".aws/config"), """
                [profile gke]
                role_arn = %s
                web_identity_token_file = %s
                role_session_name = checkout-api
                region = us-east-1

                [profile orders]
                role_arn = %s
                source_profile = gke
                role_session_name = orders-writer
                duration_seconds = 1800
                """.formatted(arn(LANDING), token, arn(ORDERS)));
    }

    private void assertChainWorks(WebIdentityCredentialsProvider provider) {
        // The landing role may only assume roles; the orders role trusts the landing role's session (the profile
        // names it checkout-api) and may use S3 and SQS.
        moto.createRole(LANDING, "sts:AssumeRole");
        moto.createRoleTrusting(ORDERS, "arn:aws:sts::" + MotoServer.ACCOUNT_ID + ":assumed-role/" + LANDING
                + "/checkout-api", "s3:*", "sqs:*");
        SigningKeys signingKeys = new SigningKeys();
        String name = "keyless-profile-" + UUID.randomUUID().toString().substring(0, 8);

        // One unsigned request: AssumeRoleWithWebIdentity. From the AssumeRole on, moto checks every signature.
        try (MotoServer.Enforcement enforced = moto.enforceAuthentication(1)) {
            AwsSessionCredentials credentials = (AwsSessionCredentials) provider.resolveCredentials();
            assertThat(credentials.accessKeyId()).startsWith("ASIA");
            assertThat(credentials.expirationTime()).hasValueSatisfying(expiration ->
                    assertThat(expiration).isBefore(Instant.now().plus(Duration.ofMinutes(31))));

            try (S3Client s3 = S3Client.builder()
                         .endpointOverride(moto.endpoint())
                         .forcePathStyle(true)
                         .region(Region.US_EAST_1)
                         .credentialsProvider(provider)
                         .overrideConfiguration(c -> c.addExecutionInterceptor(signingKeys))
                         .build();
                 SqsClient sqs = SqsClient.builder()
                         .endpointOverride(moto.endpoint())
                         .region(Region.US_EAST_1)
                         .credentialsProvider(provider)
                         .overrideConfiguration(c -> c.addExecutionInterceptor(signingKeys))
                         .build()) {
                s3.createBucket(b -> b.bucket(name));
                s3.putObject(p -> p.bucket(name).key("orders/1.json"), RequestBody.fromString("{\"order\":1}"));
                assertThat(s3.getObjectAsBytes(g -> g.bucket(name).key("orders/1.json")).asUtf8String())
                        .isEqualTo("{\"order\":1}");

                String queueUrl = sqs.createQueue(q -> q.queueName(name)).queueUrl();
                sqs.sendMessage(m -> m.queueUrl(queueUrl).messageBody("order 1 shipped"));
                List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(1)
                        .waitTimeSeconds(1)).messages();
                assertThat(messages).extracting(Message::body).containsExactly("order 1 shipped");

                // Last: an SDK client closes the provider it was given when it is closed itself.
                assertThat(moto.callerArn(provider)).as("who signs, as moto sees it").isEqualTo("arn:aws:sts::"
                        + MotoServer.ACCOUNT_ID + ":assumed-role/" + ORDERS + "/orders-writer");
            }
            assertThatThrownBy(() -> moto.callerArn(MotoServer.forgedCredentials()))
                    .as("control: a key moto never issued is refused")
                    .isInstanceOfSatisfying(StsException.class, e -> assertThat(e.statusCode()).isEqualTo(403));
            assertThat(signingKeys.services()).contains("S3", "Sqs");
            assertThat(signingKeys.accessKeyIds()).as("every S3 and SQS request signed by the second role's session")
                    .containsOnly(credentials.accessKeyId());
        }
    }

    private static String arn(String role) {
        return "arn:aws:iam::" + MotoServer.ACCOUNT_ID + ":role/" + role;
    }
}
