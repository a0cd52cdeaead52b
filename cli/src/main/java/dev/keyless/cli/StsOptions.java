package dev.keyless.cli;

import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.token.TokenSource;
import java.net.URI;
import java.time.Duration;
import picocli.CommandLine.Option;
import software.amazon.awssdk.regions.Region;

/** The role to assume and where STS is; the defaults are the SDK's environment variables. */
final class StsOptions {

    @Option(names = "--role-arn", paramLabel = "ARN", description = "The role to assume. Default: $AWS_ROLE_ARN.")
    String roleArn;

    @Option(names = "--region", paramLabel = "REGION",
            description = "The STS region (regional endpoint). Default: $AWS_REGION, else us-east-1.")
    String region;

    @Option(names = "--sts-endpoint", paramLabel = "URL", description = "Call STS at URL instead of the regional endpoint.")
    URI stsEndpoint;

    @Option(names = "--role-session-name", paramLabel = "NAME",
            description = "Default: $AWS_ROLE_SESSION_NAME, else derived from the pod or service account.")
    String roleSessionName;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "Session duration, 900 to 43200 s. Default: 3600.")
    Integer durationSeconds;

    String roleArn(Keyless cli) {
        String arn = roleArn != null ? roleArn : cli.env("AWS_ROLE_ARN");
        if (arn == null || arn.isBlank()) {
            throw new IllegalArgumentException("No role to assume: pass --role-arn or set AWS_ROLE_ARN.");
        }
        return arn.strip();
    }

    Region region(Keyless cli) {
        String name = region != null ? region : cli.env("AWS_REGION");
        return Region.of(name == null || name.isBlank() ? "us-east-1" : name.strip());
    }

    URI endpoint(Keyless cli) {
        return stsEndpoint != null ? stsEndpoint : URI.create("https://sts." + region(cli).id() + ".amazonaws.com");
    }

    WebIdentityCredentialsProvider.Builder provider(Keyless cli, TokenSource tokens) {
        WebIdentityCredentialsProvider.Builder builder = WebIdentityCredentialsProvider.builder()
                .roleArn(roleArn(cli))
                .tokenSource(tokens)
                .region(region(cli));
        if (stsEndpoint != null) {
            builder.stsEndpoint(stsEndpoint);
        }
        String sessionName = roleSessionName != null ? roleSessionName : cli.env("AWS_ROLE_SESSION_NAME");
        if (sessionName != null && !sessionName.isBlank()) {
            builder.roleSessionName(sessionName.strip());
        }
        if (durationSeconds != null) {
            builder.sessionDuration(Duration.ofSeconds(durationSeconds));
        }
        return builder;
    }
}
