package dev.keyless.samples.demo;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.keyless.diagnostics.PolicyVerdict;
import dev.keyless.diagnostics.TrustPolicyEvaluator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URL;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.policybuilder.iam.IamPolicyReader;

/**
 * Demo fixture, not part of Keyless: AWS STS on {@code 127.0.0.1}, answering
 * {@code Action=AssumeRoleWithWebIdentity} in the STS query protocol (a form-encoded POST; XML answers and
 * {@code <ErrorResponse>}s as STS sends them), so an unmodified AWS SDK {@code StsClient} can call it.
 *
 * <p>It checks a token the way STS does, in this order: the issuer must be the one trusted issuer (what an
 * IAM OIDC provider registers), else {@code InvalidIdentityToken}; the token's {@code aud} must be in that
 * provider's client ID list ({@value #CLIENT_ID}), else {@code InvalidIdentityToken} "Incorrect token
 * audience"; the issuer's keys are fetched over HTTP from its discovery document's {@code jwks_uri}, else
 * {@code IDPCommunicationError}; the RS256 signature must verify, else {@code InvalidIdentityToken}; the token
 * must not be expired, else {@code ExpiredTokenException}; and the role's IAM trust policy must admit it, as
 * Keyless's {@link TrustPolicyEvaluator} decides, else 403 {@code AccessDenied} with STS's bare message (the
 * evaluator's reasons are kept in {@link Exchange#verdict()}, as CloudTrail would, not sent). Success
 * returns fresh random credentials for {@code DurationSeconds} (default 3600, the roles'
 * MaxSessionDuration). Tokens and secrets are never logged.
 *
 * <p>Thread-safe. {@link #start(URI)} starts the server's dispatcher thread (non-daemon): call {@link #close()}.
 */
public final class LocalSts implements AutoCloseable {

    /** The AWS account every demo role lives in. */
    public static final String ACCOUNT_ID = "123456789012";

    /** The client ID list of the IAM OIDC provider this STS has for its trusted issuer. */
    public static final String CLIENT_ID = "sts.amazonaws.com";

    private static final String NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";
    private static final int DEFAULT_DURATION_SECONDS = 3600;
    private static final int MIN_DURATION_SECONDS = 900;
    private static final int MAX_SESSION_DURATION_SECONDS = 3600;
    private static final Pattern ROLE_ARN = Pattern.compile("arn:aws:iam::(\\d{12}):role/(?:[\\w+=,.@-]+/)*([\\w+=,.@-]+)");
    private static final Pattern SESSION_NAME = Pattern.compile("[\\w+=,.@-]{2,64}");
    private static final String KEY_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private static final String SECRET_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    private final HttpServer server;
    private final URI trustedIssuer;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final DefaultResourceRetriever http = new DefaultResourceRetriever(2000, 2000, 64 * 1024);
    private final Map<String, String> trustPolicies = new ConcurrentHashMap<>();
    private final List<Exchange> exchanges = new CopyOnWriteArrayList<>();
    private final List<IssuedCredentials> issued = new CopyOnWriteArrayList<>();

    /**
     * One {@code AssumeRoleWithWebIdentity} call as STS saw it; no token, no secret.
     *
     * @param roleArn the role asked for
     * @param subject the token's {@code sub}, or {@code null} if the token could not be read
     * @param tokenIssuedAt the token's {@code iat}, or {@code null}
     * @param errorCode the STS error code answered, or {@code null} on success
     * @param assumedRoleArn the assumed-role ARN issued, or {@code null} on failure
     * @param verdict the trust policy evaluation ({@link PolicyVerdict#describe()}), or {@code null} if the
     *     token was refused before its policy was looked at
     */
    public record Exchange(String roleArn, String subject, Instant tokenIssuedAt, String errorCode,
                           String assumedRoleArn, String verdict) {
    }

    /** Credentials this STS handed out; only tests and the demo S3 look at them. Never printed. */
    record IssuedCredentials(String accessKeyId, String secretAccessKey, String sessionToken, Instant expiration) {
    }

    private LocalSts(HttpServer server, URI trustedIssuer, Clock clock) {
        this.server = server;
        this.trustedIssuer = trustedIssuer;
        this.clock = clock;
        server.createContext("/", this::handle);
    }

    /**
     * Starts an STS on {@code 127.0.0.1} at a free port that trusts tokens from one issuer.
     *
     * @param trustedIssuer the issuer URL an IAM OIDC provider would register, e.g.
     *     {@link LocalOidcIssuer#issuerUrl()}
     * @return the running STS, with no roles yet
     * @throws IOException if the server cannot bind
     */
    public static LocalSts start(URI trustedIssuer) throws IOException {
        return start(trustedIssuer, Clock.systemUTC());
    }

