package dev.keyless.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.regions.Region;

/**
 * The AWS shared config file as Settings reads it: where the file is, which profile, the web identity profile at
 * the root of {@code source_profile} links, and each value as the last fallback after code, system property and
 * environment variable. Every file is written by the test under a temporary home directory, so the machine's own
 * {@code ~/.aws} never takes part.
 */
class ProfileSettingsTest {

    private static final String GKE_ROLE = "arn:aws:iam::111111111111:role/gke-landing";
    private static final String ORDERS_ROLE = "arn:aws:iam::222222222222:role/orders-writer";
    private static final String REPORTS_ROLE = "arn:aws:iam::333333333333:role/reports-reader";
    private static final String ENV_ROLE = "arn:aws:iam::444444444444:role/from-env";
    private static final String TOKEN = "/var/run/secrets/aws/sts.amazonaws.com/serviceaccount/token";

    private static final String CHAIN = """
            [profile gke]
            role_arn = %s
            web_identity_token_file = %s
            role_session_name = checkout
            duration_seconds = 7200
            region = eu-west-1

            [profile orders]
            role_arn = %s
            source_profile = gke
            external_id = orders-prod
            duration_seconds = 1800

            [profile reports]
            role_arn = %s
            source_profile = orders
            role_session_name = reports
            region = eu-central-1
            """.formatted(GKE_ROLE, TOKEN, ORDERS_ROLE, REPORTS_ROLE);

    @TempDir
    Path home;

    private final Map<String, String> properties = new HashMap<>();
    private final Map<String, String> environment = new HashMap<>();

    private Settings settings() {
        environment.putIfAbsent("HOME", home.toString());
        return Settings.from(properties::get, environment::get);
    }

    private Path config(String content) throws IOException {
        Files.createDirectories(home.resolve(".aws"));
        return Files.writeString(home.resolve(".aws").resolve("config"), content);
    }

    private Path credentials(String content) throws IOException {
        Files.createDirectories(home.resolve(".aws"));
        return Files.writeString(home.resolve(".aws").resolve("credentials"), content);
    }

    @Test
    void webIdentityProfile_namedByAwsProfile_givesItsValuesWithTheProfileAndKeyAsOrigin() throws IOException {
        Path file = config(CHAIN);
        environment.put("AWS_PROFILE", "gke");

        Settings settings = settings();
        WebIdentityProfile profile = settings.profile();

        assertThat(profile.name()).isEqualTo("gke");
        assertThat(profile.rootName()).isEqualTo("gke");
        assertThat(profile.roleArn()).isEqualTo(GKE_ROLE);
        assertThat(profile.webIdentityTokenFile()).isEqualTo(TOKEN);
        assertThat(profile.tokenSource()).isEqualTo(WebIdentityProfile.TokenSourceKind.FILE);
        assertThat(profile.roleSessionName()).isEqualTo("checkout");
        assertThat(profile.sessionDuration()).isEqualTo(Duration.ofHours(2));
        assertThat(profile.region()).isEqualTo("eu-west-1");
        assertThat(profile.hops()).isEmpty();

        SettingValue arn = settings.roleArn(null);
        assertThat(arn.value()).isEqualTo(GKE_ROLE);
        assertThat(arn.origin()).isEqualTo("role_arn of profile 'gke' in " + file);
        assertThat(settings.roleSessionName(null)).isEqualTo("checkout");
        assertThat(settings.region(null)).isEqualTo(Region.EU_WEST_1);
        assertThat(settings.sessionDuration(null)).isEqualTo(Duration.ofHours(2));
        assertThat(settings.profileHops(null)).isEmpty();
    }

