package dev.keyless.samples.demo;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Demo fixture, not part of Keyless: an OIDC issuer on {@code 127.0.0.1} standing in for a GKE cluster's
 * issuer ({@code https://container.googleapis.com/v1/projects/P/locations/L/clusters/C}). It serves the
 * discovery document at {@code /.well-known/openid-configuration} and the public signing key at
 * {@code /jwks}, as GKE does, and mints projected service-account tokens in exactly GKE's claim shape,
 * signed RS256 with an RSA key generated at start. Its issuer URL is its own {@code http://127.0.0.1:PORT}.
 *
 * <p>Thread-safe. {@link #start()} starts the server's dispatcher thread (non-daemon): call {@link #close()}.
 */
public final class LocalOidcIssuer implements AutoCloseable {

    /** The audience a projected token for AWS asks for. */
    public static final String STS_AUDIENCE = "sts.amazonaws.com";

    private static final String NODE = "gke-prod-1-default-pool-1a2b3c4d-xyz1";

    private final HttpServer server;
    private final RSAKey key;
    private final URI issuer;
    private final Clock clock;
    private final List<String> minted = new CopyOnWriteArrayList<>();

    private LocalOidcIssuer(HttpServer server, RSAKey key, Clock clock) {
        this.server = server;
        this.key = key;
        this.clock = clock;
        this.issuer = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        String discovery = discoveryDocument();
        String jwks = new JWKSet(key.toPublicJWK()).toString(true);
        server.createContext("/.well-known/openid-configuration", exchange -> serveJson(exchange, discovery));
        server.createContext("/jwks", exchange -> serveJson(exchange, jwks));
    }

    /**
     * Generates a signing key and starts serving on {@code 127.0.0.1} at a free port.
     *
     * @return the running issuer
     * @throws IOException if the server cannot bind
     */
    public static LocalOidcIssuer start() throws IOException {
        return start(Clock.systemUTC());
    }

    /**
     * Generates a signing key and starts serving on {@code 127.0.0.1} at a free port.
     *
     * @param clock the clock for {@link #mintServiceAccountToken(String, String, String, Duration)}
     * @return the running issuer
     * @throws IOException if the server cannot bind
     */
    public static LocalOidcIssuer start(Clock clock) throws IOException {
        RSAKey key;
        try {
            key = new RSAKeyGenerator(2048)
                    .keyUse(KeyUse.SIGNATURE)
                    .algorithm(JWSAlgorithm.RS256)
                    .keyIDFromThumbprint(true)
                    .generate();
        } catch (JOSEException e) {
            throw new IllegalStateException("Could not generate the demo issuer's RSA key", e);
        }
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        LocalOidcIssuer issuer = new LocalOidcIssuer(server, key, Objects.requireNonNull(clock, "clock"));
        server.start();
        return issuer;
    }

    /**
     * The issuer URL, the {@code iss} of every token it mints.
     *
     * @return {@code http://127.0.0.1:PORT}
     */
    public URI issuerUrl() {
        return issuer;
    }

    /**
     * Mints a GKE projected service-account token for a pod, issued now.
     *
     * @param namespace the pod's namespace
     * @param serviceAccount the pod's Kubernetes service account
     * @param pod the pod's name
     * @param lifetime the volume's {@code expirationSeconds}
     * @return the signed token (compact JWT); a secret: never print it
     */
    public String mintServiceAccountToken(String namespace, String serviceAccount, String pod, Duration lifetime) {
        return mintServiceAccountToken(namespace, serviceAccount, pod, clock.instant(), lifetime);
    }

    /**
     * Mints a GKE projected service-account token for a pod: {@code iss}, {@code sub}
     * ({@code system:serviceaccount:NAMESPACE:KSA}), {@code aud} ({@value #STS_AUDIENCE}), {@code iat},
     * {@code nbf}, {@code exp} and the {@code kubernetes.io} claim with the namespace, the node, the pod and
     * the service account. The uids are derived from the names, so every rotation for one pod carries the
     * same ones, as the kubelet's do.
     *
     * @param namespace the pod's namespace
     * @param serviceAccount the pod's Kubernetes service account
     * @param pod the pod's name
     * @param issuedAt the {@code iat} and {@code nbf}
     * @param lifetime the volume's {@code expirationSeconds}
     * @return the signed token (compact JWT); a secret: never print it
     */
    public String mintServiceAccountToken(String namespace, String serviceAccount, String pod, Instant issuedAt,
                                          Duration lifetime) {
        return mintServiceAccountToken(namespace, serviceAccount, pod, issuedAt, lifetime, STS_AUDIENCE);
    }

    /**
     * Mints a GKE projected service-account token for a pod with another audience, as a volume that forgot
     * {@code audience: sts.amazonaws.com} gets (the API server's own audience).
     *
     * @param namespace the pod's namespace
     * @param serviceAccount the pod's Kubernetes service account
     * @param pod the pod's name
     * @param issuedAt the {@code iat} and {@code nbf}
     * @param lifetime the volume's {@code expirationSeconds}
     * @param audience the {@code aud}
     * @return the signed token (compact JWT); a secret: never print it
     */
    public String mintServiceAccountToken(String namespace, String serviceAccount, String pod, Instant issuedAt,
                                          Duration lifetime, String audience) {
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(issuer.toString())
                .subject("system:serviceaccount:" + namespace + ":" + serviceAccount)
                .audience(audience)
                .issueTime(Date.from(issuedAt))
                .notBeforeTime(Date.from(issuedAt))
                .expirationTime(Date.from(issuedAt.plus(lifetime)))
                .claim("kubernetes.io", Map.of(
                        "namespace", namespace,
                        "node", Map.of("name", NODE, "uid", uid("node", NODE)),
                        "pod", Map.of("name", pod, "uid", uid("pod", namespace, pod)),
                        "serviceaccount", Map.of("name", serviceAccount,
                                "uid", uid("serviceaccount", namespace, serviceAccount))))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256)
                .keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(), claims);
        try {
            jwt.sign(new RSASSASigner(key));
        } catch (JOSEException e) {
            throw new IllegalStateException("Could not sign a demo token", e);
        }
        String token = jwt.serialize();
        minted.add(token);
        return token;
    }

    /** Every token minted so far, for tests that prove none is printed. */
    List<String> mintedTokens() {
        return List.copyOf(minted);
    }

    /** Stops the server at once. */
    @Override
    public void close() {
        server.stop(0);
    }

    private String discoveryDocument() {
        // The fields GKE's discovery document has.
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("issuer", issuer.toString());
        doc.put("jwks_uri", issuer + "/jwks");
        doc.put("response_types_supported", List.of("id_token"));
        doc.put("subject_types_supported", List.of("public"));
        doc.put("id_token_signing_alg_values_supported", List.of("RS256"));
        doc.put("claims_supported", List.of("iss", "sub", "kubernetes.io"));
        doc.put("grant_types", List.of("urn:kubernetes:grant_type:programmatic_authorization"));
        return JSONObjectUtils.toJSONString(doc);
    }

    private static String uid(String... parts) {
        return UUID.nameUUIDFromBytes(String.join("/", parts).getBytes(StandardCharsets.UTF_8)).toString();
    }

    private static void serveJson(HttpExchange exchange, String json) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
