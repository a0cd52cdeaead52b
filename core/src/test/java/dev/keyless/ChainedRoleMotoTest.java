package dev.keyless;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyless.testing.KubeletVolume;
import dev.keyless.testing.MotoServer;
import dev.keyless.testing.SigningKeys;
import dev.keyless.testing.TestTokens;
import dev.keyless.token.TokenSources;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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

/**
 * A two-hop chain against moto with request authentication enforced: the web identity role's session signs
 * {@code AssumeRole} into a second role, moto checks that signature and the first role's permissions, and the
 * second role's credentials sign S3 and SQS.
 */
@ExtendWith(MotoServer.class)
class ChainedRoleMotoTest {

    private static final String SESSION = "checkout-api";

    private final MotoServer moto;

    ChainedRoleMotoTest(MotoServer moto) {
        this.moto = moto;
    }

    @Test
    void twoHopChain_lastRolesCredentialsCreateABucketAndSendAMessage_andMotoNamesTheSecondRole(@TempDir Path volume)
            throws IOException {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String landing = "gke-landing-" + suffix;
        String target = "orders-writer-" + suffix;
        moto.createRole(landing, "sts:AssumeRole");
        moto.createRoleTrusting(target, trustedBy(landing), "s3:*", "sqs:*");
        Path token = KubeletVolume.create(volume, TestTokens.gke(Instant.now(), Duration.ofHours(1))).tokenPath();
        SigningKeys signingKeys = new SigningKeys();

        // One unsigned request may pass: the web identity call. Hop 2 is signed, and checked, by the landing session.
        try (MotoServer.Enforcement enforced = moto.enforceAuthentication(1);
             WebIdentityCredentialsProvider provider = WebIdentityCredentialsProvider.builder()
                     .roleArn(arn(landing))
                     .roleSessionName(SESSION)
                     .thenAssumeRole(hop -> hop.roleArn(arn(target)).sessionDuration(Duration.ofMinutes(30)))
                     .tokenSource(TokenSources.file(token))
                     .region(Region.US_EAST_1)
                     .stsEndpoint(moto.endpoint())
                     .build();
             S3Client s3 = S3Client.builder().endpointOverride(moto.endpoint()).forcePathStyle(true)
                     .region(Region.US_EAST_1).credentialsProvider(provider)
                     .overrideConfiguration(c -> c.addExecutionInterceptor(signingKeys)).build();
             SqsClient sqs = SqsClient.builder().endpointOverride(moto.endpoint()).region(Region.US_EAST_1)
                     .credentialsProvider(provider)
                     .overrideConfiguration(c -> c.addExecutionInterceptor(signingKeys)).build()) {
            AwsSessionCredentials credentials = (AwsSessionCredentials) provider.resolveCredentials();
            assertThat(provider.targetRoleArn()).isEqualTo(arn(target));

            String name = "keyless-chain-" + suffix;
            s3.createBucket(b -> b.bucket(name));
            s3.putObject(p -> p.bucket(name).key("orders/1.json"), RequestBody.fromString("{\"order\":1}"));
            String queueUrl = sqs.createQueue(q -> q.queueName(name)).queueUrl();
            sqs.sendMessage(m -> m.queueUrl(queueUrl).messageBody("order 1 shipped"));
            List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(queueUrl).maxNumberOfMessages(1)
                    .waitTimeSeconds(1)).messages();
            assertThat(messages).extracting(Message::body).containsExactly("order 1 shipped");

            assertThat(moto.callerArn(provider)).as("who signs, as moto sees it")
                    .as("the second hop took the first hop's session name")
                    .isEqualTo("arn:aws:sts::" + MotoServer.ACCOUNT_ID + ":assumed-role/" + target + "/" + SESSION);
            assertThat(signingKeys.accessKeyIds()).as("every S3 and SQS request signed by the second role's key")
                    .isNotEmpty().containsOnly(credentials.accessKeyId());
            assertThatThrownBy(() -> moto.callerArn(MotoServer.forgedCredentials()))
                    .as("control: moto refuses a key it never issued").isNotNull();
        }
    }

    @Test
    void landingRoleWithoutAssumeRolePermission_motoRefusesHop2_andTheFailureNamesHopRoleAndCaller(
            @TempDir Path volume) throws IOException {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String landing = "gke-landing-" + suffix;
        String target = "orders-writer-" + suffix;
        moto.createRole(landing, "s3:ListAllMyBuckets");
        moto.createRoleTrusting(target, trustedBy(landing), "s3:*");
        Path token = KubeletVolume.create(volume, TestTokens.gke(Instant.now(), Duration.ofHours(1))).tokenPath();

        try (MotoServer.Enforcement enforced = moto.enforceAuthentication(1);
             WebIdentityCredentialsProvider provider = WebIdentityCredentialsProvider.builder()
                     .roleArn(arn(landing))
                     .roleSessionName(SESSION)
                     .thenAssumeRole(arn(target))
                     .tokenSource(TokenSources.file(token))
                     .region(Region.US_EAST_1)
                     .stsEndpoint(moto.endpoint())
                     .build()) {
            assertThatThrownBy(provider::resolveCredentials)
                    .isInstanceOfSatisfying(WebIdentityCredentialsException.class, e -> {
                        assertThat(e.hop()).isEqualTo(2);
                        assertThat(e.roleArn()).isEqualTo(arn(target));
                        assertThat(e.callerArn()).startsWith("arn:aws:sts::" + MotoServer.ACCOUNT_ID
                                + ":assumed-role/" + landing + "/");
                        // moto answers <ErrorResponse><Errors><Error>, which the SDK's query protocol does
                        // not read (real STS sends <ErrorResponse><Error>): the status is all that arrives. The
                        // AccessDenied diagnosis is tested against STS's real shape in ChainedRoleStsFaultTest.
                        assertThat(e.getMessage()).contains("(hop 2 of 2, sts:AssumeRole as " + e.callerArn() + ")",
                                "STS answered 403");
                    });
        }
    }

    private static String arn(String roleName) {
        return "arn:aws:iam::" + MotoServer.ACCOUNT_ID + ":role/" + roleName;
    }

    /**
     * Who the target role trusts: the landing role's session. Moto compares {@code Principal.AWS} with the caller's
     * session ARN exactly, where AWS also matches the role's ARN (the form {@code TrustPolicies} writes).
     */
    private static String trustedBy(String roleName) {
        return "arn:aws:sts::" + MotoServer.ACCOUNT_ID + ":assumed-role/" + roleName + "/" + SESSION;
    }
}
