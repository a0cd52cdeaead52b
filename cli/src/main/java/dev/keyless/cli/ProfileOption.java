package dev.keyless.cli;

import picocli.CommandLine.Option;

/**
 * {@code --profile NAME}: the web identity profile of the AWS config file that gives what the other options leave
 * unset (role, token source, chained roles, region, session name and duration), as core's settings read it.
 */
final class ProfileOption {

    @Option(names = "--profile", paramLabel = "NAME",
            description = "A web identity profile of the AWS config file ($AWS_CONFIG_FILE, else ~/.aws/config): "
                    + "role_arn with web_identity_token_file or keyless_token_source, or a profile chained from one "
                    + "with source_profile. Options win over it. Default: -Daws.profile, else $AWS_PROFILE, else the "
                    + "default profile if it configures web identity.")
    String name;

    /** Makes every setting the command resolves read this profile. */
    void apply(Keyless cli) {
        cli.profile(name);
    }
}
