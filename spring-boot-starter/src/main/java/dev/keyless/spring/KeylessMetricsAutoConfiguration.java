package dev.keyless.spring;

import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

/**
 * Keyless's Micrometer meters ({@link KeylessMetrics}) when Micrometer is on the classpath and Keyless built the
 * main provider or named ones. Spring Boot binds every {@link MeterBinder} bean to the application's registries.
 */
@AutoConfiguration(after = KeylessAutoConfiguration.class)
@ConditionalOnClass(MeterBinder.class)
@Conditional(KeylessEndpointAutoConfiguration.KeylessBuiltProviders.class)
public class KeylessMetricsAutoConfiguration {

    /** For Spring. */
    public KeylessMetricsAutoConfiguration() {
    }

    @Bean
    @ConditionalOnMissingBean
    KeylessMetrics keylessMetrics(ObjectProvider<KeylessFederation> federation,
            ObjectProvider<KeylessProviders> providers) {
        List<KeylessFederation> measured = new ArrayList<>();
        federation.ifAvailable(measured::add);
        providers.ifAvailable(named -> measured.addAll(named.federations().values()));
        return new KeylessMetrics(measured, Clock.systemUTC());
    }
}
