package dev.keyless.samples.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.sun.net.httpserver.HttpServer;
import dev.keyless.WebIdentityCredentialsException;
import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.testing.FakeMetadataServer;
import dev.keyless.testing.TestTokens;
import dev.keyless.token.FastRetryingMetadataServer;
import dev.keyless.token.MetadataServerTokenSources;
import dev.keyless.token.TokenSource;
import dev.keyless.token.TokenSources;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.regions.Region;

/**
 * Every failure in {@code docs/troubleshooting.md}, reproduced: Keyless's real message for it must appear in
 * the page (compared with ports, times, temporary paths and whitespace normalized), so the page cannot drift
 * from what Keyless prints. STS is a loopback stub answering with AWS's own error codes and words; each
 * message is also written to {@code target/troubleshooting/} for pasting into the page.
 */
class TroubleshootingDocTest {

    private static final Path DOC = Path.of("..", "docs", "troubleshooting.md");
    private static final String ROLE_ARN = "arn:aws:iam::123456789012:role/checkout-s3-writer";
    private static final String MOUNT = "/var/run/secrets/aws/sts.amazonaws.com/serviceaccount";
    private static final String NOT_AUTHORIZED = "Not authorized to perform sts:AssumeRoleWithWebIdentity";
    private static final String NODE_SA_ID = "104857600123456789012";

    @TempDir
    Path volume;

    @Test
    void audienceMismatch_pathA_volumeWithoutAudience() throws IOException {
        String token = TestTokens.sign(TestTokens.gkeClaims(Instant.now(), Duration.ofHours(1))
                .audience(TestTokens.GKE_ISSUER).build());
        try (StsAnswering sts = StsAnswering.error(400, "InvalidIdentityToken", "Incorrect token audience")) {
            check("audience-path-a", failure(tokenFile(token), sts.endpoint()));
        }
    }

    @Test
    void audienceMismatch_pathB_defaultAudienceInsteadOfTheGsaId() {
        try (FakeMetadataServer metadata = FakeMetadataServer.start();
             StsAnswering sts = StsAnswering.error(403, "AccessDenied", NOT_AUTHORIZED)) {
            check("audience-path-b", failure(MetadataServerTokenSources.forHost(metadata.hostAndPort(),
                    TokenSources.STS_AUDIENCE), sts.endpoint()));
        }
    }

    @Test
    void subMismatch_pathA_anotherServiceAccount() throws IOException {
        String token = TestTokens.sign(TestTokens.gkeClaims(Instant.now(), Duration.ofHours(1))
                .subject("system:serviceaccount:checkout:default").build());
        try (StsAnswering sts = StsAnswering.error(403, "AccessDenied", NOT_AUTHORIZED)) {
            check("sub-path-a", failure(tokenFile(token), sts.endpoint()));
        }
    }

    @Test
    void issuer_noOidcProviderForTheCluster() throws IOException {
        try (StsAnswering sts = StsAnswering.error(400, "InvalidIdentityToken",
                "No OpenIDConnect provider found in your account for " + TestTokens.GKE_ISSUER)) {
            check("issuer", failure(tokenFile(TestTokens.gke(Instant.now(), Duration.ofHours(1))), sts.endpoint()));
        }
    }

    @Test
    void thumbprint_oidcProviderWithAStaleThumbprint() throws IOException {
        try (StsAnswering sts = StsAnswering.error(400, "InvalidIdentityToken",
                "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint")) {
            check("thumbprint", failure(tokenFile(TestTokens.gke(Instant.now(), Duration.ofHours(1))), sts.endpoint()));
        }
    }

    @Test
    void expiredToken_fileNeverRotated() throws IOException {
        Instant issued = Instant.now().minus(Duration.ofHours(2));
        Instant expired = issued.plus(Duration.ofHours(1));
        try (StsAnswering sts = StsAnswering.error(400, "ExpiredTokenException", "Token expired: current date/time "
                + Instant.now().getEpochSecond() + " must be before the expiration date/time "
                + expired.getEpochSecond())) {
            check("expired", failure(tokenFile(TestTokens.gke(issued, Duration.ofHours(1))), sts.endpoint()));
        }
    }

