package dev.keyless.spring;

import dev.keyless.WebIdentityCredentialsException;
import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.jwt.Claims;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import software.amazon.awssdk.auth.credentials.AwsCredentials;

/**
 * Health {@code keyless}: UP when the provider has valid credentials, with the role ARN, their expiration and
 * time left, the token source and the last token's issuer and subject; DOWN with the provider's diagnosis
 * (which names the role, the token's claims and the likely cause) when it has none.
 *
 * <p>Asks the provider with {@code resolveCredentials()}, which returns cached credentials without calling
 * STS and, after a failure, answers with the last failure until its next attempt is due: a health check
 * never makes STS calls of its own beyond the provider's refresh schedule. Never shows a token, a secret key
 * or a session token; claim values and messages are escaped, so a claim cannot forge or hide a line where the
 * health is printed or logged. Thread-safe.
 *
 * <p>With a role chain ({@code keyless.chain}), {@code chain} lists each hop's number, STS call and role ARN and
 * {@code targetRoleArn} names the role whose credentials the application gets; when DOWN, {@code failedHop}
 * names the hop that failed, its role and the caller that made the call. A hop's external ID and session tag
 * values are never shown.
 *
 * <p>With named providers ({@code keyless.providers.NAME}), the main provider's details stay where they are and
 * {@code providers} holds each named one's status and details, by name; the health is DOWN if any provider is.
 */
public class KeylessHealthIndicator implements HealthIndicator {

    private final WebIdentityCredentialsProvider provider;
    private final KeylessFederation federation;
    private final Map<String, KeylessFederation> named;
    private final Clock clock;

    /**
     * A health indicator for any {@link WebIdentityCredentialsProvider}.
     *
     * @param provider the provider to check
     */
    public KeylessHealthIndicator(WebIdentityCredentialsProvider provider) {
        this(provider, null, Clock.systemUTC());
    }

    KeylessHealthIndicator(WebIdentityCredentialsProvider provider, KeylessFederation federation, Clock clock) {
        this(provider, federation, Map.of(), clock);
    }

    /** The main provider ({@code null} if there is none) and the named providers. */
    KeylessHealthIndicator(WebIdentityCredentialsProvider provider, KeylessFederation federation,
            Map<String, KeylessFederation> named, Clock clock) {
        this.provider = provider;
        this.federation = federation;
        this.named = named;
        this.clock = clock;
    }

    @Override
    public Health health() {
        Health main = provider == null ? null : own();
        if (named.isEmpty()) {
            return main;
        }
        Health.Builder health = main == null ? Health.up()
                : Health.status(main.getStatus()).withDetails(main.getDetails());
        Map<String, Object> providers = new LinkedHashMap<>();
        named.forEach((name, f) -> {
            Health one = new KeylessHealthIndicator(f.provider(), f, clock).own();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("status", one.getStatus().getCode());
            entry.put("details", one.getDetails());
            providers.put(name, entry);
            if (Status.DOWN.equals(one.getStatus())) {
                health.down();
            }
        });
        return health.withDetail("providers", providers).build();
    }

    /** This indicator's own provider. */
    private Health own() {
        try {
            AwsCredentials credentials = provider.resolveCredentials();
            Health.Builder up = Health.up();
            roleAndSource(up);
            credentials.expirationTime().ifPresent(expiration -> up
                    .withDetail("expiration", expiration.toString())
                    .withDetail("expiresIn", Duration.between(Instant.now(clock), expiration).withNanos(0).toString()));
            credentials.accountId().ifPresent(account -> up.withDetail("accountId", account));
            return up.build();
        } catch (WebIdentityCredentialsException e) {
            Health.Builder down = Health.down();
            roleAndSource(down);
            if (ChainDetails.chained(provider)) {
                // roleArn stays the first hop's, as when UP; the hop that failed is named on its own.
                down.withDetail("failedHop", ChainDetails.failedHop(e.hop(), e.roleArn(), e.callerArn()));
            } else {
                down.withDetail("roleArn", Secrets.scrub(String.valueOf(e.roleArn())));
            }
            if (e.stsErrorCode() != null) {
                down.withDetail("stsErrorCode", e.stsErrorCode());
            }
            // The provider's messages never carry a token or a key (WebIdentityCredentialsException's contract).
            down.withDetail("error", Secrets.scrub(e.getMessage()));
            return down.build();
        } catch (RuntimeException e) {
            // Not Keyless's own failure (a provider closed under us, a bug): still DOWN, never an exception.
            Health.Builder down = Health.down();
            roleAndSource(down);
            down.withDetail("error", Secrets.describe(e));
            return down.build();
        }
    }

    private void roleAndSource(Health.Builder health) {
        if (federation == null) {
            health.withDetail("provider", Secrets.scrub(provider.toString()));
            chain(health);
            return;
        }
        health.withDetail("roleArn", federation.roleArn());
        chain(health);
        health.withDetail("tokenSource", Secrets.scrub(String.valueOf(federation.tokenSource())));
        Claims token = federation.refreshes().token();
        if (token != null) {
            health.withDetail("tokenKind", describe(token));
            if (token.issuer() != null) {
                health.withDetail("tokenIssuer", Secrets.scrub(token.issuer()));
            }
            if (token.subject() != null) {
                health.withDetail("tokenSubject", Secrets.scrub(token.subject()));
            }
        }
    }

    private void chain(Health.Builder health) {
        if (ChainDetails.chained(provider)) {
            health.withDetail("chain", ChainDetails.hops(provider));
            health.withDetail("targetRoleArn", Secrets.scrub(provider.targetRoleArn()));
        }
    }

    /** The two paths of federation, and the rest. */
    static String describe(Claims token) {
        if (token.isGke()) {
            return "GKE projected service-account token";
        }
        return token.isGoogle() ? "Google service-account identity token" : "OIDC token";
    }
}
