package dev.keyless.spring;

import java.util.List;
import io.awspring.cloud.autoconfigure.config.parameterstore.SsmClientCustomizer;
import io.awspring.cloud.autoconfigure.config.secretsmanager.SecretsManagerClientCustomizer;
import io.awspring.cloud.autoconfigure.dynamodb.DynamoDbClientCustomizer;
import io.awspring.cloud.autoconfigure.metrics.CloudWatchAsyncClientCustomizer;
import io.awspring.cloud.autoconfigure.s3.S3ClientCustomizer;
import io.awspring.cloud.autoconfigure.ses.SesClientCustomizer;
import io.awspring.cloud.autoconfigure.sns.SnsClientCustomizer;
import io.awspring.cloud.autoconfigure.sqs.SqsAsyncClientCustomizer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;

/**
 * {@code keyless.clients.CLIENT=NAME}: the Spring Cloud AWS client signs with the named provider
 * {@code keyless.providers.NAME}, through Spring Cloud AWS's own per-client customizer, so the client bean and
 * everything built on it (templates, listener containers) use that role. One customizer per mapped client, and
 * only when that client's Spring Cloud AWS module is on the classpath; clients not mapped keep the main
 * provider. The mappings were checked at startup ({@link KeylessProvidersRegistrar}): each names a provider
 * that exists.
 *
 * <p>Only the clients Spring Cloud AWS builds through its customizers: {@code S3CrtAsyncClient} (the S3 transfer
 * manager) takes the main provider directly, and the {@code spring.config.import} loaders build their clients
 * before any bean exists.
 */
@AutoConfiguration(after = KeylessAutoConfiguration.class, beforeName = {
        "io.awspring.cloud.autoconfigure.s3.S3AutoConfiguration",
        "io.awspring.cloud.autoconfigure.sqs.SqsAutoConfiguration",
        "io.awspring.cloud.autoconfigure.sns.SnsAutoConfiguration",
        "io.awspring.cloud.autoconfigure.dynamodb.DynamoDbAutoConfiguration",
        "io.awspring.cloud.autoconfigure.ses.SesAutoConfiguration",
        "io.awspring.cloud.autoconfigure.config.secretsmanager.SecretsManagerAutoConfiguration",
        "io.awspring.cloud.autoconfigure.config.parameterstore.ParameterStoreAutoConfiguration",
        "io.awspring.cloud.autoconfigure.metrics.CloudWatchExportAutoConfiguration"})
@ConditionalOnClass(name = "io.awspring.cloud.autoconfigure.AwsClientCustomizer")
@ConditionalOnProperty(prefix = "keyless", name = "enabled", matchIfMissing = true)
public class KeylessClientsAutoConfiguration {

    /** The clients {@code keyless.clients} can map, as its keys. */
    static final List<String> CLIENTS = List.of("s3", "sqs", "sns", "dynamodb", "ses", "secrets-manager",
            "parameter-store", "cloudwatch");

    /** For Spring. */
    public KeylessClientsAutoConfiguration() {
    }

    /**
     * Gives the builder the provider {@code keyless.clients.CLIENT} names. Checked again here, not only at
     * startup: an ahead-of-time processed application does not run {@link KeylessProvidersRegistrar} again.
     */
    static <B extends AwsClientBuilder<?, ?>> void sign(String client, B builder, KeylessProperties properties,
            ObjectProvider<KeylessProviders> providers) {
        String name = properties.getClients().get(client);
        KeylessProviders named = providers.getIfAvailable();
        if (name == null || named == null || !named.federations().containsKey(name.strip())) {
            throw KeylessProvidersRegistrar.noSuchProvider(client, name,
                    named == null ? List.of() : named.federations().keySet());
        }
        builder.credentialsProvider(named.provider(name.strip()));
    }

