package dev.keyless.cli;

import dev.keyless.diagnostics.TokenInspector;
import dev.keyless.diagnostics.TokenReport;
import dev.keyless.diagnostics.TrustPolicies;
import dev.keyless.internal.text.Escaping;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "trust-policy", mixinStandardHelpOptions = true,
        description = {"Print the IAM trust policy that admits exactly this token's identity.",
                "The policy goes to standard output (pipe it to a file); for a GKE issuer, the command that registers "
                        + "the OIDC provider goes to standard error."})
final class TrustPolicyCommand implements Callable<Integer> {

    @ParentCommand
    private Keyless cli;

    @Spec
    private CommandSpec spec;

    @Mixin
    private TokenOptions tokens;

    @Option(names = "--account-id", required = true, paramLabel = "N", description = "The AWS account that owns the role.")
    private String accountId;

    @Override
    public Integer call() throws Exception {
        tokens.validate(spec);
        OptionChecks.checkAccountId(spec, accountId);
        TokenReport report = TokenInspector.inspect(tokens.readRaw(cli));
        PrintWriter err = SafeOutput.wrap(spec.commandLine().getErr());
        if (report.kind() == dev.keyless.diagnostics.TokenKind.NOT_A_JWT) {
            err.println(report.toText().stripTrailing());
            return Keyless.FAILED;
        }
        // JSON: the claim values in it are JSON-escaped; SafeOutput turns what JSON leaves raw (bidi overrides)
        // into backslash-u escapes, which read back as the same JSON.
        SafeOutput.wrap(spec.commandLine().getOut()).println(TrustPolicies.trustPolicyJson(report, accountId.strip()));
        List<String> register = TrustPolicies.createOpenIdConnectProviderArgs(report);
        if (!register.isEmpty()) {
            err.println("# The role's account needs an IAM OIDC provider for this issuer (once per cluster):");
            err.println("#   aws " + register.stream().map(TrustPolicyCommand::quote).map(Escaping::escape)
                    .collect(Collectors.joining(" ")));
        }
        report.findings().stream().filter(f -> f.severity() != dev.keyless.diagnostics.Finding.Severity.INFO)
                .forEach(f -> err.println("# " + f.severity() + " " + f.code() + ": " + Escaping.escape(f.message())));
        return 0;
    }

    private static String quote(String arg) {
        return arg.matches("[\\w./:,=@-]+") ? arg : "'" + arg.replace("'", "'\\''") + "'";
    }
}
