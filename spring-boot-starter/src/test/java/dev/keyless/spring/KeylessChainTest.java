package dev.keyless.spring;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.keyless.ChainedRole;
import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.testing.StsStub;
import dev.keyless.testing.TestTokens;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.support.SpringFactoriesLoader;

/**
 * {@code keyless.chain[N].*} and {@code keyless.providers.NAME.chain[N].*}: every hop setting mapped onto core's
 * builder, a bad value attributed to the property, and what health, the {@code keyless} endpoint, the metrics and
 * the fail-fast report show of a chain: the hops' roles, and of a failure the hop, its role and its caller, never
 * an external ID, a tag value, the token or a key. STS is a WireMock stub answering both calls.
 */
class KeylessChainTest {

    private static final String LANDING = StsStub.ROLE_ARN;
    private static final String ORDERS = "arn:aws:iam::222222222222:role/orders-bucket-writer";
    private static final String AUDIT = "arn:aws:iam::333333333333:role/audit-reader";
    /** What the landing role's session is called, as the stub's AssumeRoleWithWebIdentity answer names it. */
    private static final String LANDING_SESSION = "arn:aws:sts::" + StsStub.ACCOUNT_ID
            + ":assumed-role/checkout-s3-writer/session";
    private static final String EXTERNAL_ID = "orders-ext-7f3a9c";
    private static final String TAG_VALUE = "tagvalue-9c1e";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(KeylessAutoConfiguration.class,
                    KeylessHealthAutoConfiguration.class, KeylessEndpointAutoConfiguration.class,
                    KeylessMetricsAutoConfiguration.class))
            .withPropertyValues("management.endpoints.web.exposure.include=health,keyless");

    private StsStub sts;
    private Path tokenFile;
    private String token;

    @BeforeEach
    void setUp(@TempDir Path dir) throws IOException {
        sts = new StsStub();
        token = TestTokens.gke(Instant.now(), Duration.ofHours(1));
        tokenFile = Files.writeString(dir.resolve("token"), token, StandardCharsets.UTF_8);
    }

    @AfterEach
    void tearDown() {
        sts.close();
    }

    /** The main provider, landing role then the orders role with every hop setting, then the audit role. */
    private ApplicationContextRunner chained() {
        return runner.withPropertyValues("keyless.role-arn=" + LANDING, "keyless.token-file=" + tokenFile,
                "keyless.sts-endpoint=" + sts.endpoint(),
                "keyless.chain[0].role-arn=" + ORDERS,
                "keyless.chain[0].role-session-name=orders-session",
                "keyless.chain[0].external-id=" + EXTERNAL_ID,
                "keyless.chain[0].session-tags.team=" + TAG_VALUE,
                "keyless.chain[0].session-tags[cost.center]=42",
                "keyless.chain[0].transitive-tag-keys=team",
                "keyless.chain[0].source-identity=checkout-api",
                "keyless.chain[0].session-duration=30m",
                "keyless.chain[0].policy={\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                        + "\"Action\":\"s3:*\",\"Resource\":\"*\"}]}",
                "keyless.chain[0].policy-arns=arn:aws:iam::aws:policy/ReadOnlyAccess,"
                        + "arn:aws:iam::aws:policy/AmazonS3FullAccess",
                "keyless.chain[1].role-arn=" + AUDIT);
    }

    private static ChainedRole ordersHop() {
        return ChainedRole.builder()
                .roleArn(ORDERS)
                .roleSessionName("orders-session")
                .externalId(EXTERNAL_ID)
                .sessionTags(Map.of("team", TAG_VALUE, "cost.center", "42"))
                .transitiveTagKeys(List.of("team"))
                .sourceIdentity("checkout-api")
                .sessionDuration(Duration.ofMinutes(30))
                .policy("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\","
                        + "\"Resource\":\"*\"}]}")
                .policyArns(List.of("arn:aws:iam::aws:policy/ReadOnlyAccess",
                        "arn:aws:iam::aws:policy/AmazonS3FullAccess"))
                .build();
    }

    @Test
    void chainProperties_everyHopSettingReachesTheProvider_inOrder() {
        chained().run(context -> {
            WebIdentityCredentialsProvider provider = context.getBean(WebIdentityCredentialsProvider.class);

            assertThat(provider.roleArn()).isEqualTo(LANDING);
            // The tags' order is not the properties' order in a map binding; ChainedRole compares them as a map.
            assertThat(provider.chainedRoles()).containsExactly(ordersHop(), ChainedRole.of(AUDIT));
            assertThat(provider.targetRoleArn()).isEqualTo(AUDIT);
        });
    }

    @Test
    void chainProperties_sentToStsAtEachHop_andTheLastHopsCredentialsHandedOut() {
        Instant expiration = Instant.now().plus(Duration.ofMinutes(30)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        chainSucceeds(expiration);
        chained().run(context -> {
            WebIdentityCredentialsProvider provider = context.getBean(WebIdentityCredentialsProvider.class);

            assertThat(provider.resolveCredentials().accessKeyId()).isEqualTo("ASIACHAINED2");
            List<Map<String, String>> calls = sts.requests();
            assertThat(calls).extracting(c -> c.get("Action"))
                    .containsExactly("AssumeRoleWithWebIdentity", "AssumeRole", "AssumeRole");
            assertThat(calls.get(1)).containsEntry("RoleArn", ORDERS).containsEntry("RoleSessionName", "orders-session")
                    .containsEntry("ExternalId", EXTERNAL_ID).containsEntry("SourceIdentity", "checkout-api")
                    .containsEntry("DurationSeconds", "1800").containsEntry("TransitiveTagKeys.member.1", "team")
                    .containsEntry("PolicyArns.member.2.arn", "arn:aws:iam::aws:policy/AmazonS3FullAccess")
                    .containsKey("Policy").containsValue(TAG_VALUE);
            assertThat(calls.get(2)).containsEntry("RoleArn", AUDIT).doesNotContainKey("ExternalId");
        });
    }

    @Test
    void namedProviderChain_mappedOntoThatProviderOnly() {
        runner.withPropertyValues("keyless.providers.orders.role-arn=" + LANDING,
                "keyless.providers.orders.token-file=" + tokenFile,
                "keyless.providers.orders.sts-endpoint=" + sts.endpoint(),
                "keyless.providers.orders.chain[0].role-arn=" + ORDERS,
                "keyless.providers.orders.chain[0].external-id=" + EXTERNAL_ID,
                "keyless.providers.orders.chain[0].session-duration=PT15M",
                "keyless.providers.plain.role-arn=" + LANDING,
                "keyless.providers.plain.token-file=" + tokenFile).run(context -> {
                    Map<String, KeylessFederation> named = context.getBean(KeylessProviders.class).federations();

                    assertThat(named.get("orders").provider().chainedRoles()).containsExactly(ChainedRole.builder()
                            .roleArn(ORDERS).externalId(EXTERNAL_ID).sessionDuration(Duration.ofMinutes(15)).build());
                    assertThat(named.get("orders").provider().targetRoleArn()).isEqualTo(ORDERS);
                    assertThat(named.get("plain").provider().chainedRoles()).isEmpty();
                });
    }

    @Test
    void chainSessionDurationOverAnHour_failsStartupNamingKeylessChain() {
        assertStartupFails(runner.withPropertyValues("keyless.role-arn=" + LANDING, "keyless.token-file=" + tokenFile,
                "keyless.chain[0].role-arn=" + ORDERS, "keyless.chain[0].session-duration=PT2H"),
                "keyless.chain", "keyless.chain[0] (hop 2, " + ORDERS + ")", "longer than one hour");
    }

    @Test
    void namedProviderChainSessionDurationOverAnHour_failsStartupNamingItsChain() {
        assertStartupFails(runner.withPropertyValues("keyless.providers.orders.role-arn=" + LANDING,
                "keyless.providers.orders.token-file=" + tokenFile,
                "keyless.providers.orders.chain[0].role-arn=" + ORDERS,
                "keyless.providers.orders.chain[0].session-duration=PT2H"),
                "keyless.providers.orders.chain", "keyless.providers.orders.chain[0] (hop 2, " + ORDERS + ")",
                "longer than one hour");
    }

    @Test
    void chainHopWithoutRoleArn_failsStartupNamingKeylessChain() {
        assertStartupFails(runner.withPropertyValues("keyless.role-arn=" + LANDING, "keyless.token-file=" + tokenFile,
                "keyless.chain[0].external-id=" + EXTERNAL_ID), "keyless.chain", "keyless.chain[0] (hop 2)",
                "has no roleArn");
    }

    @Test
    void healthAndEndpoint_chainUp_showEveryHopAndTheTarget_nothingSecret() {
        chainSucceeds(Instant.now().plus(Duration.ofMinutes(30)));
        chained().run(context -> {
            Health health = context.getBean(KeylessHealthIndicator.class).health();
            Map<String, Object> report = context.getBean(KeylessEndpoint.class).keyless();

            assertThat(health.getStatus()).isEqualTo(Status.UP);
            List<Map<String, Object>> hops = List.of(
                    Map.of("hop", 1, "call", "AssumeRoleWithWebIdentity", "roleArn", LANDING),
                    Map.of("hop", 2, "call", "AssumeRole", "roleArn", ORDERS),
                    Map.of("hop", 3, "call", "AssumeRole", "roleArn", AUDIT));
            assertThat(health.getDetails()).containsEntry("roleArn", LANDING).containsEntry("targetRoleArn", AUDIT)
                    .containsEntry("chain", hops).containsEntry("accountId", "333333333333")
                    .doesNotContainKey("failedHop");
            assertThat(report).containsEntry("roleArn", LANDING).containsEntry("targetRoleArn", AUDIT)
                    .containsEntry("chain", hops);
            assertThat(map(report.get("lastRefresh"))).containsEntry("outcome", "success")
                    .doesNotContainKey("failedHop");
            assertNothingSecret(health.getDetails().toString() + JSONObjectUtils.toJSONString(report));
        });
    }

    @Test
    void healthEndpointMetrics_accessDeniedAtHop2_nameTheHopItsRoleAndCaller_nothingSecret() {
        hop2Denied();
        chained().run(context -> {
            MeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(KeylessMetrics.class).bindTo(registry);
            Health health = context.getBean(KeylessHealthIndicator.class).health();
            Map<String, Object> report = context.getBean(KeylessEndpoint.class).keyless();

            assertThat(health.getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.getDetails()).containsEntry("roleArn", LANDING).containsEntry("targetRoleArn", AUDIT)
                    .containsEntry("stsErrorCode", "AccessDenied")
                    .containsEntry("failedHop", Map.of("hop", 2, "roleArn", ORDERS, "callerArn", LANDING_SESSION));
            assertThat(health.getDetails().get("error")).asString()
                    .contains("Could not assume role " + ORDERS + " (hop 2 of 3, sts:AssumeRole as " + LANDING_SESSION)
                    .contains("trust policy of role " + ORDERS, "permissions policy of role " + LANDING);
            assertThat(map(report.get("lastRefresh"))).containsEntry("outcome", "AccessDenied")
                    .containsEntry("failedHop", Map.of("hop", 2, "roleArn", ORDERS, "callerArn", LANDING_SESSION));
            // The meters keep their two tags: which hop failed is health's and the endpoint's to say.
            List<Meter> meters = registry.getMeters();
            assertThat(meters).isNotEmpty().allSatisfy(m -> assertThat(m.getId().getTags().stream().map(Tag::getKey)
                    .collect(Collectors.toSet())).isSubsetOf("outcome", "provider"));
            assertThat(registry.get("keyless.refresh").tag("outcome", "AccessDenied").timer().count()).isEqualTo(1);
            assertNothingSecret(health.getDetails().toString() + JSONObjectUtils.toJSONString(report));
        });
    }

    @Test
    void failFast_accessDeniedAtHop2_reportNamesTheHopItsRoleCallerAndProperty() {
        hop2Denied();
        chained().withPropertyValues("keyless.fail-fast=true").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasMessageContaining("keyless.fail-fast=true")
                    .hasMessageContaining("hop 2 of 3");

            FailureAnalysis analysis = new KeylessFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis).as("Spring Boot's failure report").isNotNull();
            assertThat(analysis.getDescription()).contains("at hop 2 of the role chain, sts:AssumeRole of role "
                    + ORDERS + " as " + LANDING_SESSION).contains("STS said AccessDenied");
            assertThat(analysis.getAction()).contains("trust policy of role " + ORDERS, "keyless.chain[0]",
                    "keyless.fail-fast=false");
            assertNothingSecret(analysis.getDescription() + analysis.getAction() + context.getStartupFailure());
        });
    }

    @Test
    void failFast_namedProviderDeniedAtHop2_reportNamesItsChainProperty() {
        hop2Denied();
        runner.withPropertyValues("keyless.fail-fast=true", "keyless.providers.orders.role-arn=" + LANDING,
                "keyless.providers.orders.token-file=" + tokenFile,
                "keyless.providers.orders.sts-endpoint=" + sts.endpoint(),
                "keyless.providers.orders.chain[0].role-arn=" + ORDERS).run(context -> {
                    FailureAnalysis analysis = new KeylessFailureAnalyzer().analyze(context.getStartupFailure());

                    assertThat(analysis.getDescription()).contains("at hop 2 of the role chain",
                            "(provider keyless.providers.orders)");
                    assertThat(analysis.getAction()).contains("keyless.providers.orders.chain[0]");
                });
    }

    @Test
    void configurationMetadata_explainsTheChainAndEveryHopSetting() throws Exception {
        Map<String, Object> metadata = JSONObjectUtils.parse(Files.readString(
                Path.of("target/classes/META-INF/spring-configuration-metadata.json"), StandardCharsets.UTF_8));
        Map<?, ?> chain = ((List<?>) metadata.get("properties")).stream().map(p -> (Map<?, ?>) p)
                .filter(p -> "keyless.chain".equals(p.get("name"))).findFirst().orElseThrow();

        // The processor does not descend into a list's elements: the IDE completes keyless.chain[0].* from the
        // element type, and the description names every hop setting.
        assertThat(chain.get("type")).isEqualTo("java.util.List<dev.keyless.spring.KeylessProperties$Hop>");
        assertThat(chain.get("description")).asString().contains("sts:AssumeRole", "role-arn", "role-session-name",
                "external-id", "session-tags", "transitive-tag-keys", "source-identity", "session-duration", "policy",
                "policy-arns", "one hour");
        assertThat(((List<?>) metadata.get("properties")).stream().map(p -> (Map<?, ?>) p)
                .filter(p -> "keyless.providers".equals(p.get("name"))).findFirst().orElseThrow().get("description"))
                .asString().contains("chain");
    }

    /** Both calls succeed: the web identity call with the stub's answer, each AssumeRole with credentials of its own. */
    private void chainSucceeds(Instant expiration) {
        sts.succeed(Instant.now().plus(Duration.ofHours(1)));
        sts.server().stubFor(post(urlEqualTo("/")).withRequestBody(containing("RoleArn=" + encoded(ORDERS)))
                .willReturn(assumeRoleAnswer(1, "orders-bucket-writer", "222222222222", expiration)));
        sts.server().stubFor(post(urlEqualTo("/")).withRequestBody(containing("RoleArn=" + encoded(AUDIT)))
                .willReturn(assumeRoleAnswer(2, "audit-reader", "333333333333", expiration)));
    }

    /** The web identity call succeeds; hop 2's AssumeRole is refused, as STS refuses a caller its trust policy lacks. */
    private void hop2Denied() {
        sts.succeed(Instant.now().plus(Duration.ofHours(1)));
        sts.server().stubFor(post(urlEqualTo("/")).withRequestBody(containing("Action=AssumeRole&"))
                .willReturn(StsStub.error(403, "AccessDenied", "User: " + LANDING_SESSION + " is not authorized to "
                        + "perform: sts:AssumeRole on resource: " + ORDERS)));
    }

    private static String encoded(String value) {
        return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** STS's AssumeRole answer, in the query protocol's XML. */
    static ResponseDefinitionBuilder assumeRoleAnswer(int n, String role, String account, Instant expiration) {
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

    private void assertNothingSecret(String shown) {
        assertThat(shown).doesNotContain(EXTERNAL_ID).doesNotContain(TAG_VALUE).doesNotContain(token)
                .doesNotContain("eyJ").doesNotContain(StsStub.SECRET_PREFIX)
                .doesNotContain(StsStub.SESSION_TOKEN_PREFIX);
    }

    private static void assertStartupFails(ApplicationContextRunner runner, String property, String... reasons) {
        runner.run(context -> {
            assertThat(context).hasFailed();
            Throwable failure = context.getStartupFailure();
            Throwable root = failure;
            while (root != null && !(root instanceof InvalidConfigurationPropertyValueException)) {
                root = root.getCause();
            }
            assertThat(root).as("cause of %s", failure).isInstanceOf(InvalidConfigurationPropertyValueException.class);
            InvalidConfigurationPropertyValueException invalid = (InvalidConfigurationPropertyValueException) root;
            assertThat(invalid.getName()).isEqualTo(property);
            assertThat(invalid.getMessage()).contains(reasons);

            // As Spring Boot reports it at startup.
            List<FailureAnalyzer> analyzers = SpringFactoriesLoader.forDefaultResourceLocation()
                    .load(FailureAnalyzer.class, SpringFactoriesLoader.ArgumentResolver
                            .of(org.springframework.core.env.Environment.class, new StandardEnvironment()),
                            SpringFactoriesLoader.FailureHandler.handleMessage((message, e) -> { }));
            FailureAnalysis analysis = analyzers.stream().map(a -> a.analyze(failure))
                    .filter(a -> a != null).findFirst().orElse(null);
            assertThat(analysis).as("Spring Boot's failure report for %s", failure).isNotNull();
            assertThat(analysis.getDescription()).contains("'" + property + "'").contains(reasons);
        });
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }
}
