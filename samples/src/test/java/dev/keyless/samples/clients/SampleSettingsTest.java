package dev.keyless.samples.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

class SampleSettingsTest {

    private static final String ROLE_ARN = "arn:aws:iam::123456789012:role/checkout-s3-writer";
    private static final String TOKEN_FILE = "/var/run/secrets/aws/sts.amazonaws.com/serviceaccount/token";

    @Test
    void from_pathAEnvironment_readsEverySetting() {
        SampleSettings settings = SampleSettings.from(Map.of(
                "AWS_ROLE_ARN", ROLE_ARN,
                "AWS_REGION", "eu-west-1",
                "AWS_ROLE_SESSION_NAME", "checkout-api",
                "AWS_WEB_IDENTITY_TOKEN_FILE", TOKEN_FILE,
                "SAMPLE_S3_BUCKET", "checkout-exports",
                "SAMPLE_SQS_QUEUE_URL", "https://sqs.eu-west-1.amazonaws.com/123456789012/checkout-orders"));

        assertThat(settings.roleArn()).isEqualTo(ROLE_ARN);
        assertThat(settings.region()).isEqualTo(Region.EU_WEST_1);
        assertThat(settings.roleSessionName()).isEqualTo("checkout-api");
        assertThat(settings.tokenFile()).isEqualTo(Path.of(TOKEN_FILE));
        assertThat(settings.requireBucket()).isEqualTo("checkout-exports");
        assertThat(settings.requireQueueUrl()).endsWith("/checkout-orders");
        assertThat(settings.stsEndpoint()).isNull();
        assertThat(settings.s3Endpoint()).isNull();
        assertThat(settings.sqsEndpoint()).isNull();
        assertThat(settings.tokenSource()).hasToString("file " + TOKEN_FILE);
        assertThat(settings.repeatEvery()).isNull();
        assertThat(settings.pauseBeforeRepeating()).as("runs once").isFalse();
    }

    @Test
    void from_repeatSeconds_isTheIntervalBetweenRounds() {
        SampleSettings settings = SampleSettings.from(Map.of("AWS_ROLE_ARN", ROLE_ARN, "AWS_REGION", "eu-west-1",
                "AWS_WEB_IDENTITY_TOKEN_FILE", TOKEN_FILE, "SAMPLE_REPEAT_SECONDS", "60"));

        assertThat(settings.repeatEvery()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void from_repeatSecondsNotAPositiveNumber_namesTheVariable() {
        for (String value : new String[] {"0", "-5", "1m"}) {
            assertThatThrownBy(() -> SampleSettings.from(Map.of("AWS_ROLE_ARN", ROLE_ARN, "AWS_REGION", "eu-west-1",
                    "AWS_WEB_IDENTITY_TOKEN_FILE", TOKEN_FILE, "SAMPLE_REPEAT_SECONDS", value)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("SAMPLE_REPEAT_SECONDS is '" + value + "'");
        }
    }

    @Test
    void tokenSource_onlyAnAudience_isTheMetadataServerForThatAudience() {
        SampleSettings settings = SampleSettings.from(Map.of(
                "AWS_ROLE_ARN", ROLE_ARN, "AWS_REGION", "eu-west-1",
                "KEYLESS_TOKEN_AUDIENCE", "112233445566778899001"));

        assertThat(settings.tokenSource().toString())
                .startsWith("metadata server ")
                .endsWith("(audience 112233445566778899001)");
    }

    @Test
    void tokenSource_bothPathsConfigured_prefersTheTokenFileAsTheAwsSdksDo() {
        SampleSettings settings = SampleSettings.from(Map.of(
                "AWS_ROLE_ARN", ROLE_ARN, "AWS_REGION", "eu-west-1",
                "AWS_WEB_IDENTITY_TOKEN_FILE", TOKEN_FILE, "KEYLESS_TOKEN_AUDIENCE", "112233445566778899001"));

        assertThat(settings.tokenSource()).hasToString("file " + TOKEN_FILE);
    }

    @Test
    void from_endpointUrls_serviceSpecificOneWinsOverTheCommonOne() {
        SampleSettings settings = SampleSettings.from(Map.of(
                "AWS_ROLE_ARN", ROLE_ARN, "AWS_REGION", "eu-west-1", "AWS_WEB_IDENTITY_TOKEN_FILE", TOKEN_FILE,
                "AWS_ENDPOINT_URL", "http://127.0.0.1:5000",
                "AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9000"));

        assertThat(settings.stsEndpoint()).isEqualTo(URI.create("http://127.0.0.1:5000"));
        assertThat(settings.sqsEndpoint()).isEqualTo(URI.create("http://127.0.0.1:5000"));
        assertThat(settings.s3Endpoint()).isEqualTo(URI.create("http://127.0.0.1:9000"));
    }

    @Test
    void from_awsDefaultRegionOnly_isUsed_andBlankValuesCountAsUnset() {
        Map<String, String> env = new HashMap<>(Map.of("AWS_ROLE_ARN", ROLE_ARN, "AWS_REGION", " ",
                "AWS_DEFAULT_REGION", "us-west-2", "AWS_WEB_IDENTITY_TOKEN_FILE", TOKEN_FILE,
                "AWS_ROLE_SESSION_NAME", ""));

        SampleSettings settings = SampleSettings.from(env);

        assertThat(settings.region()).isEqualTo(Region.US_WEST_2);
        assertThat(settings.roleSessionName()).isNull();
    }

    @Test
    void from_noRoleArn_namesTheVariable() {
        assertThatThrownBy(() -> SampleSettings.from(Map.of("AWS_REGION", "eu-west-1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("AWS_ROLE_ARN is not set");
    }

    @Test
    void from_noRegion_namesTheVariable() {
        assertThatThrownBy(() -> SampleSettings.from(Map.of("AWS_ROLE_ARN", ROLE_ARN)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("AWS_REGION is not set");
    }

    @Test
    void from_noTokenSource_namesBothPaths() {
        assertThatThrownBy(() -> SampleSettings.from(Map.of("AWS_ROLE_ARN", ROLE_ARN, "AWS_REGION", "eu-west-1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("AWS_WEB_IDENTITY_TOKEN_FILE")
                .hasMessageContaining("KEYLESS_TOKEN_AUDIENCE");
    }

    @Test
    void from_endpointThatIsNotAUrl_namesTheVariable() {
        assertThatThrownBy(() -> SampleSettings.from(Map.of("AWS_ROLE_ARN", ROLE_ARN, "AWS_REGION", "eu-west-1",
                "AWS_WEB_IDENTITY_TOKEN_FILE", TOKEN_FILE, "AWS_ENDPOINT_URL", "localhost:5000")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("AWS_ENDPOINT_URL is 'localhost:5000'");
    }

    @Test
    void requireBucket_unset_namesTheVariable() {
        SampleSettings settings = SampleSettings.from(Map.of("AWS_ROLE_ARN", ROLE_ARN, "AWS_REGION", "eu-west-1",
                "AWS_WEB_IDENTITY_TOKEN_FILE", TOKEN_FILE));

        assertThatThrownBy(settings::requireBucket).hasMessageStartingWith("SAMPLE_S3_BUCKET is not set");
        assertThatThrownBy(settings::requireQueueUrl).hasMessageStartingWith("SAMPLE_SQS_QUEUE_URL is not set");
    }
}
