package dev.keyless.spring;

import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Keyless's Micrometer meters ({@link KeylessMetrics}) when Micrometer is on the classpath and Keyless built the
 * provider. Spring Boot binds every {@link MeterBinder} bean to the application's registries.
 */
@AutoConfiguration(after = KeylessAutoConfiguration.class)
@ConditionalOnClass(MeterBinder.class)
@ConditionalOnBean(KeylessFederation.class)
public class KeylessMetricsAutoConfiguration {

    /** For Spring. */
    public KeylessMetricsAutoConfiguration() {
    }

    @Bean
    @ConditionalOnMissingBean
    KeylessMetrics keylessMetrics(KeylessFederation federation) {
        return new KeylessMetrics(federation, Clock.systemUTC());
    }
}
