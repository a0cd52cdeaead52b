package dev.keyless.cli;

import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.internal.text.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

@Command(name = "credential-process", mixinStandardHelpOptions = true,
        description = {"Assume the role and print credentials in the credential_process format.",
                "The AWS CLI and every AWS SDK read this format, so non-JVM tools in the pod get the same federation. "
                        + "In ~/.aws/config:",
                "  [profile app]",
                "  credential_process = java -jar /opt/keyless.jar credential-process --role-arn arn:aws:iam::123456789012:role/app",
                "Standard output carries the credentials and nothing else; errors go to standard error and never "
                        + "contain the token or keys."})
final class CredentialProcessCommand implements Callable<Integer> {

    @ParentCommand
    private Keyless cli;

    @Spec
    private CommandSpec spec;

    @Mixin
    private TokenOptions tokens;

    @Mixin
    private StsOptions sts;

    @Override
    public Integer call() throws Exception {
        tokens.validate(spec);
        AwsSessionCredentials credentials;
        try (WebIdentityCredentialsProvider provider = sts.provider(cli, tokens.source(cli)).build()) {
            credentials = (AwsSessionCredentials) provider.resolveCredentials();
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("Version", 1);
        json.put("AccessKeyId", credentials.accessKeyId());
        json.put("SecretAccessKey", credentials.secretAccessKey());
        json.put("SessionToken", credentials.sessionToken());
        credentials.expirationTime().ifPresent(expiration -> json.put("Expiration", expiration.toString()));
        spec.commandLine().getOut().println(Json.write(json));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
