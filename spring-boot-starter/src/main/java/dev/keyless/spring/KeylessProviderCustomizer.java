package dev.keyless.spring;

import dev.keyless.WebIdentityCredentialsProvider;

/**
 * Adjusts a provider the starter builds, before it is built: add a {@code refreshListener}, an
 * {@code stsClientCustomizer}, a {@code scheduler}, a session {@code policy}, ... The starter applies every
 * {@code KeylessProviderCustomizer} bean, in {@link org.springframework.core.annotation.Order @Order} /
 * {@link org.springframework.core.Ordered} order, to the main provider (named {@value #DEFAULT_PROVIDER}) and to
 * each {@code keyless.providers.NAME} provider (named {@code NAME}), after the properties are mapped onto the
 * builder; so a customizer's setting wins over the property's.
 *
 * <pre>{@code
 * @Bean
 * KeylessProviderCustomizer stsTimeouts() {
 *     return (name, builder) -> builder.stsClientCustomizer(sts -> sts.overrideConfiguration(
 *             c -> c.apiCallTimeout(Duration.ofSeconds(10))));
 * }
 * }</pre>
 *
 * <p>A {@code refreshListener} set here is told of refreshes alongside the starter's own (health, metrics, the
 * {@code keyless} endpoint), not instead of it. Not applied to a provider that {@code spring.config.import}
 * loaders needed before the application context existed ({@link KeylessBootstrapRegistryInitializer}): beans
 * are not there yet. Called once per provider, at startup, on the thread that creates the beans.
 */
@FunctionalInterface
public interface KeylessProviderCustomizer {

    /** The name the main provider, {@code keyless.*}, is given. */
    String DEFAULT_PROVIDER = "default";

    /**
     * Adjusts the builder of the provider called {@code name}.
     *
     * @param name {@value #DEFAULT_PROVIDER} for the main provider, else its name under
     *     {@code keyless.providers}
     * @param builder the builder, with the provider's properties already set
     */
    void customize(String name, WebIdentityCredentialsProvider.Builder builder);
}