    @Test
    void chainedProfile_hopsRunFromTheWebIdentityRootToTheNamedProfile() throws IOException {
        Path file = config(CHAIN);

        Settings settings = settings().withProfile("reports");
        WebIdentityProfile profile = settings.profile();

        assertThat(profile.name()).isEqualTo("reports");
        assertThat(profile.rootName()).isEqualTo("gke");
        assertThat(profile.roleArn()).as("the web identity role is the root's").isEqualTo(GKE_ROLE);
        assertThat(profile.roleSessionName()).as("the root's, not the hop's").isEqualTo("checkout");
        assertThat(profile.region()).as("the named profile's region, as the SDK's region lookup reads it")
                .isEqualTo("eu-central-1");
        assertThat(profile.hops()).extracting(WebIdentityProfile.Hop::profile).containsExactly("orders", "reports");
        assertThat(profile.hops().get(0)).isEqualTo(new WebIdentityProfile.Hop("orders", ORDERS_ROLE, "orders-prod",
                null, Duration.ofMinutes(30), "profile 'orders' in " + file));
        assertThat(profile.hops().get(1)).isEqualTo(new WebIdentityProfile.Hop("reports", REPORTS_ROLE, null,
                "reports", null, "profile 'reports' in " + file));
        assertThat(profile.hops().get(0).toString()).doesNotContain("orders-prod");
        assertThat(settings.profileHops(null)).isEqualTo(profile.hops());
    }

    @Test
    void chainedProfile_withoutARegionOfItsOwn_takesTheNearestTowardsTheRoot() throws IOException {
        config(CHAIN);

        assertThat(settings().withProfile("orders").region(null)).isEqualTo(Region.EU_WEST_1);
    }

    @Test
    void keylessKeys_chooseTheTokenSourceAudienceAndMetadataHost() throws IOException {
        config("""
                [profile gsa]
                role_arn = %s
                keyless_token_source = metadata
                keyless_audience = 123456789012345678901
                keyless_metadata_host = 127.0.0.1:8080
                """.formatted(GKE_ROLE));

        Settings settings = settings().withProfile("gsa");
        WebIdentityProfile profile = settings.profile();

        assertThat(profile.tokenSource()).isEqualTo(WebIdentityProfile.TokenSourceKind.METADATA);
        assertThat(profile.webIdentityTokenFile()).isNull();
        assertThat(profile.audience()).isEqualTo("123456789012345678901");
        assertThat(settings.resolve(Setting.AUDIENCE, null).value()).isEqualTo("123456789012345678901");
        assertThat(settings.metadataHost().value()).isEqualTo("127.0.0.1:8080");
        assertThat(settings.metadataHost().origin()).startsWith("keyless_metadata_host of profile 'gsa' in ");
    }

    @Test
    void profileValues_areTheLastFallback_afterCodeSystemPropertyAndEnvironment() throws IOException {
        config(CHAIN);
        environment.put("AWS_PROFILE", "gke");

        assertThat(settings().roleArn(null).value()).isEqualTo(GKE_ROLE);
        environment.put("AWS_ROLE_ARN", ENV_ROLE);
        environment.put("AWS_REGION", "us-west-2");
        assertThat(settings().roleArn(null).origin()).isEqualTo("environment variable AWS_ROLE_ARN");
        assertThat(settings().region(null)).isEqualTo(Region.US_WEST_2);
        properties.put("aws.roleArn", ORDERS_ROLE);
        assertThat(settings().roleArn(null).value()).isEqualTo(ORDERS_ROLE);
        assertThat(settings().roleArn(REPORTS_ROLE).value()).isEqualTo(REPORTS_ROLE);
        assertThat(settings().sessionDuration(Duration.ofMinutes(20))).isEqualTo(Duration.ofMinutes(20));
        assertThat(settings().roleSessionName("in-code")).isEqualTo("in-code");
    }

    @Test
    void profileHops_onlyWhenTheRoleArnIsTheProfiles_becauseAnotherRoleStartsAnotherChain() throws IOException {
        config(CHAIN);
        environment.put("AWS_PROFILE", "reports");

        assertThat(settings().profileHops(null)).hasSize(2);
        assertThat(settings().profileHops(ENV_ROLE)).as("a role set in code").isEmpty();
        environment.put("AWS_ROLE_ARN", ENV_ROLE);
        assertThat(settings().profileHops(null)).as("AWS_ROLE_ARN, as the SDK's environment provider comes first")
                .isEmpty();
    }

    @Test
    void profileName_codeWinsOverSystemProperty_whichWinsOverEnvironment() throws IOException {
        config(CHAIN);
        environment.put("AWS_PROFILE", "gke");
        properties.put("aws.profile", "orders");

        assertThat(settings().profile().name()).isEqualTo("orders");
        assertThat(settings().withProfile("reports").profile().name()).isEqualTo("reports");
        assertThat(settings().withProfile("  ").profile().name()).as("blank counts as unset").isEqualTo("orders");
        assertThat(settings().withProfile("reports").withProfile(null).profile().name())
                .as("a copy keeps the profile named in code").isEqualTo("reports");
    }

