package dev.keyless.cli;

import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.sts.StsClients;
import dev.keyless.token.TokenSource;
import java.net.URI;
import java.time.Duration;
import picocli.CommandLine.Option;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;

/**
 * The role to assume and where STS is. What the options leave unset, core's settings resolver reads: the SDK's
 * system properties, then its environment variables.
 */
final class StsOptions {

    @Option(names = "--role-arn", paramLabel = "ARN", description = "The role to assume. Default: -Daws.roleArn, else $AWS_ROLE_ARN.")
    String roleArn;

    @Option(names = "--region", paramLabel = "REGION",
            description = "The STS region (regional endpoint). Default: -Daws.region, else $AWS_REGION, else us-east-1.")
    String region;

    @Option(names = "--sts-endpoint", paramLabel = "URL", description = "Call STS at URL instead of the regional endpoint.")
    URI stsEndpoint;

    @Option(names = "--role-session-name", paramLabel = "NAME",
            description = "Default: $AWS_ROLE_SESSION_NAME, else derived from the pod or service account.")
    String roleSessionName;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "Session duration, 900 to 43200 s. Default: 3600.")
    Integer durationSeconds;

    String roleArn(Keyless cli) {
        return cli.settings().roleArn(roleArn).value();
    }

    Region region(Keyless cli) {
        return cli.settings().region(region);
    }

    URI endpoint(Keyless cli) {
        return stsEndpoint != null ? stsEndpoint : URI.create("https://sts." + region(cli).id() + ".amazonaws.com");
    }

    /** A provider with these options; what they leave unset, core resolves from the environment the CLI sees. */
    WebIdentityCredentialsProvider.Builder provider(Keyless cli, TokenSource tokens) {
        return WebIdentityCredentialsProvider.builder()
                .settings(cli.settings())
                .roleArn(roleArn)
                .tokenSource(tokens)
                .region(region(cli))
                .stsEndpoint(stsEndpoint)
                .roleSessionName(roleSessionName)
                .sessionDuration(durationSeconds == null ? null : Duration.ofSeconds(durationSeconds));
    }

    /**
     * An STS client from core's one factory, signing with {@code credentials}, for calls after federation,
     * each bounded by {@code callTimeout}.
     */
    StsClient signedClient(Keyless cli, AwsCredentials credentials, Duration callTimeout) {
        return StsClients.create(region(cli), stsEndpoint, StsClients.callTimeout(callTimeout)
                .andThen(builder -> builder.credentialsProvider(StaticCredentialsProvider.create(credentials))));
    }
}
