package dev.keyless.spring;

import dev.keyless.token.WebIdentityToken;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * Actuator endpoint {@code keyless} (read-only): the role ARN, the token source, a summary of a freshly
 * fetched token's claims ({@code iss}, {@code sub}, {@code aud}, {@code azp}, {@code exp}: what a trust
 * policy is matched against) and the last refresh the starter observed. Never the token, a secret key or a
 * session token. Each read fetches a token from the source (not from STS). Thread-safe.
 */
@Endpoint(id = "keyless")
public class KeylessEndpoint {

    private final KeylessFederation federation;

    KeylessEndpoint(KeylessFederation federation) {
        this.federation = federation;
    }

    /**
     * What Keyless is configured with and what it last did.
     *
     * @return the report, as JSON-ready maps of strings
     */
    @ReadOperation
    public Map<String, Object> keyless() {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("roleArn", federation.roleArn());
        report.put("tokenSource", String.valueOf(federation.tokenSource()));
        try {
            WebIdentityToken token = federation.tokenSource().fetchToken();
            report.put("token", token == null ? "the token source returned no token" : token.describeClaims());
        } catch (Exception e) {
            // Token source messages never carry the token (TokenSource's contract).
            report.put("tokenError", e.getClass().getSimpleName() + ": " + e.getMessage());
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
                refresh.put("detail", last.detail());
            }
            report.put("lastRefresh", refresh);
        }
        if (federation.refreshes().expiration() != null) {
            report.put("credentialsExpiration", federation.refreshes().expiration().toString());
        }
        return report;
    }
}