    @Test
    void configFile_fromAwsConfigFile_orItsSystemProperty_withTildeAsTheHomeDirectory() throws IOException {
        Files.createDirectories(home.resolve("elsewhere"));
        Path other = Files.writeString(home.resolve("elsewhere/aws-config"), """
                [profile other]
                role_arn = %s
                web_identity_token_file = /token
                """.formatted(ORDERS_ROLE));
        config(CHAIN);
        environment.put("AWS_CONFIG_FILE", "~/elsewhere/aws-config");

        assertThat(settings().withProfile("other").roleArn(null).origin())
                .isEqualTo("role_arn of profile 'other' in " + other);

        environment.put("AWS_CONFIG_FILE", "/nowhere/config");
        properties.put("aws.configFile", other.toString());
        assertThat(settings().withProfile("other").profile().roleArn()).isEqualTo(ORDERS_ROLE);
    }

    @Test
    void credentialsFile_isReadWithTheConfigFile_andWinsWhereBothSetAKey() throws IOException {
        config("""
                [profile gke]
                role_arn = %s
                web_identity_token_file = /token
                region = eu-west-1
                """.formatted(GKE_ROLE));
        Path credentials = credentials("""
                [gke]
                role_arn = %s

                [orders]
                role_arn = %s
                source_profile = gke
                """.formatted(ENV_ROLE, ORDERS_ROLE));

        Settings settings = settings().withProfile("orders");

        assertThat(settings.roleArn(null).value()).isEqualTo(ENV_ROLE);
        assertThat(settings.roleArn(null).origin()).isEqualTo("role_arn of profile 'gke' in " + credentials);
        assertThat(settings.region(null)).as("from the config file").isEqualTo(Region.EU_WEST_1);
        assertThat(settings.profileHops(null)).extracting(WebIdentityProfile.Hop::roleArn).containsExactly(ORDERS_ROLE);
    }

    @Test
    void configFile_sectionWithoutProfilePrefix_isIgnoredAsTheSdkIgnoresIt() throws IOException {
        config("""
                [gke]
                role_arn = %s
                web_identity_token_file = /token
                """.formatted(GKE_ROLE));

        InvalidSettingException e = catchThrowableOfType(InvalidSettingException.class,
                () -> settings().withProfile("gke").profile());

        assertThat(e).hasMessageContaining("its section is [profile gke]");
    }

    @Test
    void missingProfile_namedInCode_failsNamingTheProfileAndBothFiles() throws IOException {
        Path file = config(CHAIN);

        InvalidSettingException e = catchThrowableOfType(InvalidSettingException.class,
                () -> settings().withProfile("ordres").roleArn(null));

        assertThat(e.setting()).isEqualTo(Setting.PROFILE);
        assertThat(e.value()).isEqualTo("ordres");
        assertThat(e.origin()).isNull();
        assertThat(e).hasMessage("profile 'ordres' is in neither " + file + " nor " + home.resolve(".aws/credentials")
                + " (does not exist). Check the name, or point AWS_CONFIG_FILE (or the aws.configFile system "
                + "property) at the file that has it; in the config file its section is [profile ordres].");
        assertThat(e.describe(setting -> "--" + setting.builderName())).startsWith("--profile 'ordres' is in neither");
    }

    @Test
    void missingProfile_namedByAwsProfile_isIgnoredLikeTheSdkDoes_andTheMissingRoleSaysWhy() throws IOException {
        config(CHAIN);
        environment.put("AWS_PROFILE", "ordres");

        assertThat(settings().profile()).as("a stray AWS_PROFILE does not break a provider configured otherwise")
                .isNull();
        assertThat(settings().region(null)).isEqualTo(Settings.DEFAULT_REGION);
        assertThat(settings().roleArn(ENV_ROLE).value()).isEqualTo(ENV_ROLE);

        InvalidSettingException e = catchThrowableOfType(InvalidSettingException.class, () -> settings().roleArn(null));
        assertThat(e).hasMessageContaining("roleArn is required")
                .hasMessageContaining("The profile 'ordres' (from environment variable AWS_PROFILE) is in neither ");
    }

