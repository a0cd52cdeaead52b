package dev.keyless;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.keyless.settings.InvalidSettingException;
import dev.keyless.settings.Setting;
import dev.keyless.settings.Settings;
import dev.keyless.testing.InJvmSts;
import dev.keyless.testing.TestTokens;
import dev.keyless.token.TokenSources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityRequest;

/**
 * A provider configured by a profile of the AWS config file: the profile's values are the last fallback of each
 * setting, its chained roles come with its role ARN, and a profile that cannot be used fails {@code build()}.
 * No STS but one in the JVM: {@code MotoInteropTest} runs the same against moto.
 */
class WebIdentityCredentialsProviderProfileTest {

    private static final String GKE_ROLE = "arn:aws:iam::111111111111:role/gke-landing";
    private static final String ORDERS_ROLE = "arn:aws:iam::222222222222:role/orders-writer";
    private static final String ENV_ROLE = "arn:aws:iam::444444444444:role/from-env";

    @TempDir
    Path home;

    private final Map<String, String> properties = new HashMap<>();
    private final Map<String, String> environment = new HashMap<>();
    private final List<AssumeRoleWithWebIdentityRequest> requests = new CopyOnWriteArrayList<>();
    private final InJvmSts sts = InJvmSts.answering((n, request) -> {
        requests.add(request);
        return InJvmSts.issued(n, Instant.now().plus(Duration.ofHours(1)));
    });

    private Path token;
    private Path config;

    private void write(String extraGke, String extraOrders) throws IOException {
        token = Files.writeString(home.resolve("token"), TestTokens.gke(Instant.now(), Duration.ofHours(1)));
        Files.createDirectories(home.resolve(".aws"));
        config = Files.writeString(home.resolve(".aws/config"), """
                [profile gke]
                role_arn = %s
                web_identity_token_file = %s
                role_session_name = from-profile
                %s

                [profile orders]
                role_arn = %s
                source_profile = gke
                external_id = orders-prod
                %s
                """.formatted(GKE_ROLE, token, extraGke, ORDERS_ROLE, extraOrders));
    }

    private WebIdentityCredentialsProvider.Builder builder() {
        environment.putIfAbsent("HOME", home.toString());
        return WebIdentityCredentialsProvider.builder()
                .settings(Settings.from(properties::get, environment::get))
                .stsClient(sts);
    }

    @Test
    void profileNamedOnTheBuilder_givesTheRoleTheChainAndTheTokenFile() throws IOException {
        write("duration_seconds = 7200", "duration_seconds = 1800");

        try (WebIdentityCredentialsProvider provider = builder().profile("orders").build()) {
            assertThat(provider.roleArn()).isEqualTo(GKE_ROLE);
            assertThat(provider.chainedRoles()).containsExactly(ChainedRole.builder().roleArn(ORDERS_ROLE)
                    .externalId("orders-prod").sessionDuration(Duration.ofMinutes(30)).build());
            assertThat(provider.targetRoleArn()).isEqualTo(ORDERS_ROLE);
        }
        try (WebIdentityCredentialsProvider provider = builder().profile("gke").build()) {
            provider.resolveCredentials();

            assertThat(requests).singleElement().satisfies(request -> {
                assertThat(request.roleArn()).isEqualTo(GKE_ROLE);
                assertThat(request.roleSessionName()).isEqualTo("from-profile");
                assertThat(request.durationSeconds()).as("the root's duration_seconds").isEqualTo(7200);
            });
            assertThat(provider.toString()).contains("file " + token);
        }
    }

    @Test
    void profileNamedByAwsProfile_configuresCreate_likeTheSdk() throws IOException {
        write("", "");
        environment.put("AWS_PROFILE", "orders");

        try (WebIdentityCredentialsProvider provider = builder().build()) {
            assertThat(provider.targetRoleArn()).isEqualTo(ORDERS_ROLE);
        }
    }

    @Test
    void builderSystemPropertyAndEnvironment_winOverTheProfile() throws IOException {
        write("", "");
        environment.put("AWS_PROFILE", "gke");
        environment.put("AWS_ROLE_SESSION_NAME", "from-env");

        try (WebIdentityCredentialsProvider provider = builder().sessionDuration(Duration.ofMinutes(20)).build()) {
            provider.resolveCredentials();

            assertThat(requests).singleElement().satisfies(request -> {
                assertThat(request.roleArn()).isEqualTo(GKE_ROLE);
                assertThat(request.roleSessionName()).isEqualTo("from-env");
                assertThat(request.durationSeconds()).isEqualTo(1200);
            });
        }
    }

    @Test
    void awsRoleArn_winsOverTheProfilesRole_andTakesNoneOfItsChain() throws IOException {
        write("", "");
        environment.put("AWS_PROFILE", "orders");
        environment.put("AWS_ROLE_ARN", ENV_ROLE);

        try (WebIdentityCredentialsProvider provider = builder().build()) {
            assertThat(provider.roleArn()).isEqualTo(ENV_ROLE);
            assertThat(provider.chainedRoles()).as("the profile's links were written for its own role").isEmpty();
        }
    }

