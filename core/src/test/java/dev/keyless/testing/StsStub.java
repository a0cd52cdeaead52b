package dev.keyless.testing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * AWS STS faked with WireMock on loopback, answering {@code AssumeRoleWithWebIdentity} in the STS query
 * protocol's XML: successes with a chosen {@code Expiration}, and errors exactly as STS sends them.
 */
public final class StsStub implements AutoCloseable {

    public static final String ACCOUNT_ID = "123456789012";
    public static final String ROLE_ARN = "arn:aws:iam::" + ACCOUNT_ID + ":role/checkout-s3-writer";
    public static final String SECRET_PREFIX = "sEcReTkEy";
    public static final String SESSION_TOKEN_PREFIX = "SeSsIoNtOkEn";
    /** The session that signs a chained hop, as the web identity answer names it. */
    public static final String FIRST_HOP_SESSION_ARN = "arn:aws:sts::" + ACCOUNT_ID
            + ":assumed-role/checkout-s3-writer/session";
    /** The second account a chain goes into. */
    public static final String PRODUCT_ACCOUNT_ID = "222222222222";
    public static final String CHAINED_ROLE_ARN = "arn:aws:iam::" + PRODUCT_ACCOUNT_ID + ":role/orders-bucket-writer";
    /** Matches a form body of {@code AssumeRole}, not of {@code AssumeRoleWithWebIdentity}. */
    public static final String ASSUME_ROLE_BODY = ".*Action=AssumeRole(&.*)?";
    public static final String WEB_IDENTITY_BODY = ".*Action=AssumeRoleWithWebIdentity(&.*)?";

    private final WireMockServer server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
    private final AtomicInteger issued = new AtomicInteger();

