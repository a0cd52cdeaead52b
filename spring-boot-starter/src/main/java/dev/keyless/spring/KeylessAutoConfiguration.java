package dev.keyless.spring;

import dev.keyless.WebIdentityCredentialsException;
import dev.keyless.WebIdentityCredentialsProvider;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.ImportRuntimeHints;
import org.springframework.core.env.Environment;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * One property and every AWS SDK client in the application is federated: with {@code keyless.role-arn} (or
 * {@code AWS_ROLE_ARN}) set, an {@link AwsCredentialsProvider} bean named {@code keylessCredentialsProvider},
 * a {@link WebIdentityCredentialsProvider} built from {@code keyless.*} ({@link KeylessProperties}).
 *
 * <p>Runs before Spring Cloud AWS's {@code CredentialsProviderAutoConfiguration}, which backs off when an
 * {@code AwsCredentialsProvider} bean exists, so every client it configures (S3, SQS, SNS, ...) signs with
 * federated credentials. An application that defines its own {@code AwsCredentialsProvider} bean keeps it:
 * Keyless then configures nothing. {@code keyless.enabled=false} turns all of Keyless off.
 *
 * <p>{@code keyless.providers.NAME.*} adds a provider per further role, each a bean of its own
 * ({@link KeylessProvidersRegistrar}); {@code keyless.clients.*} gives them to Spring Cloud AWS's clients
 * ({@link KeylessClientsAutoConfiguration}). {@link KeylessProviderCustomizer} beans adjust every provider's
 * builder before it is built.
 *
 * <p>{@code spring.config.import} loaders (Parameter Store, Secrets Manager) run before any bean exists; they
 * get the provider from {@link KeylessBootstrapRegistryInitializer}, and when they used it, that same instance
 * becomes the {@code keylessCredentialsProvider} bean.
 */
@AutoConfiguration(beforeName = "io.awspring.cloud.autoconfigure.core.CredentialsProviderAutoConfiguration")
@ConditionalOnClass(WebIdentityCredentialsProvider.class)
@ConditionalOnProperty(prefix = "keyless", name = "enabled", matchIfMissing = true)
@EnableConfigurationProperties(KeylessProperties.class)
@Import(KeylessProvidersRegistrar.class)
@ImportRuntimeHints(KeylessRuntimeHints.class)
public class KeylessAutoConfiguration {

    /** The name of the provider bean. */
    public static final String PROVIDER_BEAN_NAME = "keylessCredentialsProvider";

    static final String FEDERATION_BEAN_NAME = "keylessFederation";

    /** For Spring. */
    public KeylessAutoConfiguration() {
    }

    @Bean(name = FEDERATION_BEAN_NAME, destroyMethod = "close")
    @ConditionalOnMissingBean({AwsCredentialsProvider.class, KeylessFederation.class})
    @Conditional(OnRoleArnCondition.class)
    KeylessFederation keylessFederation(KeylessProperties properties, Environment environment,
            ApplicationContext context, ObjectProvider<KeylessProviderCustomizer> customizers) {
        return KeylessFederation.create(KeylessFederation.DEFAULT_NAME, properties, environment,
                context.getClassLoader(), Clock.systemUTC(), customizers.orderedStream().toList());
    }

    @Bean(name = PROVIDER_BEAN_NAME, destroyMethod = "close")
    @ConditionalOnMissingBean(AwsCredentialsProvider.class)
    @Conditional(OnRoleArnCondition.class)
    WebIdentityCredentialsProvider keylessCredentialsProvider(KeylessFederation federation) {
        return federation.provider();
    }

    /**
     * {@code keyless.fail-fast=true}: once every singleton exists, resolves credentials, for the main provider and
     * each named one, so broken federation stops startup ({@code KeylessFailFastException}, explained by
     * {@code KeylessFailureAnalyzer}). With no role ARN and no named provider that is a failure too; with one but
     * an application-defined provider, Keyless has nothing to check.
     */
    @Bean
    @ConditionalOnProperty(prefix = "keyless", name = "fail-fast", havingValue = "true")
    static SmartInitializingSingleton keylessFailFast(ObjectProvider<KeylessFederation> federation,
            ObjectProvider<KeylessProviders> providers, ObjectProvider<KeylessProperties> properties,
            Environment environment) {
        return () -> {
            KeylessFederation f = federation.getIfAvailable();
            KeylessProviders named = providers.getIfAvailable();
            if (f == null && named == null
                    && KeylessFederation.roleArn(properties.getObject(), environment) == null) {
                throw new InvalidConfigurationPropertyValueException(KeylessFederation.ROLE_ARN_PROPERTY, null,
                        "keyless.fail-fast=true, but no role ARN is configured, so Keyless provides no "
                        + "credentials: set keyless.role-arn or the AWS_ROLE_ARN environment variable.");
            }
            if (f != null) {
                resolve(f);
            }
            if (named != null) {
                named.federations().values().forEach(KeylessAutoConfiguration::resolve);
            }
        };
    }

    private static void resolve(KeylessFederation federation) {
        try {
            federation.provider().resolveCredentials();
        } catch (WebIdentityCredentialsException e) {
            throw new KeylessFailFastException(federation.name(), e);
        }
    }
}
