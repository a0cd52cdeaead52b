package dev.keyless.spring;

import java.util.concurrent.atomic.AtomicReference;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.bootstrap.BootstrapContext;
import org.springframework.boot.bootstrap.BootstrapContextClosedEvent;
import org.springframework.boot.bootstrap.BootstrapRegistry;
import org.springframework.boot.bootstrap.BootstrapRegistryInitializer;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.StandardEnvironment;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * Federates what {@code spring.config.import} loads at startup. Spring Cloud AWS's config-data loaders
 * ({@code aws-parameterstore:}, {@code aws-secretsmanager:}, {@code aws-appconfig:}, {@code aws-s3:}) run
 * before any bean exists and take their {@link AwsCredentialsProvider} from the bootstrap context; this
 * initializer (registered in {@code META-INF/spring.factories}) puts Keyless's provider there.
 *
 * <p>The provider is built on first use, from the {@code keyless.*} properties known at that point of
 * config-data processing ({@code application.yml}, the environment, the command line). When Keyless is
 * off ({@code keyless.enabled=false}) or no role ARN is configured, the lookup fails with
 * {@link IllegalStateException}, as for a type nobody registered, and Spring Cloud AWS falls back to its own
 * {@code spring.cloud.aws.credentials.*} provider.
 *
 * <p>A provider built here is not thrown away when the application context starts: it becomes the
 * {@code keylessFederation} bean, so the application's clients share its credentials (one STS call, not two)
 * and it is closed with the context. An application that registers its own {@code AwsCredentialsProvider}
 * in the bootstrap registry with {@link BootstrapRegistry#register} replaces Keyless's there.
 *
 * <p>Thread-safe; Spring Boot creates one per {@code SpringApplication}.
 */
public class KeylessBootstrapRegistryInitializer implements BootstrapRegistryInitializer {

    /** For {@code spring.factories}. */
    public KeylessBootstrapRegistryInitializer() {
    }

    @Override
    public void initialize(BootstrapRegistry registry) {
        // One per bootstrap context: what the loaders used, to hand to the application context.
        AtomicReference<KeylessFederation> built = new AtomicReference<>();
        registry.registerIfAbsent(AwsCredentialsProvider.class, context -> provider(context, built));
        registry.addCloseListener(event -> promote(event, built.get()));
    }

    private static AwsCredentialsProvider provider(BootstrapContext context, AtomicReference<KeylessFederation> built) {
        KeylessFederation existing = built.get();
        if (existing != null) {
            return existing.provider();
        }
        Binder binder = context.get(Binder.class);
        KeylessProperties properties = binder.bindOrCreate("keyless", KeylessProperties.class);
        // The same fallbacks as the application context: AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, AWS_REGION.
        StandardEnvironment environment = new StandardEnvironment();
        if (!properties.isEnabled() || !KeylessFederation.configured(properties, environment)) {
            // What BootstrapContext.get throws for an unregistered type: Spring Cloud AWS then builds its own.
            throw new IllegalStateException("Keyless provides no AWS credentials for spring.config.import: "
                    + (properties.isEnabled() ? "no role ARN is configured (keyless.role-arn or AWS_ROLE_ARN)."
                    : "keyless.enabled=false."));
        }
        KeylessFederation federation = KeylessFederation.create(properties, environment,
                KeylessBootstrapRegistryInitializer.class.getClassLoader());
        if (!built.compareAndSet(null, federation)) {
            federation.close();
        }
        return built.get().provider();
    }

    /** Hands the provider the loaders used to the application context, which reuses it and closes it. */
    private static void promote(BootstrapContextClosedEvent event, KeylessFederation federation) {
        if (federation == null) {
            return;
        }
        ConfigurableListableBeanFactory beanFactory = event.getApplicationContext().getBeanFactory();
        String name = KeylessAutoConfiguration.FEDERATION_BEAN_NAME;
        if (beanFactory.containsBean(name)) {
            return;
        }
        if (beanFactory instanceof BeanDefinitionRegistry beanDefinitions) {
            RootBeanDefinition definition = new RootBeanDefinition(KeylessFederation.class, () -> federation);
            definition.setDestroyMethodName("close");
            beanDefinitions.registerBeanDefinition(name, definition);
        } else {
            beanFactory.registerSingleton(name, federation);
        }
    }
}