    @Test
    void missingProfile_noConfigFileAtAll_saysTheFileDoesNotExist() {
        properties.put("aws.profile", "gke");

        InvalidSettingException e = catchThrowableOfType(InvalidSettingException.class, () -> settings().roleArn(null));

        assertThat(e).hasMessageContaining(home.resolve(".aws/config") + " (does not exist) nor ");
    }

    @Test
    void circularProfile_failsNamingTheLoop() throws IOException {
        Path file = config("""
                [profile a]
                role_arn = %s
                source_profile = b

                [profile b]
                role_arn = %s
                source_profile = c

                [profile c]
                role_arn = %s
                source_profile = b
                """.formatted(GKE_ROLE, ORDERS_ROLE, REPORTS_ROLE));

        InvalidSettingException e = catchThrowableOfType(InvalidSettingException.class,
                () -> settings().withProfile("a").profile());

        assertThat(e).hasMessage("profile 'a' cannot be used: its source_profile links loop (b -> c -> b, in " + file
                + "). A chain must end in a web identity profile: role_arn with web_identity_token_file or "
                + "keyless_token_source.");
    }

    @Test
    void selfReferencingProfile_isALoop() throws IOException {
        config("""
                [profile a]
                role_arn = %s
                source_profile = a
                """.formatted(GKE_ROLE));
        environment.put("AWS_PROFILE", "a");

        assertThat(catchThrowableOfType(InvalidSettingException.class, () -> settings().profile()))
                .hasMessageContaining("source_profile links loop (a -> a,");
    }

    @Test
    void sourceProfileNamingAMissingProfile_failsNamingTheKey() throws IOException {
        Path file = config("""
                [profile orders]
                role_arn = %s
                source_profile = gek
                """.formatted(ORDERS_ROLE));
        environment.put("AWS_PROFILE", "orders");

        InvalidSettingException e = catchThrowableOfType(InvalidSettingException.class, () -> settings().profile());

        assertThat(e).hasMessageStartingWith("The profile 'orders' (from environment variable AWS_PROFILE) cannot be "
                + "used: source_profile of profile 'orders' in " + file + " names 'gek', which is in neither " + file);
    }

    @Test
    void roleArnWithoutASource_failsNamingTheProfileAndWhatIsMissing() throws IOException {
        Path file = config(CHAIN + """

                [profile half]
                role_arn = %s
                """.formatted(ORDERS_ROLE));

        InvalidSettingException e = catchThrowableOfType(InvalidSettingException.class,
                () -> settings().withProfile("half").profile());

        assertThat(e).hasMessageStartingWith("profile 'half' cannot be used: profile 'half' in " + file + " sets "
                + "role_arn but none of web_identity_token_file, keyless_token_source or source_profile");
    }

    @Test
    void chainRootedInStaticKeys_namedInCode_failsSayingKeylessNeedsAWebIdentityRoot() throws IOException {
        Path file = config("""
                [profile admin]
                role_arn = %s
                source_profile = default

                [default]
                aws_access_key_id = AKIAEXAMPLEEXAMPLE00
                aws_secret_access_key = notARealSecretNotARealSecretNotARealSe
                """.formatted(ORDERS_ROLE));

        InvalidSettingException e = catchThrowableOfType(InvalidSettingException.class,
                () -> settings().withProfile("admin").profile());

        assertThat(e).hasMessage("profile 'admin' is not a web identity profile: its source_profile links (admin -> "
                + "default) end in profile 'default' in " + file + ", which takes its credentials from "
                + "aws_access_key_id (static keys). Keyless starts every chain with a web identity token: give "
                + "'default' role_arn and web_identity_token_file (or keyless_token_source), or name a profile that "
                + "has them.");
        assertThat(e.getMessage()).doesNotContain("notARealSecret");
    }

