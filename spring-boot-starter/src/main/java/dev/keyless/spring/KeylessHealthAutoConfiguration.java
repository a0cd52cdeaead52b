package dev.keyless.spring;

import dev.keyless.WebIdentityCredentialsProvider;
import java.time.Clock;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

/**
 * Health {@code keyless} ({@link KeylessHealthIndicator}) when Spring Boot's health support is on the classpath
 * and the application has one {@link WebIdentityCredentialsProvider}, Keyless's or its own, or named providers
 * ({@code keyless.providers.NAME}). Off with {@code management.health.keyless.enabled=false}.
 *
 * <p>On Kubernetes it belongs in the readiness group, never in liveness: a federation outage should take the
 * pod out of the load balancer, not restart it ({@code management.endpoint.health.group.readiness.include=
 * readinessState,keyless}).
 */
@AutoConfiguration(after = KeylessAutoConfiguration.class)
@ConditionalOnClass({HealthIndicator.class, WebIdentityCredentialsProvider.class})
@Conditional(KeylessHealthAutoConfiguration.ProvidersToCheck.class)
@ConditionalOnEnabledHealthIndicator("keyless")
public class KeylessHealthAutoConfiguration {

    /** For Spring. */
    public KeylessHealthAutoConfiguration() {
    }

    @Bean
    @ConditionalOnMissingBean(name = "keylessHealthIndicator")
    KeylessHealthIndicator keylessHealthIndicator(ObjectProvider<WebIdentityCredentialsProvider> main,
            ObjectProvider<KeylessFederation> federation, ObjectProvider<KeylessProviders> providers) {
        WebIdentityCredentialsProvider provider = main.getIfUnique();
        KeylessFederation f = federation.getIfAvailable();
        KeylessProviders named = providers.getIfAvailable();
        // Details of the starter's own provider only when that is the one being checked.
        return new KeylessHealthIndicator(provider, f != null && f.provider() == provider ? f : null,
                named == null ? Map.of() : named.federations(), Clock.systemUTC());
    }

    /** One main provider to check, or named ones. */
    static final class ProvidersToCheck extends AnyNestedCondition {

        ProvidersToCheck() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnSingleCandidate(WebIdentityCredentialsProvider.class)
        static final class OneProvider {
        }

        @ConditionalOnBean(KeylessProviders.class)
        static final class NamedProviders {
        }
    }
}
