package dev.keyless;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyless.testing.FakeMetadataServer;
import dev.keyless.testing.KubeletVolume;
import dev.keyless.testing.MotoServer;
import dev.keyless.testing.SigningKeys;
import dev.keyless.testing.TestTokens;
import dev.keyless.token.MetadataServerTokenSources;
import dev.keyless.token.TokenSource;
import dev.keyless.token.TokenSources;
import dev.keyless.token.WebIdentityToken;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.arns.Arn;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityRequest;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityResponse;
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * Both token paths end to end against moto, a real third-party STS, S3 and SQS: the provider assumes a role
 * with a Google-shaped token, and S3 and SQS clients sign their requests with the credentials it returns.
 */
@ExtendWith(MotoServer.class)
class MotoInteropTest {

    private static final String ROLE_NAME = "checkout-s3-writer";
    private static final String ROLE_ARN = "arn:aws:iam::" + MotoServer.ACCOUNT_ID + ":role/" + ROLE_NAME;

    private final MotoServer moto;

    MotoInteropTest(MotoServer moto) {
        this.moto = moto;
    }

    @Test
    void gkeProjectedTokenFile_assumesRoleAtMoto_andS3AndSqsSignWithTheFederatedKey(@TempDir Path volume)
            throws IOException {
        Path token = KubeletVolume.create(volume, TestTokens.gke(Instant.now(), Duration.ofHours(1))).tokenPath();

        try (WebIdentityCredentialsProvider provider = WebIdentityCredentialsProvider.builder()
                .roleArn(ROLE_ARN)
                .tokenSource(TokenSources.file(token))
                .region(Region.US_EAST_1)
                .stsEndpoint(moto.endpoint())
                .build()) {
            AwsSessionCredentials credentials = (AwsSessionCredentials) provider.resolveCredentials();

            assertThat(credentials.accessKeyId()).startsWith("ASIA");
            assertThat(credentials.sessionToken()).as("session token").isNotBlank();
            assertThat(credentials.expirationTime()).hasValueSatisfying(
                    expiration -> assertThat(expiration).isAfter(Instant.now()));
            // moto reports the role's account, its default, in the AssumedRoleUser ARN.
            assertThat(credentials.accountId()).hasValue(MotoServer.ACCOUNT_ID);
            assertThat(credentials.providerName()).hasValue(WebIdentityCredentialsProvider.PROVIDER_NAME);

            assertS3AndSqsWork(provider, credentials.accessKeyId());
        }
    }

    @Test
    void gsaIdentityTokenFromMetadataServer_assumesRoleAtMoto_andS3AndSqsSignWithTheFederatedKey() {
        StsCalls stsCalls = new StsCalls();
        try (FakeMetadataServer metadata = FakeMetadataServer.start();
             StsClient sts = StsClient.builder()
                     .endpointOverride(moto.endpoint())
                     .region(Region.US_EAST_1)
                     .credentialsProvider(AnonymousCredentialsProvider.create())
                     .overrideConfiguration(c -> c.addExecutionInterceptor(stsCalls))
                     .build();
             WebIdentityCredentialsProvider provider = WebIdentityCredentialsProvider.builder()
                     .roleArn(ROLE_ARN)
                     .tokenSource(metadataServer(metadata, TestTokens.GSA_UNIQUE_ID))
                     .stsClient(sts)
                     .build()) {
            AwsSessionCredentials credentials = (AwsSessionCredentials) provider.resolveCredentials();

            assertThat(stsCalls.count()).as("AssumeRoleWithWebIdentity calls moto answered").isEqualTo(1);
            assertThat(metadata.requests()).singleElement().satisfies(request -> {
                assertThat(request.flavorHeader()).as("Metadata-Flavor: Google sent").isTrue();
                assertThat(request.query()).containsEntry("audience", TestTokens.GSA_UNIQUE_ID)
                        .containsEntry("format", "full");
                assertThat(request.status()).isEqualTo(200);
            });
            // Claims, never the token itself: a failing comparison would print it.
            assertThat(stsCalls.lastTokenClaims()).as("claims of the token sent to STS")
                    .contains("iss=" + TestTokens.GOOGLE_ISSUER, "sub=" + TestTokens.GSA_UNIQUE_ID);

            assertThat(credentials.accessKeyId()).isEqualTo(stsCalls.lastAccessKeyId()).startsWith("ASIA");
            assertThat(credentials.sessionToken()).as("session token").isNotBlank();
            assertThat(credentials.expirationTime()).hasValueSatisfying(
                    expiration -> assertThat(expiration).isAfter(Instant.now()));
            String assumedRoleAccount = Arn.fromString(stsCalls.lastAssumedRoleArn()).accountId().orElseThrow();
            assertThat(credentials.accountId()).hasValue(assumedRoleAccount);
            assertThat(assumedRoleAccount).isEqualTo(MotoServer.ACCOUNT_ID);

            assertS3AndSqsWork(provider, credentials.accessKeyId());
            assertThat(stsCalls.count()).as("cached credentials served S3 and SQS without new STS calls")
                    .isEqualTo(1);
        }
    }

