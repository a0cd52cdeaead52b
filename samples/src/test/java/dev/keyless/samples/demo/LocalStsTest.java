package dev.keyless.samples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyless.diagnostics.TokenInspector;
import dev.keyless.diagnostics.TrustPolicies;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityResponse;
import software.amazon.awssdk.services.sts.model.ExpiredTokenException;
import software.amazon.awssdk.services.sts.model.InvalidIdentityTokenException;
import software.amazon.awssdk.services.sts.model.StsException;

/** The demo STS answers the AWS SDK's StsClient the way STS does, for success and each refusal. */
class LocalStsTest {

    private static LocalOidcIssuer issuer;
    private static LocalOidcIssuer otherIssuer;
    private static LocalSts sts;
    private static StsClient client;
    private static String roleArn;

    @BeforeAll
    static void start() throws Exception {
        issuer = LocalOidcIssuer.start();
        otherIssuer = LocalOidcIssuer.start();
        sts = LocalSts.start(issuer.issuerUrl());
        roleArn = sts.createRole("checkout-s3-writer", policyFor(token(issuer, Instant.now())));
        client = StsClient.builder()
                .endpointOverride(sts.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(AnonymousCredentialsProvider.create())
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    @AfterAll
    static void stop() {
        client.close();
        sts.close();
        otherIssuer.close();
        issuer.close();
    }

    @Test
    void assume_trustedToken_returnsCredentialsForTheRequestedDuration() {
        Instant before = Instant.now();
        AssumeRoleWithWebIdentityResponse response = assume(token(issuer, Instant.now()), 900);

        assertThat(response.credentials().accessKeyId()).matches("ASIA[A-Z2-7]{16}");
        assertThat(response.credentials().expiration())
                .isBetween(before.plusSeconds(899), Instant.now().plusSeconds(900));
        assertThat(response.assumedRoleUser().arn())
                .isEqualTo("arn:aws:sts::123456789012:assumed-role/checkout-s3-writer/demo-session");
        assertThat(response.subjectFromWebIdentityToken()).isEqualTo(Demo.SUBJECT);
        assertThat(response.audience()).isEqualTo("sts.amazonaws.com");
    }

    @Test
    void assume_tokenFromAnotherIssuer_isInvalidIdentityToken() {
        assertThatThrownBy(() -> assume(token(otherIssuer, Instant.now()), 3600))
                .isInstanceOf(InvalidIdentityTokenException.class)
                .hasMessageContaining("No OpenIDConnect provider found in your account for " + otherIssuer.issuerUrl());
    }

    @Test
    void assume_signatureFromAnotherKey_isInvalidIdentityToken() {
        String genuine = token(issuer, Instant.now());
        String otherSignature = token(otherIssuer, Instant.now()).replaceFirst("^.*\\.", "");
        String forged = genuine.substring(0, genuine.lastIndexOf('.') + 1) + otherSignature;

        assertThatThrownBy(() -> assume(forged, 3600))
                .isInstanceOf(InvalidIdentityTokenException.class)
                .hasMessageContaining("signature does not verify");
    }

    @Test
    void assume_audienceNotInTheOidcProvidersClientIds_isInvalidIdentityToken() {
        String kubernetesAudience = issuer.mintServiceAccountToken(Demo.NAMESPACE, Demo.SERVICE_ACCOUNT, Demo.POD,
                Instant.now(), Duration.ofHours(1), "https://container.googleapis.com/v1/projects/p/locations/l/clusters/c");

        assertThatThrownBy(() -> assume(kubernetesAudience, 3600))
                .isInstanceOf(InvalidIdentityTokenException.class)
                .hasMessageContaining("Incorrect token audience");
    }

    @Test
    void createRole_policyThatIsNotJson_isRefusedAsMalformed() {
        assertThatThrownBy(() -> sts.createRole("broken", "{\"Version\": \"2012-10-17\", \"Statement\": ["))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("MalformedPolicyDocument: the trust policy of role broken");
    }

    @Test
    void assume_expiredToken_isExpiredTokenException() {
        assertThatThrownBy(() -> assume(token(issuer, Instant.now().minus(Duration.ofHours(2))), 3600))
                .isInstanceOf(ExpiredTokenException.class)
                .hasMessageContaining("Token expired");
    }

    @Test
    void assume_subjectTheRoleDoesNotTrust_isAccessDenied() {
        String otherRole = sts.createRole("payments-ledger-reader", policyFor(issuer.mintServiceAccountToken(
                Demo.OTHER_NAMESPACE, Demo.OTHER_SERVICE_ACCOUNT, "payments-api-0", Duration.ofHours(1))));

        assertThatThrownBy(() -> client.assumeRoleWithWebIdentity(r -> r.roleArn(otherRole)
                        .roleSessionName("demo-session").webIdentityToken(token(issuer, Instant.now()))))
                .isInstanceOfSatisfying(StsException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(403);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDenied");
                    assertThat(e.awsErrorDetails().errorMessage())
                            .isEqualTo("Not authorized to perform sts:AssumeRoleWithWebIdentity");
                });
        LocalSts.Exchange refused = sts.exchanges().get(sts.exchanges().size() - 1);
        assertThat(refused.errorCode()).isEqualTo("AccessDenied");
        assertThat(refused.verdict())
                .startsWith("Trust policy of " + otherRole + ": NOT ADMITTED")
                .contains(":sub").contains(Demo.OTHER_SUBJECT).contains(Demo.SUBJECT);
    }

    @Test
    void assume_roleThatDoesNotExist_isAccessDeniedLikeAPolicyMismatch() {
        String missing = "arn:aws:iam::" + LocalSts.ACCOUNT_ID + ":role/no-such-role";

        assertThatThrownBy(() -> client.assumeRoleWithWebIdentity(r -> r.roleArn(missing)
                        .roleSessionName("demo-session").webIdentityToken(token(issuer, Instant.now()))))
                .isInstanceOfSatisfying(StsException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AccessDenied"));
    }

    @Test
    void secretAccessKey_knowsOnlyIssuedCredentials() {
        String accessKeyId = assume(token(issuer, Instant.now()), 900).credentials().accessKeyId();

        assertThat(sts.secretAccessKey(accessKeyId)).isNotNull();
        assertThat(sts.secretAccessKey("ASIAAAAAAAAAAAAAAAAA")).isNull();
    }

    private static String policyFor(String token) {
        return TrustPolicies.trustPolicyJson(TokenInspector.inspect(token), LocalSts.ACCOUNT_ID);
    }

    private static AssumeRoleWithWebIdentityResponse assume(String token, int durationSeconds) {
        return client.assumeRoleWithWebIdentity(r -> r.roleArn(roleArn).roleSessionName("demo-session")
                .webIdentityToken(token).durationSeconds(durationSeconds));
    }

    private static String token(LocalOidcIssuer from, Instant issuedAt) {
        return from.mintServiceAccountToken(Demo.NAMESPACE, Demo.SERVICE_ACCOUNT, Demo.POD, issuedAt,
                Duration.ofHours(1));
    }
}