    public StsStub() {
        server.start();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.port());
    }

    public WireMockServer server() {
        return server;
    }

    /** An STS client for this stub that does not retry, so tests see the provider's own behaviour. */
    public StsClient client() {
        return StsClient.builder()
                .endpointOverride(endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(AnonymousCredentialsProvider.create())
                .overrideConfiguration(c -> c.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    /** Every call succeeds with credentials that expire at {@code expiration}. */
    public void succeed(Instant expiration) {
        server.resetMappings();
        server.stubFor(post(urlEqualTo("/")).withRequestBody(containing("Action=AssumeRoleWithWebIdentity"))
                .willReturn(success(expiration)));
    }

    /**
     * A chain: {@code AssumeRoleWithWebIdentity} answers credentials expiring at {@code webIdentityExpiration},
     * {@code AssumeRole} at {@code assumeRoleExpiration}.
     */
    public void chain(Instant webIdentityExpiration, Instant assumeRoleExpiration) {
        server.resetMappings();
        server.stubFor(post(urlEqualTo("/")).withRequestBody(matching(WEB_IDENTITY_BODY))
                .willReturn(success(webIdentityExpiration)));
        server.stubFor(post(urlEqualTo("/")).withRequestBody(matching(ASSUME_ROLE_BODY))
                .willReturn(assumeRoleSuccess(assumeRoleExpiration)));
    }

    /** {@code AssumeRole} calls get these responses in turn, the last one repeating; web identity calls succeed. */
    public void chainSequence(Instant webIdentityExpiration, ResponseDefinitionBuilder... assumeRoleResponses) {
        server.resetMappings();
        server.stubFor(post(urlEqualTo("/")).withRequestBody(matching(WEB_IDENTITY_BODY))
                .willReturn(success(webIdentityExpiration)));
        inTurn(() -> post(urlEqualTo("/")).withRequestBody(matching(ASSUME_ROLE_BODY)), assumeRoleResponses);
    }

    /** Requests matching {@code request} get {@code responses} in turn; the last one repeats. */
    private void inTurn(Supplier<MappingBuilder> request, ResponseDefinitionBuilder... responses) {
        String state = Scenario.STARTED;
        for (int i = 0; i < responses.length; i++) {
            String next = i == responses.length - 1 ? state : "step-" + (i + 1);
            server.stubFor(request.get().inScenario("in turn").whenScenarioStateIs(state)
                    .willReturn(responses[i]).willSetStateTo(next));
            state = next;
        }
    }

    /** An {@code AssumeRole} success for {@link #CHAINED_ROLE_ARN}, its keys numbered like the web identity ones. */
    public ResponseDefinitionBuilder assumeRoleSuccess(Instant expiration) {
        int n = issued.incrementAndGet();
        return aResponse().withStatus(200).withHeader("Content-Type", "text/xml").withBody(
                "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
                + "  <AssumeRoleResult>\n"
                + "    <AssumedRoleUser>\n"
                + "      <Arn>arn:aws:sts::" + PRODUCT_ACCOUNT_ID + ":assumed-role/orders-bucket-writer/session</Arn>\n"
                + "      <AssumedRoleId>AROA3XFRBF23CHAINED:session</AssumedRoleId>\n"
                + "    </AssumedRoleUser>\n"
                + "    <Credentials>\n"
                + "      <SessionToken>" + SESSION_TOKEN_PREFIX + n + "</SessionToken>\n"
                + "      <SecretAccessKey>" + SECRET_PREFIX + n + "</SecretAccessKey>\n"
                + "      <Expiration>" + expiration + "</Expiration>\n"
                + "      <AccessKeyId>ASIAKEYLESSTEST" + n + "</AccessKeyId>\n"
                + "    </Credentials>\n"
                + "  </AssumeRoleResult>\n"
                + "  <ResponseMetadata><RequestId>req-" + n + "</RequestId></ResponseMetadata>\n"
                + "</AssumeRoleResponse>\n");
    }

    /** How many {@code AssumeRole} calls (not web identity ones) arrived. */
    public int assumeRoleCalls() {
        return server.countRequestsMatching(postRequestedFor(urlEqualTo("/"))
                .withRequestBody(matching(ASSUME_ROLE_BODY)).build()).getCount();
    }

    /** How many {@code AssumeRoleWithWebIdentity} calls arrived. */
    public int webIdentityCalls() {
        return server.countRequestsMatching(postRequestedFor(urlEqualTo("/"))
                .withRequestBody(matching(WEB_IDENTITY_BODY)).build()).getCount();
    }

    /** Every call fails with the STS error {@code code}. */
    public void fail(int status, String code, String message) {
        server.resetMappings();
        server.stubFor(post(urlEqualTo("/")).willReturn(error(status, code, message)));
    }

    /** Calls get these responses in turn; the last one repeats. */
    public void sequence(ResponseDefinitionBuilder... responses) {
        server.resetMappings();
        inTurn(() -> post(urlEqualTo("/")), responses);
    }

    public ResponseDefinitionBuilder success(Instant expiration) {
        return success("<Expiration>" + expiration + "</Expiration>");
    }

    /** A success whose {@code Expiration} element is {@code expirationElement}: empty, malformed, or missing. */
    public ResponseDefinitionBuilder success(String expirationElement) {
        int n = issued.incrementAndGet();
        return aResponse().withStatus(200).withHeader("Content-Type", "text/xml").withBody(
                "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
                + "  <AssumeRoleWithWebIdentityResult>\n"
                + "    <SubjectFromWebIdentityToken>system:serviceaccount:checkout:checkout-api</SubjectFromWebIdentityToken>\n"
                + "    <Audience>sts.amazonaws.com</Audience>\n"
                + "    <AssumedRoleUser>\n"
                + "      <Arn>arn:aws:sts::" + ACCOUNT_ID + ":assumed-role/checkout-s3-writer/session</Arn>\n"
                + "      <AssumedRoleId>AROA3XFRBF23EXAMPLE:session</AssumedRoleId>\n"
                + "    </AssumedRoleUser>\n"
                + "    <Credentials>\n"
                + "      <SessionToken>" + SESSION_TOKEN_PREFIX + n + "</SessionToken>\n"
                + "      <SecretAccessKey>" + SECRET_PREFIX + n + "</SecretAccessKey>\n"
                + "      " + expirationElement + "\n"
                + "      <AccessKeyId>ASIAKEYLESSTEST" + n + "</AccessKeyId>\n"
                + "    </Credentials>\n"
                + "    <Provider>arn:aws:iam::" + ACCOUNT_ID + ":oidc-provider/container.googleapis.com</Provider>\n"
                + "  </AssumeRoleWithWebIdentityResult>\n"
                + "  <ResponseMetadata><RequestId>req-" + n + "</RequestId></ResponseMetadata>\n"
                + "</AssumeRoleWithWebIdentityResponse>\n");
    }

    public static ResponseDefinitionBuilder error(int status, String code, String message) {
        return aResponse().withStatus(status).withHeader("Content-Type", "text/xml").withBody(
                "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
                + "  <Error><Type>" + (status >= 500 ? "Receiver" : "Sender") + "</Type><Code>" + code
                + "</Code><Message>" + message + "</Message></Error>\n"
                + "  <RequestId>err-request-1</RequestId>\n"
                + "</ErrorResponse>\n");
    }

    public int calls() {
        return server.countRequestsMatching(postRequestedFor(urlEqualTo("/")).build()).getCount();
    }

    /** The form parameters of every call, oldest first. */
    public List<Map<String, String>> requests() {
        List<LoggedRequest> logged = server.findAll(postRequestedFor(urlEqualTo("/")));
        return logged.stream().map(r -> form(r.getBodyAsString())).collect(Collectors.toList());
    }

    public List<LoggedRequest> loggedRequests() {
        return server.findAll(postRequestedFor(urlEqualTo("/")));
    }

    private static Map<String, String> form(String body) {
        Map<String, String> params = new LinkedHashMap<>();
        Arrays.stream(body.split("&")).map(p -> p.split("=", 2)).forEach(kv -> params.put(
                URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : ""));
        return params;
    }

    @Override
    public void close() {
        server.stop();
    }
}