    @Test
    void credentialSource_namedInCode_failsAsAnotherKindOfProfile() throws IOException {
        config("""
                [profile ec2]
                role_arn = %s
                credential_source = Ec2InstanceMetadata
                """.formatted(ORDERS_ROLE));

        assertThat(catchThrowableOfType(InvalidSettingException.class, () -> settings().withProfile("ec2").profile()))
                .hasMessageContaining("it is in " + home.resolve(".aws/config") + " but takes its credentials from "
                        + "credential_source = Ec2InstanceMetadata");
    }

    @Test
    void anotherKindOfProfile_namedByAwsProfile_isLeftToItsTools_andTheMissingRoleSaysSo() throws IOException {
        config("""
                [profile app]
                credential_process = keyless credential-process --role-arn %s
                """.formatted(GKE_ROLE));
        environment.put("AWS_PROFILE", "app");

        assertThat(settings().profile()).as("credential_process runs Keyless with the caller's AWS_PROFILE").isNull();
        assertThat(settings().roleArn(ENV_ROLE).value()).isEqualTo(ENV_ROLE);
        assertThat(settings().region(null)).isEqualTo(Settings.DEFAULT_REGION);

        InvalidSettingException e = catchThrowableOfType(InvalidSettingException.class, () -> settings().roleArn(null));
        assertThat(e).hasMessageContaining("roleArn is required")
                .hasMessageContaining("The profile 'app' (from environment variable AWS_PROFILE) is not a web "
                        + "identity profile: it is in " + home.resolve(".aws/config") + " but takes its credentials "
                        + "from credential_process.");
    }

    @Test
    void defaultProfile_namedByNoOne_isUsedWhenItIsWebIdentity() throws IOException {
        config("""
                [default]
                role_arn = %s
                web_identity_token_file = /token
                """.formatted(GKE_ROLE));

        assertThat(settings().profile().name()).isEqualTo("default");
        assertThat(settings().roleArn(null).value()).isEqualTo(GKE_ROLE);
    }

    @Test
    void defaultProfile_namedByNoOne_isIgnoredWhenItIsNotWebIdentity() throws IOException {
        config("""
                [default]
                region = eu-west-1
                aws_access_key_id = AKIAEXAMPLEEXAMPLE00
                aws_secret_access_key = notARealSecretNotARealSecretNotARealSe

                [profile broken]
                role_arn = %s
                """.formatted(GKE_ROLE));

        assertThat(settings().profile()).isNull();
        assertThat(settings().region(null)).as("a region only from a web identity profile")
                .isEqualTo(Settings.DEFAULT_REGION);
        assertThat(settings().roleArn(ENV_ROLE).value()).isEqualTo(ENV_ROLE);
    }

    @Test
    void defaultProfile_namedByNoOne_isIgnoredWhenBrokenOrItsFileCannotBeParsed() throws IOException {
        config("""
                [default]
                role_arn = %s
                source_profile = default
                """.formatted(GKE_ROLE));
        assertThat(settings().profile()).as("a loop").isNull();

        config("[default\nrole_arn = " + GKE_ROLE + "\n");
        assertThat(settings().profile()).as("not a file the SDK parses").isNull();
    }

    @Test
    void defaultProfile_namedExplicitly_isHeldToTheRulesOfANamedProfile() throws IOException {
        config("""
                [default]
                region = eu-west-1
                """);
        environment.put("AWS_PROFILE", "default");
        assertThat(settings().profile()).as("another kind, named by AWS_PROFILE: left alone").isNull();

        assertThat(catchThrowableOfType(InvalidSettingException.class,
                () -> settings().withProfile("default").profile()))
                .hasMessageContaining("profile 'default' is not a web identity profile: it is in "
                        + home.resolve(".aws/config") + " but configures no credentials.");
    }

    @Test
    void unparseableConfigFile_namedProfile_failsNamingTheFileAndTheParsersComplaint() throws IOException {
        Path file = config("""
                [profile gke]
                role_arn
                """);
        environment.put("AWS_PROFILE", "gke");

        InvalidSettingException e = catchThrowableOfType(InvalidSettingException.class, () -> settings().profile());

        assertThat(e).hasMessage("The profile 'gke' (from environment variable AWS_PROFILE) cannot be read: the AWS "
                + "config file " + file + " is not one the AWS SDKs can parse: Expected an '=' sign defining a "
                + "property on line 2.");
    }

