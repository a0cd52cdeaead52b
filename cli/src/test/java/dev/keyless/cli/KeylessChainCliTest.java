package dev.keyless.cli;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.keyless.testing.MotoServer;
import dev.keyless.testing.StsStub;
import dev.keyless.testing.TestTokens;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Role chaining on the command line ({@link ChainOptions}): {@code --chain-role-arn} and the per-hop options
 * after it, in {@code credential-process}, {@code doctor} and {@code serve}. Against a WireMock STS that answers
 * both calls or refuses hop 2, and against moto enforcing authentication; with every logger at TRACE (surefire
 * sets it for this module), nothing secret in any output or log: no token, no secret key or session token
 * (but credential-process's own), no external ID, no tag value.
 */
class KeylessChainCliTest {

    private static final String LANDING = StsStub.ROLE_ARN;
    private static final String ORDERS = "arn:aws:iam::222222222222:role/orders-bucket-writer";
    private static final String AUDIT = "arn:aws:iam::333333333333:role/audit-reader";
    /** The landing role's session, as the stub's AssumeRoleWithWebIdentity answer names it. */
    private static final String LANDING_SESSION = "arn:aws:sts::" + StsStub.ACCOUNT_ID
            + ":assumed-role/checkout-s3-writer/session";
    private static final String EXTERNAL_ID = "orders-ext-7f3a9c";
    private static final String TAG_VALUE = "tagvalue-9c1e";

    @RegisterExtension
    static final MotoServer moto = new MotoServer();

    @TempDir
    Path dir;

    private StsStub sts;
    private String token;
    private Path tokenFile;
    private final PrintStream originalErr = System.err;
    private final ByteArrayOutputStream logs = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() throws Exception {
        sts = new StsStub();
        token = TestTokens.gke(Instant.now(), Duration.ofHours(1));
        tokenFile = Files.writeString(dir.resolve("token"), token);
        // slf4j-simple logs to System.err: every log line of these runs is checked for secrets too.
        System.setErr(new PrintStream(logs, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void tearDown() {
        System.setErr(originalErr);
        sts.close();
    }

    private String[] args(String command, String... more) {
        List<String> all = new ArrayList<>(List.of(command, "--role-arn", LANDING, "--sts-endpoint",
                sts.endpoint().toString(), "--token-file", tokenFile.toString()));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    @ParameterizedTest
    @ValueSource(strings = {"credential-process", "doctor", "serve"})
    void help_documentsTheChainOptionsAsPerHop(String command) {
        Cli result = Cli.run(command, "--help");

        assertThat(result.exit()).isZero();
        assertThat(result.out()).contains("Role chaining: each --chain-role-arn starts a hop;", "--chain-role-arn=ARN", "--external-id=ID", "--session-tag=KEY=VALUE",
                "--transitive-tag-key=KEY", "--source-identity=ID", "--chain-session-name=NAME",
                "--chain-duration=SECONDS");
    }

    @Test
    void credentialProcess_threeHops_eachHopGetsTheOptionsAfterIt_printsTheLastHopsCredentials() throws Exception {
        Instant expiration = Instant.now().plus(Duration.ofMinutes(30)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        chainSucceeds(expiration);

        Cli result = Cli.run(args("credential-process",
                "--chain-role-arn", ORDERS, "--external-id", EXTERNAL_ID, "--session-tag", "team=" + TAG_VALUE,
                "--session-tag", "env=prod", "--transitive-tag-key", "team", "--source-identity", "checkout-api",
                "--chain-session-name", "orders-session", "--chain-duration", "1800",
                "--chain-role-arn", AUDIT, "--chain-duration", "900"));

        assertThat(result.exit()).as(result.err()).isZero();
        Map<String, Object> json = JSONObjectUtils.parse(result.out());
        assertThat(json).containsEntry("AccessKeyId", "ASIACHAINED2").containsEntry("Expiration", expiration.toString())
                .containsEntry("SecretAccessKey", StsStub.SECRET_PREFIX + "Chained2");
        List<Map<String, String>> calls = sts.requests();
        assertThat(calls).extracting(c -> c.get("Action"))
                .containsExactly("AssumeRoleWithWebIdentity", "AssumeRole", "AssumeRole");
        assertThat(calls.get(1)).containsEntry("RoleArn", ORDERS).containsEntry("ExternalId", EXTERNAL_ID)
                .containsEntry("Tags.member.1.Key", "team").containsEntry("Tags.member.1.Value", TAG_VALUE)
                .containsEntry("Tags.member.2.Key", "env").containsEntry("TransitiveTagKeys.member.1", "team")
                .containsEntry("SourceIdentity", "checkout-api").containsEntry("RoleSessionName", "orders-session")
                .containsEntry("DurationSeconds", "1800");
        assertThat(calls.get(2)).containsEntry("RoleArn", AUDIT).containsEntry("DurationSeconds", "900")
                .doesNotContainKeys("ExternalId", "Tags.member.1.Key", "SourceIdentity")
                .containsEntry("RoleSessionName", calls.get(0).get("RoleSessionName"));
        assertThat(result.err()).isEmpty();
        assertThat(result.out()).doesNotContain(EXTERNAL_ID).doesNotContain(TAG_VALUE).doesNotContain("eyJ");
        assertNothingSecret(logs());
    }

    @Test
    void doctor_accessDeniedAtHop2_failsThatHopsStepWithCoresDiagnosis_skipsTheRest_nothingSecret() throws Exception {
        hop2Denied();

        Cli result = Cli.run(args("doctor", "--verbose", "--chain-role-arn", ORDERS, "--external-id", EXTERNAL_ID,
                "--session-tag", "team=" + TAG_VALUE, "--chain-role-arn", AUDIT));

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.out()).contains(
                "Keyless doctor: assuming " + LANDING + ", then " + ORDERS + ", then " + AUDIT + " through ",
                "[PASS] Token found", "[PASS] Token sane", "[PASS] STS reachable",
                "[PASS] Hop 1 of 3 (AssumeRoleWithWebIdentity " + LANDING + "): assumed as " + LANDING_SESSION
                        + ", expiring at ",
                "[FAIL] Hop 2 of 3 (AssumeRole " + ORDERS + " as " + LANDING_SESSION + "): Could not assume role "
                        + ORDERS + " (hop 2 of 3, sts:AssumeRole as " + LANDING_SESSION + "): STS answered 403 "
                        + "AccessDenied",
                "the trust policy of role " + ORDERS + " must trust role " + LANDING,
                "the permissions policy of role " + LANDING + " must allow sts:AssumeRole, sts:TagSession on "
                        + ORDERS,
                "fix: Fix the trust policy of " + ORDERS,
                "[SKIP] Hop 3 of 3 (AssumeRole " + AUDIT + ")", "[SKIP] Caller identity")
                .doesNotContain("[PASS] Hop 2").doesNotContain("Federation works");
        assertNothingSecret(result.all() + logs());
    }

    @Test
    void doctor_chainAgainstMotoEnforcingAuthentication_passesEveryHopAsItsOwnStep() throws Exception {
        MotoChain roles = MotoChain.create(moto, dir);
        Cli result;
        // The reachability probe and the unsigned AssumeRoleWithWebIdentity go unchecked; the AssumeRole and
        // GetCallerIdentity after them are checked: signatures, the landing role's permission, the orders role's
        // trust policy and external ID (the next test shows moto refusing a wrong one).
        try (MotoServer.Enforcement enforced = moto.enforceAuthentication(2)) {
            result = Cli.run("doctor", "--role-arn", roles.landingArn(), "--role-session-name", roles.session(),
                    "--sts-endpoint", moto.endpoint().toString(), "--token-file", tokenFile.toString(),
                    "--chain-role-arn", roles.ordersArn(), "--external-id", roles.externalId());
        }

        assertThat(result.exit()).as(result.all()).isZero();
        assertThat(result.out()).contains("[PASS] STS reachable",
                "[PASS] Hop 1 of 2 (AssumeRoleWithWebIdentity " + roles.landingArn() + "): assumed as "
                        + roles.landingSession(),
                "[PASS] Hop 2 of 2 (AssumeRole " + roles.ordersArn() + " as " + roles.landingSession()
                        + "): assumed as " + roles.ordersSession(),
                "; credentials for account " + MotoServer.ACCOUNT_ID,
                "[PASS] Caller identity: " + roles.ordersSession() + " (account " + MotoServer.ACCOUNT_ID + ")",
                "Federation works.").doesNotContain("FAIL").doesNotContain(roles.externalId());
    }

    @Test
    void doctor_wrongExternalIdAgainstMoto_failsAtHop2() throws Exception {
        MotoChain roles = MotoChain.create(moto, dir);
        Cli result;
        try (MotoServer.Enforcement enforced = moto.enforceAuthentication(2)) {
            result = Cli.run("doctor", "--role-arn", roles.landingArn(), "--role-session-name", roles.session(),
                    "--sts-endpoint", moto.endpoint().toString(), "--token-file", tokenFile.toString(),
                    "--chain-role-arn", roles.ordersArn(), "--external-id", "not-" + roles.externalId());
        }

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.out()).contains("[PASS] Hop 1 of 2",
                "[FAIL] Hop 2 of 2 (AssumeRole " + roles.ordersArn() + " as " + roles.landingSession() + "): "
                        + "Could not assume role " + roles.ordersArn() + " (hop 2 of 2",
                "[SKIP] Caller identity").doesNotContain(roles.externalId());
    }

    @Test
    void chainSessionDurationOverAnHour_exitsTwoNamingTheHop_beforeAnyStepOrStsCall() throws Exception {
        for (String command : new String[] {"credential-process", "doctor", "serve"}) {
            Cli result = Cli.run(args(command, "--chain-role-arn", ORDERS, "--chain-duration", "7200"));

            assertThat(result.exit()).as("%s: %s", command, result.all()).isEqualTo(2);
            assertThat(result.err()).as(command).startsWith("keyless: --chain-role-arn[0] (hop 2, " + ORDERS + "): "
                    + "sessionDuration PT2H is longer than one hour");
            assertThat(result.out()).as(command).isEmpty();
        }
        assertThat(sts.calls()).isZero();
    }

    @Test
    void wrongChainCommandLines_exitTwo() throws Exception {
        assertUsageError(Cli.run(args("credential-process", "--chain-role-arn", "arn:aws:s3:::bucket")),
                "--chain-role-arn[0] (hop 2, arn:aws:s3:::bucket): roleArn 'arn:aws:s3:::bucket' is not an IAM role ARN");
        assertUsageError(Cli.run(args("credential-process", "--external-id", EXTERNAL_ID)),
                "Missing required argument(s): --chain-role-arn=ARN");
        assertUsageError(Cli.run(args("doctor", "--chain-role-arn", ORDERS, "--external-id", "a",
                "--external-id", "b")), "Missing required argument(s): --chain-role-arn=ARN");
        assertUsageError(Cli.run(args("doctor", "--chain-role-arn", ORDERS, "--session-tag", "team")),
                "--session-tag");
        assertUsageError(Cli.run(args("credential-process", "--chain-role-arn", ORDERS, "--transitive-tag-key",
                "team")), "transitiveTagKeys names 'team', which is not one of the session tags' keys");
        assertUsageError(Cli.run(args("credential-process", "--chain-role-arn", ORDERS, "--chain-duration", "soon")),
                "--chain-duration");
        assertThat(sts.calls()).isZero();
    }

    private static void assertUsageError(Cli result, String message) {
        assertThat(result.exit()).as(result.all()).isEqualTo(2);
        assertThat(result.err()).contains(message).doesNotContain("\tat ");
        assertThat(result.out()).isEmpty();
    }

    /** Both kinds of call succeed: the web identity call with the stub's answer, each AssumeRole with its own. */
    private void chainSucceeds(Instant expiration) {
        sts.succeed(Instant.now().plus(Duration.ofHours(1)));
        sts.server().stubFor(post(urlEqualTo("/")).withRequestBody(containing("RoleArn=" + encoded(ORDERS)))
                .willReturn(assumeRoleAnswer(1, "orders-bucket-writer", "222222222222", expiration)));
        sts.server().stubFor(post(urlEqualTo("/")).withRequestBody(containing("RoleArn=" + encoded(AUDIT)))
                .willReturn(assumeRoleAnswer(2, "audit-reader", "333333333333", expiration)));
    }

    /** The web identity call succeeds; every AssumeRole is refused, as STS refuses a caller the trust policy lacks. */
    private void hop2Denied() {
        sts.succeed(Instant.now().plus(Duration.ofHours(1)));
        sts.server().stubFor(post(urlEqualTo("/")).withRequestBody(containing("Action=AssumeRole&"))
                .willReturn(StsStub.error(403, "AccessDenied", "User: " + LANDING_SESSION + " is not authorized to "
                        + "perform: sts:AssumeRole on resource: " + ORDERS)));
    }

    private static String encoded(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** STS's AssumeRole answer, in the query protocol's XML. */
    private static ResponseDefinitionBuilder assumeRoleAnswer(int n, String role, String account, Instant expiration) {
        return aResponse().withStatus(200).withHeader("Content-Type", "text/xml").withBody(
                "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
                + "  <AssumeRoleResult>\n"
                + "    <AssumedRoleUser>\n"
                + "      <Arn>arn:aws:sts::" + account + ":assumed-role/" + role + "/session</Arn>\n"
                + "      <AssumedRoleId>AROACHAINED" + n + ":session</AssumedRoleId>\n"
                + "    </AssumedRoleUser>\n"
                + "    <Credentials>\n"
                + "      <AccessKeyId>ASIACHAINED" + n + "</AccessKeyId>\n"
                + "      <SecretAccessKey>" + StsStub.SECRET_PREFIX + "Chained" + n + "</SecretAccessKey>\n"
                + "      <SessionToken>" + StsStub.SESSION_TOKEN_PREFIX + "Chained" + n + "</SessionToken>\n"
                + "      <Expiration>" + expiration + "</Expiration>\n"
                + "    </Credentials>\n"
                + "  </AssumeRoleResult>\n"
                + "  <ResponseMetadata><RequestId>chained-" + n + "</RequestId></ResponseMetadata>\n"
                + "</AssumeRoleResponse>\n");
    }

    private String logs() {
        String logged = logs.toString(StandardCharsets.UTF_8);
        assertThat(logged).as("TRACE logging is on").contains("TRACE");
        return logged;
    }

    /** No token, key, session token, external ID or tag value. */
    private void assertNothingSecret(String everything) {
        assertThat(everything).doesNotContain(token).doesNotContain("eyJ").doesNotContain(EXTERNAL_ID)
                .doesNotContain(TAG_VALUE).doesNotContain(StsStub.SECRET_PREFIX)
                .doesNotContain(StsStub.SESSION_TOKEN_PREFIX);
    }
}