    /** {@code keyless.clients.s3}: S3Client and S3Template. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"io.awspring.cloud.autoconfigure.s3.S3ClientCustomizer",
            "software.amazon.awssdk.services.s3.S3ClientBuilder"})
    @ConditionalOnProperty("keyless.clients.s3")
    static class S3Customizer {

        @Bean
        S3ClientCustomizer keylessS3ClientCustomizer(KeylessProperties properties,
                ObjectProvider<KeylessProviders> providers) {
            return builder -> sign("s3", builder, properties, providers);
        }
    }

    /** {@code keyless.clients.sqs}: SqsAsyncClient, SqsTemplate and @SqsListener containers. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"io.awspring.cloud.autoconfigure.sqs.SqsAsyncClientCustomizer",
            "software.amazon.awssdk.services.sqs.SqsAsyncClientBuilder"})
    @ConditionalOnProperty("keyless.clients.sqs")
    static class SqsCustomizer {

        @Bean
        SqsAsyncClientCustomizer keylessSqsClientCustomizer(KeylessProperties properties,
                ObjectProvider<KeylessProviders> providers) {
            return builder -> sign("sqs", builder, properties, providers);
        }
    }

    /** {@code keyless.clients.sns}: SnsClient and SnsTemplate. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"io.awspring.cloud.autoconfigure.sns.SnsClientCustomizer",
            "software.amazon.awssdk.services.sns.SnsClientBuilder"})
    @ConditionalOnProperty("keyless.clients.sns")
    static class SnsCustomizer {

        @Bean
        SnsClientCustomizer keylessSnsClientCustomizer(KeylessProperties properties,
                ObjectProvider<KeylessProviders> providers) {
            return builder -> sign("sns", builder, properties, providers);
        }
    }

    /** {@code keyless.clients.dynamodb}: DynamoDbClient and DynamoDbTemplate. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"io.awspring.cloud.autoconfigure.dynamodb.DynamoDbClientCustomizer",
            "software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder"})
    @ConditionalOnProperty("keyless.clients.dynamodb")
    static class DynamoDbCustomizer {

        @Bean
        DynamoDbClientCustomizer keylessDynamoDbClientCustomizer(KeylessProperties properties,
                ObjectProvider<KeylessProviders> providers) {
            return builder -> sign("dynamodb", builder, properties, providers);
        }
    }

    /** {@code keyless.clients.ses}: SesClient and the mail sender. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"io.awspring.cloud.autoconfigure.ses.SesClientCustomizer",
            "software.amazon.awssdk.services.ses.SesClientBuilder"})
    @ConditionalOnProperty("keyless.clients.ses")
    static class SesCustomizer {

        @Bean
        SesClientCustomizer keylessSesClientCustomizer(KeylessProperties properties,
                ObjectProvider<KeylessProviders> providers) {
            return builder -> sign("ses", builder, properties, providers);
        }
    }

    /** {@code keyless.clients.secrets-manager}: the SecretsManagerClient bean. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"io.awspring.cloud.autoconfigure.config.secretsmanager.SecretsManagerClientCustomizer",
            "software.amazon.awssdk.services.secretsmanager.SecretsManagerClientBuilder"})
    @ConditionalOnProperty("keyless.clients.secrets-manager")
    static class SecretsManagerCustomizer {

        @Bean
        SecretsManagerClientCustomizer keylessSecretsManagerClientCustomizer(KeylessProperties properties,
                ObjectProvider<KeylessProviders> providers) {
            return builder -> sign("secrets-manager", builder, properties, providers);
        }
    }

    /** {@code keyless.clients.parameter-store}: the SsmClient bean. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"io.awspring.cloud.autoconfigure.config.parameterstore.SsmClientCustomizer",
            "software.amazon.awssdk.services.ssm.SsmClientBuilder"})
    @ConditionalOnProperty("keyless.clients.parameter-store")
    static class SsmCustomizer {

        @Bean
        SsmClientCustomizer keylessSsmClientCustomizer(KeylessProperties properties,
                ObjectProvider<KeylessProviders> providers) {
            return builder -> sign("parameter-store", builder, properties, providers);
        }
    }

    /** {@code keyless.clients.cloudwatch}: the CloudWatchAsyncClient of the metrics export. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"io.awspring.cloud.autoconfigure.metrics.CloudWatchAsyncClientCustomizer",
            "software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClientBuilder"})
    @ConditionalOnProperty("keyless.clients.cloudwatch")
    static class CloudWatchCustomizer {

        @Bean
        CloudWatchAsyncClientCustomizer keylessCloudWatchClientCustomizer(KeylessProperties properties,
                ObjectProvider<KeylessProviders> providers) {
            return builder -> sign("cloudwatch", builder, properties, providers);
        }
    }
}
