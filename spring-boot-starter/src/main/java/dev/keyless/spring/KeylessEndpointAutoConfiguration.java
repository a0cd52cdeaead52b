package dev.keyless.spring;

import java.time.Clock;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

/**
 * Actuator endpoint {@code keyless} ({@link KeylessEndpoint}) when the actuator is on the classpath and Keyless
 * built the main provider or named ones. Exposed like any endpoint, for example
 * {@code management.endpoints.web.exposure.include=health,keyless}.
 */
@AutoConfiguration(after = KeylessAutoConfiguration.class)
@ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
@Conditional(KeylessEndpointAutoConfiguration.KeylessBuiltProviders.class)
public class KeylessEndpointAutoConfiguration {

    /** For Spring. */
    public KeylessEndpointAutoConfiguration() {
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAvailableEndpoint
    KeylessEndpoint keylessEndpoint(ObjectProvider<KeylessFederation> federation,
            ObjectProvider<KeylessProviders> providers) {
        KeylessProviders named = providers.getIfAvailable();
        return new KeylessEndpoint(federation.getIfAvailable(), named == null ? Map.of() : named.federations(),
                Clock.systemUTC());
    }

    /** Keyless built the main provider, named ones, or both. */
    static final class KeylessBuiltProviders extends AnyNestedCondition {

        KeylessBuiltProviders() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnBean(KeylessFederation.class)
        static final class MainProvider {
        }

        @ConditionalOnBean(KeylessProviders.class)
        static final class NamedProviders {
        }
    }
}
