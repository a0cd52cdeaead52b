package dev.keyless.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

/** The one resolver: code, then system property, then environment variable, as the AWS SDK does. */
class SettingsTest {

    private static final String ENV_ROLE = "arn:aws:iam::111111111111:role/from-env";
    private static final String PROPERTY_ROLE = "arn:aws:iam::222222222222:role/from-property";
    private static final String CODE_ROLE = "arn:aws:iam::333333333333:role/from-code";

    private static Settings settings(Map<String, String> systemProperties, Map<String, String> environment) {
        return Settings.from(systemProperties::get, environment::get);
    }

    @Test
    void roleArn_systemPropertyWinsOverEnvironment_asInTheSdk() {
        Settings both = settings(Map.of("aws.roleArn", PROPERTY_ROLE), Map.of("AWS_ROLE_ARN", ENV_ROLE));

        SettingValue arn = both.roleArn(null);

        assertThat(arn.value()).isEqualTo(PROPERTY_ROLE);
        assertThat(arn.origin()).isEqualTo("system property aws.roleArn");
    }

    @Test
    void roleArn_codeWinsOverBoth_andBlankCountsAsUnset() {
        Settings both = settings(Map.of("aws.roleArn", PROPERTY_ROLE), Map.of("AWS_ROLE_ARN", ENV_ROLE));

        assertThat(both.roleArn(CODE_ROLE).value()).isEqualTo(CODE_ROLE);
        assertThat(both.roleArn(CODE_ROLE).origin()).isNull();
        assertThat(both.roleArn("  ").value()).isEqualTo(PROPERTY_ROLE);
        assertThat(settings(Map.of("aws.roleArn", " "), Map.of("AWS_ROLE_ARN", ENV_ROLE)).roleArn(null).origin())
                .isEqualTo("environment variable AWS_ROLE_ARN");
    }

    @Test
    void roleArn_malformedFromTheEnvironment_namesTheSettingAndWhereItCameFrom() {
        InvalidSettingException e = catchThrowableOfType(InvalidSettingException.class,
                () -> settings(Map.of(), Map.of("AWS_ROLE_ARN", "checkout")).roleArn(null));

        assertThat(e.setting()).isEqualTo(Setting.ROLE_ARN);
        assertThat(e.value()).isEqualTo("checkout");
        assertThat(e.origin()).isEqualTo("environment variable AWS_ROLE_ARN");
        assertThat(e).hasMessageContaining("environment variable AWS_ROLE_ARN 'checkout' is not an IAM role ARN");
    }

    @Test
    void roleArn_missing_describedWithTheCallersNames() {
        InvalidSettingException e = catchThrowableOfType(InvalidSettingException.class,
                () -> settings(Map.of(), Map.of()).roleArn(null));

        assertThat(e.setting()).isEqualTo(Setting.ROLE_ARN);
        assertThat(e).hasMessageStartingWith("roleArn is required");
        assertThat(e.describe(setting -> "keyless.role-arn")).startsWith("keyless.role-arn is required")
                .contains("AWS_ROLE_ARN");
    }

    @Test
    void region_precedenceAndDefault() {
        assertThat(settings(Map.of("aws.region", "eu-west-1"), Map.of("AWS_REGION", "us-west-2")).region(null))
                .isEqualTo(Region.EU_WEST_1);
        assertThat(settings(Map.of(), Map.of("AWS_REGION", "us-west-2")).region(null)).isEqualTo(Region.US_WEST_2);
        assertThat(settings(Map.of(), Map.of()).region(null)).isEqualTo(Region.US_EAST_1);
        assertThat(settings(Map.of(), Map.of("AWS_REGION", "us-west-2")).region("ap-south-1"))
                .isEqualTo(Region.AP_SOUTH_1);
    }

    @Test
    void region_notARegionName_isRefusedNamingItsOrigin() {
        InvalidSettingException e = catchThrowableOfType(InvalidSettingException.class,
                () -> settings(Map.of(), Map.of("AWS_REGION", "Europe West")).region(null));

        assertThat(e.setting()).isEqualTo(Setting.REGION);
        assertThat(e).hasMessageContaining("(from environment variable AWS_REGION)");
    }

    @Test
    void metadataHost_systemPropertyOrEnvironment_underTheSameName() {
        assertThat(settings(Map.of("GCE_METADATA_HOST", "127.0.0.1:1"), Map.of("GCE_METADATA_HOST", "127.0.0.1:2"))
                .metadataHost().value()).isEqualTo("127.0.0.1:1");
        assertThat(settings(Map.of(), Map.of("GCE_METADATA_HOST", "127.0.0.1:2")).metadataHost().origin())
                .isEqualTo("environment variable GCE_METADATA_HOST");
        assertThat(settings(Map.of(), Map.of()).metadataHost()).isNull();
    }

    @Test
    void roleSessionName_checkedAgainstWhatStsAccepts() {
        assertThat(settings(Map.of(), Map.of("AWS_ROLE_SESSION_NAME", "pod-1")).roleSessionName(null)).isEqualTo("pod-1");
        InvalidSettingException e = catchThrowableOfType(InvalidSettingException.class,
                () -> settings(Map.of(), Map.of()).roleSessionName("no spaces"));
        assertThat(e.setting()).isEqualTo(Setting.ROLE_SESSION_NAME);
    }

    @Test
    void stsEndpoint_mustBeHttpWithAHost() {
        assertThat(Settings.stsEndpoint(URI.create("http://127.0.0.1:4566"))).hasHost("127.0.0.1");
        for (String bad : new String[] {"sts.eu-west-1.amazonaws.com", "file:///etc/passwd", "ftp://sts.example"}) {
            InvalidSettingException e = catchThrowableOfType(InvalidSettingException.class,
                    () -> Settings.stsEndpoint(URI.create(bad)));
            assertThat(e.setting()).as(bad).isEqualTo(Setting.STS_ENDPOINT);
        }
    }

    @Test
    void settingNames_areTheSdksForWhatTheSdkReads() {
        assertThat(Setting.ROLE_ARN.systemProperty()).isEqualTo("aws.roleArn");
        assertThat(Setting.ROLE_ARN.environmentVariable()).isEqualTo("AWS_ROLE_ARN");
        assertThat(Setting.WEB_IDENTITY_TOKEN_FILE.systemProperty()).isEqualTo("aws.webIdentityTokenFile");
        assertThat(Setting.ROLE_SESSION_NAME.systemProperty()).isEqualTo("aws.roleSessionName");
        assertThat(Setting.REGION.environmentVariable()).isEqualTo("AWS_REGION");
    }
}
