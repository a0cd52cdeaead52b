package dev.keyless.spring;

import dev.keyless.WebIdentityCredentialsProvider;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;
import org.springframework.util.StringUtils;

/**
 * Registers a bean per named provider, {@code keyless.providers.NAME}: {@code keylessNAMECredentialsProvider}
 * (NAME in camel case), made by the {@code keylessProviders} bean ({@link KeylessProviders}) and closed with the
 * context. They are not default candidates: injecting an {@code AwsCredentialsProvider} by type still gets the
 * main provider (or Spring Cloud AWS's), and the named ones do not make Spring Cloud AWS back off; inject one
 * with {@code @Qualifier("keylessNAMECredentialsProvider")}.
 *
 * <p>Checks, before any bean exists, that each provider's name is usable and that each
 * {@code keyless.clients.CLIENT} names a client Keyless knows and a provider that exists; a failure names the
 * property. With no {@code keyless.providers}, registers nothing.
 */
final class KeylessProvidersRegistrar implements ImportBeanDefinitionRegistrar, EnvironmentAware {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*");

    private Environment environment;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
        Set<String> providers = providerNames(environment);
        Map<String, String> clients = Binder.get(environment)
                .bind("keyless.clients", Bindable.mapOf(String.class, String.class)).orElseGet(Map::of);
        providers.forEach(KeylessProvidersRegistrar::checkName);
        clients.forEach((client, provider) -> checkClient(client, provider, providers));
        if (providers.isEmpty()) {
            return;
        }
        RootBeanDefinition holder = new RootBeanDefinition(KeylessProviders.class);
        holder.setFactoryMethodName("create");
        holder.setAutowireMode(AbstractBeanDefinition.AUTOWIRE_CONSTRUCTOR);
        holder.setDestroyMethodName("close");
        registry.registerBeanDefinition(KeylessProviders.BEAN_NAME, holder);
        for (String name : providers) {
            RootBeanDefinition provider = new RootBeanDefinition(WebIdentityCredentialsProvider.class);
            provider.setFactoryBeanName(KeylessProviders.BEAN_NAME);
            provider.setFactoryMethodName("provider");
            provider.getConstructorArgumentValues().addIndexedArgumentValue(0, name);
            provider.setDefaultCandidate(false);
            provider.setDestroyMethodName("close");
            registry.registerBeanDefinition(beanName(name), provider);
        }
    }

    /**
     * The names under {@code keyless.providers}, read from the property names alone: their values are bound at
     * runtime ({@link KeylessProperties}), which matters when this runs at build time (Spring AOT) or values
     * come from suppliers that are not ready yet.
     */
    static Set<String> providerNames(Environment environment) {
        ConfigurationPropertyName prefix = ConfigurationPropertyName.of("keyless.providers");
        Set<String> names = new LinkedHashSet<>();
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            if (source instanceof IterableConfigurationPropertySource iterable) {
                iterable.filter(prefix::isAncestorOf).forEach(name -> names.add(
                        name.getElement(prefix.getNumberOfElements(), ConfigurationPropertyName.Form.ORIGINAL)));
            }
        }
        return names;
    }

    /**
     * {@code keylessNAMECredentialsProvider}, NAME in camel case: {@code team-queue} gives
     * {@code keylessTeamQueueCredentialsProvider}.
     */
    static String beanName(String name) {
        StringBuilder bean = new StringBuilder("keyless");
        for (String part : name.split("[-_]")) {
            bean.append(StringUtils.capitalize(part));
        }
        return bean.append("CredentialsProvider").toString();
    }

    private static void checkName(String name) {
        if (KeylessFederation.DEFAULT_NAME.equals(name)) {
            throw new InvalidConfigurationPropertyValueException("keyless.providers." + name, name,
                    "\"" + name + "\" is the main provider's name (keyless.*): give this provider another name.");
        }
        if (!NAME.matcher(name).matches()) {
            throw new InvalidConfigurationPropertyValueException("keyless.providers." + name, name,
                    "A provider's name is letters, digits, - and _, starting with a letter or digit: it becomes "
                    + "part of its bean name.");
        }
    }

    private static void checkClient(String client, String provider, Set<String> providers) {
        String property = "keyless.clients." + client;
        if (!KeylessClientsAutoConfiguration.CLIENTS.contains(client)) {
            throw new InvalidConfigurationPropertyValueException(property, provider, "Keyless assigns providers "
                    + "to these Spring Cloud AWS clients: " + String.join(", ", KeylessClientsAutoConfiguration.CLIENTS)
                    + "; \"" + client + "\" is none of them. Any other client can be given a provider with "
                    + "@Qualifier(\"keylessNAMECredentialsProvider\").");
        }
        if (!StringUtils.hasText(provider) || !providers.contains(provider.strip())) {
            throw noSuchProvider(client, provider, providers);
        }
    }

    /** {@code keyless.clients.CLIENT} names a provider that is not configured. */
    static InvalidConfigurationPropertyValueException noSuchProvider(String client, String provider,
            Collection<String> configured) {
        String property = "keyless.clients." + client;
        return new InvalidConfigurationPropertyValueException(property, provider, "There is no provider named \""
                + provider + "\": configure it with keyless.providers." + provider + ".role-arn, or remove "
                + property + " to let the client use the main provider. Configured providers: "
                + (configured.isEmpty() ? "none" : String.join(", ", configured)) + ".");
    }
}
