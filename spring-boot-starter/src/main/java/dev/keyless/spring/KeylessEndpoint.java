package dev.keyless.spring;

import dev.keyless.diagnostics.TokenInspector;
import dev.keyless.diagnostics.TokenReport;
import dev.keyless.diagnostics.TrustPolicies;
import dev.keyless.internal.text.Json;
import dev.keyless.token.WebIdentityToken;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import software.amazon.awssdk.arns.Arn;

/**
 * Actuator endpoint {@code keyless} (read-only), what an operator needs to fix federation without a shell in
 * the pod:
 * <ul>
 *   <li>{@code roleArn}, {@code tokenSource}; with {@code keyless.chain}, {@code chain} (each hop's number, STS
 *       call and role ARN) and {@code targetRoleArn}, the role whose credentials the application gets;</li>
 *   <li>{@code token}: {@link TokenInspector}'s report on a token freshly fetched from the source (kind,
 *       header, claims, findings with fixes; the signature is not verified), or {@code tokenError};</li>
 *   <li>{@code trustPolicy}: the IAM trust policy that admits exactly that token's identity
 *       ({@link TrustPolicies#trustPolicyJson}), for the role's account (the first hop's, with a chain);</li>
 *   <li>{@code lastRefresh}: when the last STS call or failed token fetch happened, its outcome and
 *       duration, and with a chain the hop that failed ({@code failedHop}: its number, role and caller);
 *       {@code credentialsExpiration}.</li>
 * </ul>
 * With named providers ({@code keyless.providers.NAME}), {@code providers} holds the same report for each, by
 * name; the main provider's stays at the top. Never the token, a secret key, a session token, a hop's external
 * ID or its session tags' values; every string from a token, a server or an exception is escaped (control
 * characters, escape sequences, bidi overrides). Each read fetches a token from the source (a file read, or a metadata-server call), never from STS.
 * Thread-safe.
 */
@Endpoint(id = "keyless")
public class KeylessEndpoint {

    private final KeylessFederation federation;
    private final Map<String, KeylessFederation> named;
    private final Clock clock;

    KeylessEndpoint(KeylessFederation federation, Clock clock) {
        this(federation, Map.of(), clock);
    }

    /** The main provider ({@code null} if there is none) and the named providers. */
    KeylessEndpoint(KeylessFederation federation, Map<String, KeylessFederation> named, Clock clock) {
        this.federation = federation;
        this.named = named;
        this.clock = clock;
    }

    /**
     * What Keyless is configured with, what its token says, and what it last did.
     *
     * @return the report, as JSON-ready maps
     */
    @ReadOperation
    public Map<String, Object> keyless() {
        Map<String, Object> report = federation == null ? new LinkedHashMap<>() : report();
        if (!named.isEmpty()) {
            Map<String, Object> providers = new LinkedHashMap<>();
            named.forEach((name, f) -> providers.put(name, new KeylessEndpoint(f, clock).report()));
            report.put("providers", providers);
        }
        return report;
    }

    /** The report on this endpoint's own provider. */
    private Map<String, Object> report() {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("roleArn", federation.roleArn());
        boolean chained = ChainDetails.chained(federation.provider());
        if (chained) {
            report.put("chain", ChainDetails.hops(federation.provider()));
            report.put("targetRoleArn", Secrets.scrub(federation.provider().targetRoleArn()));
        }
        report.put("tokenSource", Secrets.scrub(String.valueOf(federation.tokenSource())));
        TokenReport token = inspectToken(report);
        if (token != null) {
            report.put("token", json(token.toJson()));
            trustPolicy(token, report);
        }
        RefreshLog.Attempt last = federation.refreshes().last();
        if (last == null) {
            report.put("lastRefresh", "none yet: credentials are fetched on first use");
        } else {
            Map<String, Object> refresh = new LinkedHashMap<>();
            refresh.put("at", last.at().toString());
            refresh.put("outcome", last.outcome());
            refresh.put("duration", last.duration().toString());
            if (last.detail() != null) {
                refresh.put("detail", Secrets.scrub(last.detail()));
            }
            if (chained && last.hop() > 0) {
                refresh.put("failedHop", ChainDetails.failedHop(last.hop(), last.roleArn(), last.callerArn()));
            }
            report.put("lastRefresh", refresh);
        }
        Instant expiration = federation.refreshes().expiration();
        if (expiration != null) {
            report.put("credentialsExpiration", expiration.toString());
        }
        return report;
    }

    private TokenReport inspectToken(Map<String, Object> report) {
        WebIdentityToken token;
        try {
            token = federation.tokenSource().fetchToken();
        } catch (Exception e) {
            report.put("tokenError", Secrets.describe(e));
            return null;
        }
        if (token == null) {
            report.put("tokenError", "the token source returned no token");
            return null;
        }
        return TokenInspector.inspect(token.value(), clock);
    }

    private void trustPolicy(TokenReport token, Map<String, Object> report) {
        String account = Arn.tryFromString(federation.roleArn()).flatMap(Arn::accountId).orElse(null);
        try {
            report.put("trustPolicy", json(TrustPolicies.trustPolicyJson(token, account)));
        } catch (IllegalArgumentException e) {
            report.put("trustPolicyError", Secrets.scrub(e.getMessage()));
        }
    }

    /**
     * Core's JSON as maps, so the actuator renders it as JSON rather than as an escaped string; claim values
     * in it are escaped, as everywhere else.
     */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(String json) {
        return (Map<String, Object>) Secrets.scrubAll(Json.parse(json));
    }
}
