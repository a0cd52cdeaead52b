package dev.keyless.cli;

import dev.keyless.WebIdentityCredentialsException;
import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.internal.text.Json;
import dev.keyless.sts.StsClients;
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
                "With --chain-role-arn the role's credentials assume further roles in turn, and the last one's are "
                        + "printed.",
                "Standard output carries the credentials and nothing else; errors go to standard error, once, and "
                        + "never contain the token or keys.",
                "The STS call gives up after --timeout seconds. Exit code 0 with credentials, 1 when federation "
                        + "fails, 2 for a wrong command line."})
final class CredentialProcessCommand implements Callable<Integer> {

    @ParentCommand
    private Keyless cli;

    @Spec
    private CommandSpec spec;

    @Mixin
    private TokenOptions tokens;

    @Mixin
    private StsOptions sts;

    @Mixin
    private ChainOptions chain;

    @Mixin
    private TimeoutOption timeout;

    @Mixin
    private ProfileOption profile;

    @Override
    public Integer call() throws Exception {
        profile.apply(cli);
        tokens.validate(spec);
        OptionChecks.check(spec, sts, timeout);
        AwsSessionCredentials credentials;
        try (WebIdentityCredentialsProvider provider = chain.applyTo(sts.provider(cli, tokens.source(cli)))
                .stsClientCustomizer(StsClients.callTimeout(timeout.duration())).build()) {
            credentials = (AwsSessionCredentials) provider.resolveCredentials();
        } catch (WebIdentityCredentialsException e) {
            if (DoctorCommand.timedOut(e)) {
                throw new IllegalStateException("STS at " + sts.endpoint(cli) + " did not answer within "
                        + timeout.describe() + ". " + e.getMessage(), e);
            }
            throw e;
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