    @Test
    void metadataServerNotReady_connectionRefusedForTheWholeRetryBudget() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        try (StsAnswering sts = StsAnswering.error(403, "AccessDenied", NOT_AUTHORIZED)) {
            check("metadata-not-ready", failure(FastRetryingMetadataServer.forHost("127.0.0.1:" + closedPort,
                    TestTokens.GSA_UNIQUE_ID), sts.endpoint()));
            assertThat(sts.calls()).as("no token, no STS call").isZero();
        }
    }

    @Test
    void metadataServer_404_noWorkloadIdentityForThePod() throws IOException {
        HttpServer metadata = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        metadata.createContext("/", exchange -> {
            try (exchange) {
                byte[] body = "Not Found".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Metadata-Flavor", "Google");
                exchange.sendResponseHeaders(404, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        metadata.start();
        try (StsAnswering sts = StsAnswering.error(403, "AccessDenied", NOT_AUTHORIZED)) {
            check("metadata-404", failure(FastRetryingMetadataServer.forHost(
                    "127.0.0.1:" + metadata.getAddress().getPort(), TestTokens.GSA_UNIQUE_ID), sts.endpoint()));
        } finally {
            metadata.stop(0);
        }
    }

    @Test
    void hostNetwork_podGetsTheNodesServiceAccount() {
        try (FakeMetadataServer metadata = FakeMetadataServer.start();
             StsAnswering sts = StsAnswering.error(403, "AccessDenied", NOT_AUTHORIZED)) {
            metadata.tokens(audience -> TestTokens.sign(TestTokens.googleClaims(Instant.now(), audience)
                    .subject(NODE_SA_ID).claim("azp", NODE_SA_ID)
                    .claim("email", "123456789012-compute@developer.gserviceaccount.com").build()));
            check("host-network", failure(MetadataServerTokenSources.forHost(metadata.hostAndPort(),
                    TestTokens.GSA_UNIQUE_ID), sts.endpoint()));
        }
    }

    @Test
    void accessDeniedAtHop2_theProductRoleDoesNotTrustTheLandingRole() throws IOException {
        String landing = "arn:aws:iam::111111111111:role/gke-landing";
        String orders = "arn:aws:iam::222222222222:role/orders-bucket-writer";
        String session = "arn:aws:sts::111111111111:assumed-role/gke-landing/checkout-api";
        try (StsAnswering sts = StsAnswering.errorAfterWebIdentity(session, 403, "AccessDenied", "User: " + session
                + " is not authorized to perform: sts:AssumeRole on resource: " + orders);
             WebIdentityCredentialsProvider provider = WebIdentityCredentialsProvider.builder()
                     .roleArn(landing)
                     .roleSessionName("checkout-api")
                     .thenAssumeRole(hop -> hop.roleArn(orders).externalId("orders-prod"))
                     .tokenSource(tokenFile(TestTokens.gke(Instant.now(), Duration.ofHours(1))))
                     .region(Region.EU_WEST_1)
                     .stsEndpoint(sts.endpoint())
                     .build()) {
            WebIdentityCredentialsException e = catchFailure(provider);
            assertThat(e.hop()).isEqualTo(2);
            assertThat(e.getMessage()).doesNotContain("orders-prod").doesNotContain("docSecret")
                    .doesNotContain("docSessionToken");
            check("hop-2-access-denied", e.getMessage());
        }
    }

    // ---- helpers

    private static WebIdentityCredentialsException catchFailure(WebIdentityCredentialsProvider provider) {
        try {
            provider.resolveCredentials();
            return fail("STS should have refused");
        } catch (WebIdentityCredentialsException e) {
            return e;
        }
    }

    private TokenSource tokenFile(String token) throws IOException {
        Path file = volume.resolve("token");
        Files.writeString(file, token, StandardCharsets.UTF_8);
        return TokenSources.file(file);
    }

    private static String failure(TokenSource tokens, URI sts) {
        try (WebIdentityCredentialsProvider provider = WebIdentityCredentialsProvider.builder()
                .roleArn(ROLE_ARN)
                .tokenSource(tokens)
                .region(Region.EU_WEST_1)
                .stsEndpoint(sts)
                .build()) {
            provider.resolveCredentials();
            return fail("STS should have refused");
        } catch (WebIdentityCredentialsException e) {
            assertThat(e.getMessage()).doesNotContain("eyJ");
            return e.getMessage();
        }
    }

    /** Saves the message for the page and checks the page quotes it. */
    private void check(String scenario, String message) {
        String shown = present(message);
        try {
            Path out = Path.of("target", "troubleshooting", scenario + ".txt");
            Files.createDirectories(out.getParent());
            Files.writeString(out, shown + System.lineSeparator(), StandardCharsets.UTF_8);
            String doc = Files.readString(DOC, StandardCharsets.UTF_8);
            assertThat(normalize(doc)).as("docs/troubleshooting.md quotes Keyless's output for " + scenario
                    + " (see " + out + ")").contains(normalize(shown));
        } catch (IOException e) {
            throw new IllegalStateException("Could not read " + DOC + " or write target/troubleshooting/", e);
        }
    }

    /** The message as the page shows it: the pod's paths and hosts instead of the test's. */
    private String present(String message) {
        return message
                .replace(volume.toString(), MOUNT)
                .replaceAll("127\\.0\\.0\\.1:\\d+", "metadata.google.internal");
    }

    /** What varies between runs (times, ports, durations, retry counts) and line breaks, out of the comparison. */
    private static String normalize(String text) {
        return text
                .replaceAll("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z", "<time>")
                .replaceAll("\\b\\d{10}\\b", "<epoch>")
                .replaceAll("\\b\\d+(\\.\\d+)? ?(ms|s)\\b", "<duration>")
                .replaceAll("\\b\\d+ attempts\\b", "<n> attempts")
                .replaceAll("\\s+", " ");
    }
}
