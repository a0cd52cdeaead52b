package dev.keyless.cli;

import dev.keyless.diagnostics.TokenInspector;
import dev.keyless.diagnostics.TokenReport;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Show what STS will see in a token, and what is wrong with it.",
                "Prints the token's kind, claims and times, and findings with fixes.",
                "The token itself is never printed. Exit code 1 when a finding is an error."})
final class InspectCommand implements Callable<Integer> {

    @ParentCommand
    private Keyless cli;

    @Spec
    private CommandSpec spec;

    @Mixin
    private TokenOptions tokens;

    @Option(names = "--json", description = "Print the report as JSON.")
    private boolean json;

    @Option(names = "--verify", description = "Also verify the signature with the keys the issuer publishes "
            + "(fetches <iss>/.well-known/openid-configuration and its jwks_uri, over https only).")
    private boolean verify;

    @Override
    public Integer call() throws Exception {
        tokens.validate(spec);
        String token = tokens.readRaw(cli);
        TokenReport report = verify ? TokenInspector.verify(token) : TokenInspector.inspect(token);
        SafeOutput.wrap(spec.commandLine().getOut()).println(json ? report.toJson() : report.toText().stripTrailing());
        return report.hasErrors() ? Keyless.FAILED : 0;
    }
}
