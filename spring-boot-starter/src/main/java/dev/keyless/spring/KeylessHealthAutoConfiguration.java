package dev.keyless.spring;

import dev.keyless.WebIdentityCredentialsProvider;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * Health {@code keyless} ({@link KeylessHealthIndicator}) when Spring Boot's health support is on the classpath
 * and the application has one {@link WebIdentityCredentialsProvider}, Keyless's or its own. Off with
 * {@code management.health.keyless.enabled=false}.
 */
@AutoConfiguration(after = KeylessAutoConfiguration.class)
@ConditionalOnClass({HealthIndicator.class, WebIdentityCredentialsProvider.class})
@ConditionalOnSingleCandidate(WebIdentityCredentialsProvider.class)
@ConditionalOnEnabledHealthIndicator("keyless")
public class KeylessHealthAutoConfiguration {

    /** For Spring. */
    public KeylessHealthAutoConfiguration() {
    }

    @Bean
    @ConditionalOnMissingBean(name = "keylessHealthIndicator")
    KeylessHealthIndicator keylessHealthIndicator(WebIdentityCredentialsProvider provider,
            ObjectProvider<KeylessFederation> federation) {
        KeylessFederation f = federation.getIfAvailable();
        // Details of the starter's own provider only when that is the one being checked.
        return new KeylessHealthIndicator(provider, f != null && f.provider() == provider ? f : null,
                Clock.systemUTC());
    }
}