    /**
     * Creates a bucket and a queue under fresh names (moto is shared by the JVM), round-trips an object and a
     * message, and checks every request was signed with {@code expectedAccessKeyId}.
     */
    private void assertS3AndSqsWork(AwsCredentialsProvider provider, String expectedAccessKeyId) {
        SigningKeys signingKeys = new SigningKeys();
        String name = "keyless-interop-" + UUID.randomUUID().toString().substring(0, 8);
        moto.createRole(ROLE_NAME, "s3:*", "sqs:*");

        // From here moto checks every signature against the credentials it issued, and the role's policies.
        try (MotoServer.Enforcement enforced = moto.enforceAuthentication(0);
             S3Client s3 = S3Client.builder()
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
            String object = s3.getObjectAsBytes(g -> g.bucket(name).key("orders/1.json")).asUtf8String();
            assertThat(object).isEqualTo("{\"order\":1}");

            String queueUrl = sqs.createQueue(q -> q.queueName(name)).queueUrl();
            sqs.sendMessage(m -> m.queueUrl(queueUrl).messageBody("order 1 shipped"));
            List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(1)
                    .waitTimeSeconds(1)).messages();
            assertThat(messages).extracting(Message::body).containsExactly("order 1 shipped");

            assertThat(moto.callerArn(provider)).as("who signs, as moto sees it")
                    .startsWith("arn:aws:sts::" + MotoServer.ACCOUNT_ID + ":assumed-role/" + ROLE_NAME + "/");
            assertThatThrownBy(() -> moto.callerArn(MotoServer.forgedCredentials()))
                    .as("control: a key moto never issued is refused")
                    .isInstanceOfSatisfying(StsException.class, e -> assertThat(e.statusCode()).isEqualTo(403));
        }

        assertThat(signingKeys.services()).contains("S3", "Sqs");
        assertThat(signingKeys.accessKeyIds()).as("access key id in each request's Authorization header")
                .hasSizeGreaterThanOrEqualTo(6)
                .containsOnly(expectedAccessKeyId);
    }

    /** Path B as a pod runs it: Keyless's metadata-server source, pointed at the fake as GCE_METADATA_HOST would. */
    private static TokenSource metadataServer(FakeMetadataServer metadata, String audience) {
        return MetadataServerTokenSources.forHost(metadata.hostAndPort(), audience);
    }

    /** Counts the AssumeRoleWithWebIdentity calls moto answered and keeps non-secret facts of the last one. */
    private static final class StsCalls implements ExecutionInterceptor {
        private final List<AssumeRoleWithWebIdentityResponse> responses = new CopyOnWriteArrayList<>();
        private final AtomicReference<String> lastTokenClaims = new AtomicReference<>();

        @Override
        public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
            if (context.request() instanceof AssumeRoleWithWebIdentityRequest request
                    && context.response() instanceof AssumeRoleWithWebIdentityResponse response) {
                lastTokenClaims.set(WebIdentityToken.of(request.webIdentityToken(), "STS request").describeClaims());
                responses.add(response);
            }
        }

        int count() {
            return responses.size();
        }

        String lastTokenClaims() {
            return lastTokenClaims.get();
        }

        String lastAccessKeyId() {
            return responses.get(responses.size() - 1).credentials().accessKeyId();
        }

        String lastAssumedRoleArn() {
            return responses.get(responses.size() - 1).assumedRoleUser().arn();
        }
    }
}
