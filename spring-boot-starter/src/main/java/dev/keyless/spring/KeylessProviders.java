package dev.keyless.spring;

import dev.keyless.WebIdentityCredentialsProvider;
import java.time.Clock;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationContext;
import org.springframework.core.env.Environment;

/**
 * The named providers, {@code keyless.providers.NAME.*}, each built by {@link KeylessFederation} like the main
 * one. The bean {@code keylessProviders} holds them; each provider is also a bean of its own
 * ({@link KeylessProvidersRegistrar}), made by {@link #provider(String)}. {@link #close()} closes them all.
 * Thread-safe once built.
 */
final class KeylessProviders implements AutoCloseable {

    static final String BEAN_NAME = "keylessProviders";

    private final Map<String, KeylessFederation> federations;

    private KeylessProviders(Map<String, KeylessFederation> federations) {
        this.federations = Collections.unmodifiableMap(federations);
    }

    /**
     * The factory method of the {@code keylessProviders} bean: the context's class loader (what is optional,
     * google-auth-library, is looked up there), the customizers in their order, the system clock.
     */
    static KeylessProviders create(KeylessProperties properties, Environment environment, ApplicationContext context,
            ObjectProvider<KeylessProviderCustomizer> customizers) {
        return build(properties, environment, context.getClassLoader(), Clock.systemUTC(),
                customizers.orderedStream().toList());
    }

    /** Builds every named provider; if one cannot be built, closes those that were and rethrows. */
    static KeylessProviders build(KeylessProperties properties, Environment environment, ClassLoader classLoader,
            Clock clock, List<KeylessProviderCustomizer> customizers) {
        Map<String, KeylessFederation> built = new LinkedHashMap<>();
        try {
            properties.getProviders().forEach((name, provider) -> built.put(name,
                    KeylessFederation.create(name, provider, environment, classLoader, clock, customizers)));
        } catch (RuntimeException e) {
            built.values().forEach(KeylessFederation::close);
            throw e;
        }
        return new KeylessProviders(built);
    }

    /**
     * The provider called {@code name}; the factory method of its bean.
     *
     * @throws IllegalArgumentException if there is none (the registrar checked the names before)
     */
    WebIdentityCredentialsProvider provider(String name) {
        KeylessFederation federation = federations.get(name);
        if (federation == null) {
            throw new IllegalArgumentException("No Keyless provider " + name + " (keyless.providers." + name
                    + ".role-arn); configured: " + federations.keySet());
        }
        return federation.provider();
    }

    /** Every named provider, in the order configured. */
    Map<String, KeylessFederation> federations() {
        return federations;
    }

    @Override
    public void close() {
        federations.values().forEach(KeylessFederation::close);
    }
}
