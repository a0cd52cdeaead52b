package dev.keyless.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.keyless.settings.Settings;
import dev.keyless.testing.FakeMetadataServer;
import dev.keyless.testing.TestTokens;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Detection honours the web identity profile of the AWS config file, after AWS_WEB_IDENTITY_TOKEN_FILE. */
class DetectingTokenSourceProfileTest {

    private static final String ROLE = "arn:aws:iam::111111111111:role/gke-landing";
    private static final String NO_ADC = "no Application Default Credentials in this test";

    @TempDir
    Path home;

    private final Map<String, String> env = new HashMap<>();

    private DetectingTokenSource detecting(String audience) {
        env.put("HOME", home.toString());
        return new DetectingTokenSource(audience, Settings.from(name -> null, env::get), () -> false, aud -> {
            throw TokenSourceException.configurationFailure(NO_ADC, null);
        });
    }

    private Path config(String content) throws IOException {
        Files.createDirectories(home.resolve(".aws"));
        return Files.writeString(home.resolve(".aws/config"), content);
    }

    private Path token(String name) throws IOException {
        return Files.writeString(home.resolve(name), TestTokens.gke(Instant.now(), Duration.ofHours(1)));
    }

    @Test
    void awsProfileWithATokenFile_readsThatFile() throws Exception {
        Path token = token("profile-token");
        config("""
                [profile gke]
                role_arn = %s
                web_identity_token_file = %s
                """.formatted(ROLE, token));
        env.put("AWS_PROFILE", "gke");
        DetectingTokenSource source = detecting(null);

        source.fetchToken();

        assertThat(source).hasToString("detected token source (file " + token + ")");
    }

    @Test
    void tokenFileVariable_winsOverTheProfile() throws Exception {
        Path fromVariable = token("variable-token");
        config("""
                [profile gke]
                role_arn = %s
                web_identity_token_file = /nowhere/token
                """.formatted(ROLE));
        env.put("AWS_PROFILE", "gke");
        env.put("AWS_WEB_IDENTITY_TOKEN_FILE", fromVariable.toString());
        DetectingTokenSource source = detecting(null);

        source.fetchToken();

        assertThat(source).hasToString("detected token source (file " + fromVariable + ")");
    }

    @Test
    void defaultProfileNamingTheMetadataServer_asksItsHostForItsAudience() throws Exception {
        try (FakeMetadataServer server = FakeMetadataServer.start()
                .tokens(audience -> TestTokens.google(Instant.now(), audience))) {
            config("""
                    [default]
                    role_arn = %s
                    keyless_token_source = metadata
                    keyless_audience = %s
                    keyless_metadata_host = %s
                    """.formatted(ROLE, TestTokens.GSA_UNIQUE_ID, server.hostAndPort()));
            DetectingTokenSource source = detecting(null);

            WebIdentityToken token = source.fetchToken();

            assertThat(token.claims().audience()).containsExactly(TestTokens.GSA_UNIQUE_ID);
            assertThat(server.requests()).singleElement().satisfies(request ->
                    assertThat(request.query()).containsEntry("audience", TestTokens.GSA_UNIQUE_ID));
        }
    }

    @Test
    void audienceGivenInCode_winsOverTheProfiles() throws Exception {
        try (FakeMetadataServer server = FakeMetadataServer.start()
                .tokens(audience -> TestTokens.google(Instant.now(), audience))) {
            config("""
                    [profile gsa]
                    role_arn = %s
                    keyless_token_source = metadata
                    keyless_audience = from-profile
                    """.formatted(ROLE));
            env.put("AWS_PROFILE", "gsa");
            env.put("GCE_METADATA_HOST", server.hostAndPort());

            detecting("from-code").fetchToken();

            assertThat(server.requests()).singleElement().satisfies(request ->
                    assertThat(request.query()).containsEntry("audience", "from-code"));
        }
    }

    @Test
    void profileSayingAuto_goesOnDetecting_andTheFailureSaysSo() throws IOException {
        config("""
                [profile gsa]
                role_arn = %s
                keyless_token_source = auto
                """.formatted(ROLE));
        env.put("AWS_PROFILE", "gsa");

        TokenSourceException e = catchThrowableOfType(TokenSourceException.class, detecting(null)::fetchToken);

        assertThat(e).hasMessageContaining("are not set, and profile 'gsa' in " + home.resolve(".aws/config")
                + " leaves the token source to detection (keyless_token_source = auto)");
    }

    @Test
    void brokenProfileNamedByAwsProfile_failsTheFetchWithTheProfilesMessage() throws IOException {
        config("""
                [profile gke]
                role_arn = %s
                """.formatted(ROLE));
        env.put("AWS_PROFILE", "gke");

        TokenSourceException e = catchThrowableOfType(TokenSourceException.class, detecting(null)::fetchToken);

        assertThat(e.retryable()).isFalse();
        assertThat(e).hasMessageContaining("The profile 'gke' (from environment variable AWS_PROFILE) cannot be used");
    }
}