    @Test
    void durationSecondsNotANumber_failsNamingTheProfileAndKey_evenInTheDefaultProfile() throws IOException {
        Path file = config("""
                [default]
                role_arn = %s
                web_identity_token_file = /token
                duration_seconds = 1h
                """.formatted(GKE_ROLE));

        InvalidSettingException e = catchThrowableOfType(InvalidSettingException.class, () -> settings().profile());

        assertThat(e).hasMessage("The default profile cannot be used: duration_seconds of profile 'default' in "
                + file + " is '1h', not a whole number of seconds.");
    }

    @Test
    void durationSecondsOfAHopNotANumber_failsNamingTheHopsProfile() throws IOException {
        Path file = config(CHAIN.replace("duration_seconds = 1800", "duration_seconds = half an hour"));

        assertThat(catchThrowableOfType(InvalidSettingException.class,
                () -> settings().withProfile("reports").profile()))
                .hasMessageContaining("duration_seconds of profile 'orders' in " + file + " is 'half an hour'");
    }

    @Test
    void durationSecondsOutOfRange_failsWhereTheDurationIsChecked_namingTheProfileAndKey() throws IOException {
        Path file = config(CHAIN.replace("duration_seconds = 7200", "duration_seconds = 86400"));
        Settings settings = settings().withProfile("gke");

        InvalidSettingException e = catchThrowableOfType(InvalidSettingException.class,
                () -> settings.sessionDuration(null));

        assertThat(e.setting()).isEqualTo(Setting.SESSION_DURATION);
        assertThat(e.origin()).isEqualTo("duration_seconds of profile 'gke' in " + file);
        assertThat(e).hasMessage("duration_seconds of profile 'gke' in " + file + " (86400) must be between PT15M "
                + "(900 s) and PT12H (43200 s).");
    }

    @Test
    void roleArnNotARoleArn_failsWhereTheRoleArnIsChecked_namingTheProfileAndKey() throws IOException {
        Path file = config(CHAIN.replace("role_arn = " + GKE_ROLE, "role_arn = gke-landing"));

        InvalidSettingException e = catchThrowableOfType(InvalidSettingException.class,
                () -> settings().withProfile("orders").roleArn(null));

        assertThat(e).hasMessage("role_arn of profile 'gke' in " + file + " 'gke-landing' is not an IAM role ARN; "
                + "expected arn:aws:iam::123456789012:role/NAME.");
    }

    @Test
    void unknownKeylessTokenSource_failsListingTheKnownOnes() throws IOException {
        Path file = config("""
                [profile gsa]
                role_arn = %s
                keyless_token_source = metadata-server
                """.formatted(GKE_ROLE));

        assertThat(catchThrowableOfType(InvalidSettingException.class, () -> settings().withProfile("gsa").profile()))
                .hasMessage("profile 'gsa' cannot be used: keyless_token_source of profile 'gsa' in " + file
                        + " is 'metadata-server'; expected file, metadata, google-credentials or auto.");
    }

    @Test
    void keylessKeysWithoutARole_failAsIncomplete() throws IOException {
        config("""
                [profile gsa]
                keyless_audience = sts.amazonaws.com
                """);

        assertThat(catchThrowableOfType(InvalidSettingException.class, () -> settings().withProfile("gsa").profile()))
                .hasMessageContaining("sets keyless_audience but no role_arn");
    }

    @Test
    void noHomeDirectoryAndNoConfigFileSetting_meansNoProfile() {
        Settings settings = Settings.from(name -> null, name -> null);

        assertThat(settings.profile()).isNull();
        assertThat(settings.region(null)).isEqualTo(Settings.DEFAULT_REGION);
    }

    @Test
    void profileIsReadOncePerSettings_andAfreshByANewOne() throws IOException {
        config(CHAIN);
        environment.put("AWS_PROFILE", "gke");
        Settings settings = settings();
        assertThat(settings.roleArn(null).value()).isEqualTo(GKE_ROLE);

        config(CHAIN.replace(GKE_ROLE, ENV_ROLE));

        assertThat(settings.roleArn(null).value()).as("the same instance").isEqualTo(GKE_ROLE);
        assertThat(settings.withProfile(null).roleArn(null).value()).as("a new instance").isEqualTo(ENV_ROLE);
    }
}