    @Test
    void chainedRolesOnTheBuilder_replaceTheProfiles() throws IOException {
        write("", "");
        String other = "arn:aws:iam::555555555555:role/other";

        try (WebIdentityCredentialsProvider provider = builder().profile("orders").thenAssumeRole(other).build()) {
            assertThat(provider.roleArn()).isEqualTo(GKE_ROLE);
            assertThat(provider.chainedRoles()).extracting(ChainedRole::roleArn).containsExactly(other);
        }
    }

    @Test
    void tokenSourceOnTheBuilder_winsOverTheProfiles() throws IOException {
        write("", "");
        Path other = Files.writeString(home.resolve("other-token"), TestTokens.gke(Instant.now(), Duration.ofHours(1)));

        try (WebIdentityCredentialsProvider provider = builder().profile("gke")
                .tokenSource(TokenSources.file(other)).build()) {
            assertThat(provider.toString()).contains("file " + other).doesNotContain("file " + token);
        }
    }

    @Test
    void chainedHopLongerThanAnHour_failsBuildNamingTheProfile() throws IOException {
        write("", "duration_seconds = 7200");

        InvalidSettingException e = catchThrowableOfType(InvalidSettingException.class,
                () -> builder().profile("orders").build());

        assertThat(e.setting()).isEqualTo(Setting.CHAINED_ROLES);
        assertThat(e.origin()).isEqualTo("profile 'orders' in " + config);
        assertThat(e).hasMessage("Profile 'orders' in " + config + " (hop 2, " + ORDERS_ROLE + "): duration_seconds "
                + "7200 is longer than one hour: AWS caps the session of a chained role (one assumed with another "
                + "role's credentials) at one hour, whatever the role's MaxSessionDuration.");
    }

    @Test
    void chainedHopLongerThanAnHour_onTheBuilder_keepsTheBuildersNames() {
        InvalidSettingException e = catchThrowableOfType(InvalidSettingException.class, () -> builder()
                .roleArn(GKE_ROLE)
                .thenAssumeRole(hop -> hop.roleArn(ORDERS_ROLE).sessionDuration(Duration.ofHours(2)))
                .build());

        assertThat(e).hasMessageStartingWith("chainedRoles[0] (hop 2, " + ORDERS_ROLE + "): sessionDuration PT2H is "
                + "longer than one hour");
    }

    @Test
    void rootDurationOutOfRange_failsBuildNamingTheProfileAndKey() throws IOException {
        write("duration_seconds = 600", "");

        InvalidSettingException e = catchThrowableOfType(InvalidSettingException.class,
                () -> builder().profile("gke").build());

        assertThat(e.setting()).isEqualTo(Setting.SESSION_DURATION);
        assertThat(e).hasMessageStartingWith("duration_seconds of profile 'gke' in " + config + " (600) must be "
                + "between PT15M");
    }

    @Test
    void prefetchNotBelowTheProfilesDuration_failsSayingWhereTheDurationCameFrom() throws IOException {
        write("duration_seconds = 900", "");

        InvalidSettingException e = catchThrowableOfType(InvalidSettingException.class,
                () -> builder().profile("gke").prefetchTime(Duration.ofMinutes(15)).build());

        assertThat(e).hasMessage("prefetchTime (PT15M) must be less than sessionDuration (PT15M, from "
                + "duration_seconds of profile 'gke' in " + config + ").");
    }

    @Test
    void missingProfileNamedOnTheBuilder_failsBuild_evenWithEverythingElseSet() throws IOException {
        write("", "");

        InvalidSettingException e = catchThrowableOfType(InvalidSettingException.class, () -> builder()
                .profile("ordres").roleArn(GKE_ROLE).roleSessionName("s1").tokenSource(TokenSources.file(token))
                .build());

        assertThat(e.setting()).isEqualTo(Setting.PROFILE);
        assertThat(e).hasMessageStartingWith("profile 'ordres' is in neither " + config);
    }

    @Test
    void profileNamedOnTheSettings_isKeptWhenTheBuilderNamesNone() throws IOException {
        write("", "");
        environment.put("HOME", home.toString());

        try (WebIdentityCredentialsProvider provider = builder()
                .settings(Settings.from(properties::get, environment::get).withProfile("orders")).build()) {
            assertThat(provider.targetRoleArn()).isEqualTo(ORDERS_ROLE);
        }
    }

    @Test
    void toBuilder_keepsTheProfile() throws IOException {
        write("", "");

        try (WebIdentityCredentialsProvider provider = builder().profile("orders").build();
             WebIdentityCredentialsProvider copy = provider.toBuilder().build()) {
            assertThat(copy.targetRoleArn()).isEqualTo(ORDERS_ROLE);
            assertThat(provider.toBuilder().toString()).contains("profile=orders");
        }
    }
}
