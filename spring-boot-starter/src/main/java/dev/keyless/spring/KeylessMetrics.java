package dev.keyless.spring;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * Keyless's meters. What is measured, exactly:
 * <ul>
 *   <li>{@code keyless.credentials.expiry} (gauge, seconds): time left until the credentials from the last
 *       successful refresh expire (with {@code keyless.chain}, the last hop's); NaN before the first. Negative
 *       once they have expired without a successful refresh.</li>
 *   <li>{@code keyless.refresh} (timer, tag {@code outcome}): one sample per refresh, the STS
 *       {@code AssumeRoleWithWebIdentity} call and, with a chain, every {@code AssumeRole} call after it, timed
 *       over the calls including the SDK's retries, with outcome {@code success}, the STS error code of the call
 *       that failed ({@code AccessDenied}, {@code InvalidIdentityToken}, ...) or {@code client-error} (I/O,
 *       timeout); and one sample per failed token fetch, timed over the fetch, with outcome
 *       {@code token-source-error}. Successful token fetches are not counted on their own. Which hop failed is
 *       not a tag (health and the {@code keyless} endpoint name it): the tags stay few.</li>
 * </ul>
 * Every meter is tagged {@code provider}: {@code default} for the main provider, the name for each
 * {@code keyless.providers.NAME}. Only the providers the starter built are measured. Thread-safe.
 */
public class KeylessMetrics implements MeterBinder {

    private final List<KeylessFederation> federations;
    private final Clock clock;

    KeylessMetrics(List<KeylessFederation> federations, Clock clock) {
        this.federations = List.copyOf(federations);
        this.clock = clock;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (KeylessFederation federation : federations) {
            RefreshLog refreshes = federation.refreshes();
            Gauge.builder("keyless.credentials.expiry", refreshes, this::secondsLeft)
                    .description("Seconds until the credentials from the last successful STS call expire")
                    .baseUnit("seconds")
                    .tag("provider", federation.name())
                    .register(registry);
            refreshes.addListener(attempt -> Timer.builder("keyless.refresh")
                    .description("Refreshes (the STS calls of every hop) and failed token fetches, by outcome")
                    .tag("outcome", attempt.outcome())
                    .tag("provider", federation.name())
                    .register(registry)
                    .record(attempt.duration()));
        }
    }

    private double secondsLeft(RefreshLog refreshes) {
        Instant expiration = refreshes.expiration();
        return expiration == null ? Double.NaN
                : (expiration.toEpochMilli() - Instant.now(clock).toEpochMilli()) / 1000.0;
    }
}
