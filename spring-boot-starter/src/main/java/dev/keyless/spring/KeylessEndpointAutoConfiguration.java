package dev.keyless.spring;

import java.time.Clock;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Actuator endpoint {@code keyless} ({@link KeylessEndpoint}) when the actuator is on the classpath and Keyless
 * built the provider. Exposed like any endpoint, for example
 * {@code management.endpoints.web.exposure.include=health,keyless}.
 */
@AutoConfiguration(after = KeylessAutoConfiguration.class)
@ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
@ConditionalOnBean(KeylessFederation.class)
public class KeylessEndpointAutoConfiguration {

    /** For Spring. */
    public KeylessEndpointAutoConfiguration() {
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint
    KeylessEndpoint keylessEndpoint(KeylessFederation federation) {
        return new KeylessEndpoint(federation, Clock.systemUTC());
    }
}