    /**
     * Starts an STS on {@code 127.0.0.1} at a free port that trusts tokens from one issuer.
     *
     * @param trustedIssuer the issuer URL an IAM OIDC provider would register
     * @param clock the clock for token expiry and credential expiration
     * @return the running STS, with no roles yet
     * @throws IOException if the server cannot bind
     */
    public static LocalSts start(URI trustedIssuer, Clock clock) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        LocalSts sts = new LocalSts(server, Objects.requireNonNull(trustedIssuer, "trustedIssuer"),
                Objects.requireNonNull(clock, "clock"));
        server.start();
        return sts;
    }

    /**
     * The endpoint to give {@code stsEndpoint(...)}.
     *
     * @return {@code http://127.0.0.1:PORT}
     */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /**
     * Creates a role in account {@value #ACCOUNT_ID}, as {@code aws iam create-role} does.
     *
     * @param name the role's name
     * @param trustPolicyJson its trust policy (assume-role policy document), for example from
     *     {@code TrustPolicies.trustPolicyJson(...)}
     * @return the role's ARN
     * @throws IllegalArgumentException if the policy is not IAM policy JSON (IAM's MalformedPolicyDocument)
     */
    public String createRole(String name, String trustPolicyJson) {
        Objects.requireNonNull(trustPolicyJson, "trustPolicyJson");
        try {
            IamPolicyReader.create().read(trustPolicyJson);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("MalformedPolicyDocument: the trust policy of role " + name
                    + " is not IAM policy JSON: " + e.getMessage(), e);
        }
        String arn = "arn:aws:iam::" + ACCOUNT_ID + ":role/" + name;
        trustPolicies.put(arn, trustPolicyJson);
        return arn;
    }

    /**
     * The trust policy of a role, as {@code aws iam get-role} shows it (not URL-encoded).
     *
     * @param roleArn the role's ARN
     * @return its policy JSON, or {@code null} if there is no such role
     */
    public String trustPolicy(String roleArn) {
        return trustPolicies.get(roleArn);
    }

    /**
     * The OIDC provider ARN this STS's account has for its trusted issuer, the {@code Federated} principal of
     * a trust policy for its tokens.
     *
     * @return {@code arn:aws:iam::123456789012:oidc-provider/127.0.0.1:PORT}
     */
    public String oidcProviderArn() {
        return "arn:aws:iam::" + ACCOUNT_ID + ":oidc-provider/" + issuerHost();
    }

    /**
     * The secret key of credentials this STS issued, while they are valid: what lets the demo S3 verify
     * request signatures as AWS does.
     *
     * @param accessKeyId the access key id of a signed request
     * @return the matching secret key, or {@code null} if this STS never issued it or it has expired
     */
    String secretAccessKey(String accessKeyId) {
        Instant now = clock.instant();
        for (IssuedCredentials c : issued) {
            if (c.accessKeyId().equals(accessKeyId) && now.isBefore(c.expiration())) {
                return c.secretAccessKey();
            }
        }
        return null;
    }

    /**
     * Every well-formed call so far (those refused for a missing or malformed parameter are not kept), oldest
     * first.
     *
     * @return an immutable copy
     */
    public List<Exchange> exchanges() {
        return List.copyOf(exchanges);
    }

    /** Every set of credentials handed out, for tests that prove none is printed. */
    List<IssuedCredentials> issuedCredentials() {
        return List.copyOf(issued);
    }

    /** Stops the server at once. */
    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String xml;
            int status = 200;
            try {
                if (!"POST".equals(exchange.getRequestMethod())) {
                    throw new StsError(405, "InvalidAction", "This demo STS accepts POST requests only.");
                }
                Map<String, String> params = form(new String(exchange.getRequestBody().readAllBytes(),
                        StandardCharsets.UTF_8));
                xml = assumeRoleWithWebIdentity(params);
            } catch (StsError e) {
                status = e.status;
                xml = errorResponse(e);
            } catch (RuntimeException e) {
                status = 500;
                xml = errorResponse(new StsError(500, "InternalFailure", e.getClass().getSimpleName()));
            }
            byte[] body = xml.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/xml");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private String assumeRoleWithWebIdentity(Map<String, String> params) throws StsError {
        String action = params.get("Action");
        if (!"AssumeRoleWithWebIdentity".equals(action)) {
            throw new StsError(400, "InvalidAction",
                    "Could not find operation " + action + " for version 2011-06-15");
        }
        String roleArn = required(params, "RoleArn");
        String sessionName = required(params, "RoleSessionName");
        String token = required(params, "WebIdentityToken");
        Matcher role = ROLE_ARN.matcher(roleArn);
        if (!role.matches()) {
            throw new StsError(400, "ValidationError", "Request ARN is invalid");
        }
        if (!SESSION_NAME.matcher(sessionName).matches()) {
            throw new StsError(400, "ValidationError", "1 validation error detected: Value at 'roleSessionName' "
                    + "failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*");
        }
        int duration = durationSeconds(params.get("DurationSeconds"));

        JWTClaimsSet claims = null;
        String verdict = null;
        try {
            claims = verify(token);
            String policy = trustPolicies.get(roleArn);
            PolicyVerdict evaluated = policy == null ? null
                    : TrustPolicyEvaluator.evaluate(policy, claims.toJSONObject(), roleArn);
            verdict = evaluated == null ? "No role " + roleArn + " in account " + ACCOUNT_ID + "."
                    : evaluated.describe();
            if (evaluated == null || !evaluated.admitted()) {
                // Real STS does not say whether the role exists or which condition did not match.
                throw new StsError(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
            }
        } catch (StsError e) {
            exchanges.add(new Exchange(roleArn, claims == null ? null : claims.getSubject(),
                    claims == null ? null : issuedAt(claims), e.code, null, verdict));
            throw e;
        }

        String assumedRoleArn = "arn:aws:sts::" + role.group(1) + ":assumed-role/" + role.group(2) + "/" + sessionName;
        String roleId = "AROA" + randomString(KEY_ID_CHARS, 17);
        Instant expiration = clock.instant().plusSeconds(duration).truncatedTo(ChronoUnit.SECONDS);
        IssuedCredentials credentials = new IssuedCredentials("ASIA" + randomString(KEY_ID_CHARS, 16),
                randomString(SECRET_CHARS, 40), sessionToken(), expiration);
        issued.add(credentials);
        exchanges.add(new Exchange(roleArn, claims.getSubject(), issuedAt(claims), null, assumedRoleArn, verdict));

        String audience = String.join(",", claims.getAudience());
        return "<AssumeRoleWithWebIdentityResponse xmlns=\"" + NAMESPACE + "\">\n"
                + "  <AssumeRoleWithWebIdentityResult>\n"
                + "    <SubjectFromWebIdentityToken>" + xml(claims.getSubject()) + "</SubjectFromWebIdentityToken>\n"
                + "    <Audience>" + xml(audience) + "</Audience>\n"
                + "    <AssumedRoleUser>\n"
                + "      <Arn>" + xml(assumedRoleArn) + "</Arn>\n"
                + "      <AssumedRoleId>" + roleId + ":" + xml(sessionName) + "</AssumedRoleId>\n"
                + "    </AssumedRoleUser>\n"
                + "    <Credentials>\n"
                + "      <SessionToken>" + credentials.sessionToken() + "</SessionToken>\n"
                + "      <SecretAccessKey>" + credentials.secretAccessKey() + "</SecretAccessKey>\n"
                + "      <Expiration>" + expiration + "</Expiration>\n"
                + "      <AccessKeyId>" + credentials.accessKeyId() + "</AccessKeyId>\n"
                + "    </Credentials>\n"
                + "    <Provider>" + xml(oidcProviderArn()) + "</Provider>\n"
                + "  </AssumeRoleWithWebIdentityResult>\n"
                + "  <ResponseMetadata><RequestId>" + UUID.randomUUID() + "</RequestId></ResponseMetadata>\n"
                + "</AssumeRoleWithWebIdentityResponse>\n";
    }

    /** Issuer, keys, signature, expiry: the checks STS makes before it looks at the role's trust policy. */
    private JWTClaimsSet verify(String token) throws StsError {
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(token);
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new StsError(400, "InvalidIdentityToken", "The web identity token is not a signed JWT.");
        }
        if (!JWSAlgorithm.RS256.equals(jwt.getHeader().getAlgorithm())) {
            throw new StsError(400, "InvalidIdentityToken", "Unsupported token signing algorithm "
                    + jwt.getHeader().getAlgorithm() + "; RS256 is required.");
        }
        if (!trustedIssuer.toString().equals(claims.getIssuer())) {
            throw new StsError(400, "InvalidIdentityToken",
                    "No OpenIDConnect provider found in your account for " + claims.getIssuer());
        }
        if (claims.getAudience() == null || !claims.getAudience().contains(CLIENT_ID)) {
            // STS's words when no aud is in the OIDC provider's client ID list.
            throw new StsError(400, "InvalidIdentityToken", "Incorrect token audience");
        }
        RSAKey key = signingKey(jwt.getHeader().getKeyID());
        try {
            if (!jwt.verify(new RSASSAVerifier(key))) {
                throw new StsError(400, "InvalidIdentityToken", "The token's signature does not verify against "
                        + "the keys at the issuer's jwks_uri.");
            }
        } catch (JOSEException e) {
            throw new StsError(400, "InvalidIdentityToken", "The token's signature could not be checked.");
        }
        Instant now = clock.instant();
        if (claims.getExpirationTime() == null || !now.isBefore(claims.getExpirationTime().toInstant())) {
            long exp = claims.getExpirationTime() == null ? 0 : claims.getExpirationTime().toInstant().getEpochSecond();
            throw new StsError(400, "ExpiredTokenException", "Token expired: current date/time "
                    + now.getEpochSecond() + " must be before the expiration date/time " + exp);
        }
        if (claims.getNotBeforeTime() != null && now.isBefore(claims.getNotBeforeTime().toInstant())) {
            throw new StsError(400, "InvalidIdentityToken", "The token is not valid yet (nbf is in the future).");
        }
        return claims;
    }

    /** Fetches the issuer's keys the way STS does: discovery document, then its jwks_uri. */
    private RSAKey signingKey(String keyId) throws StsError {
        JWKSet keys;
        try {
            String discovery = http.retrieveResource(new URL(trustedIssuer + "/.well-known/openid-configuration"))
                    .getContent();
            String jwksUri = JSONObjectUtils.getString(JSONObjectUtils.parse(discovery), "jwks_uri");
            keys = JWKSet.parse(http.retrieveResource(new URL(jwksUri)).getContent());
        } catch (IOException | ParseException | RuntimeException e) {
            throw new StsError(400, "IDPCommunicationError", "Could not fetch the signing keys of "
                    + trustedIssuer + " (" + e.getClass().getSimpleName() + ").");
        }
        JWK key = keyId == null ? null : keys.getKeyByKeyId(keyId);
        if (!(key instanceof RSAKey)) {
            throw new StsError(400, "InvalidIdentityToken", "Couldn't retrieve verification key from your "
                    + "identity provider, please reference AssumeRoleWithWebIdentity documentation for requirements");
        }
        return (RSAKey) key;
    }

    private static int durationSeconds(String value) throws StsError {
        if (value == null) {
            return DEFAULT_DURATION_SECONDS;
        }
        int seconds;
        try {
            seconds = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new StsError(400, "ValidationError", "DurationSeconds must be a number.");
        }
        if (seconds < MIN_DURATION_SECONDS) {
            throw new StsError(400, "ValidationError", "1 validation error detected: Value '" + seconds
                    + "' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or"
                    + " equal to " + MIN_DURATION_SECONDS);
        }
        if (seconds > MAX_SESSION_DURATION_SECONDS) {
            throw new StsError(400, "ValidationError",
                    "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
        }
        return seconds;
    }

    private static String required(Map<String, String> params, String name) throws StsError {
        String value = params.get(name);
        if (value == null || value.isEmpty()) {
            throw new StsError(400, "ValidationError", "1 validation error detected: Value null at '"
                    + Character.toLowerCase(name.charAt(0)) + name.substring(1)
                    + "' failed to satisfy constraint: Member must not be null");
        }
        return value;
    }

    private static Instant issuedAt(JWTClaimsSet claims) {
        return claims.getIssueTime() == null ? null : claims.getIssueTime().toInstant();
    }

    private String issuerHost() {
        return trustedIssuer.toString().replaceFirst("^https?://", "");
    }

    private String sessionToken() {
        byte[] bytes = new byte[300];
        random.nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    private String randomString(String alphabet, int length) {
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    private static Map<String, String> form(String body) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            String[] kv = pair.split("=", 2);
            params.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                    kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
        }
        return params;
    }

    private static String errorResponse(StsError e) {
        return "<ErrorResponse xmlns=\"" + NAMESPACE + "\">\n"
                + "  <Error><Type>" + (e.status >= 500 ? "Receiver" : "Sender") + "</Type><Code>" + e.code
                + "</Code><Message>" + xml(e.getMessage()) + "</Message></Error>\n"
                + "  <RequestId>" + UUID.randomUUID() + "</RequestId>\n"
                + "</ErrorResponse>\n";
    }

    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** An STS error answer. */
    private static final class StsError extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;
        final String code;

        StsError(int status, String code, String message) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
        }
    }
}
