package dev.keyless.cli;

import dev.keyless.diagnostics.AssumeRoleCall;
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
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "trust-policy", mixinStandardHelpOptions = true,
        description = {"Print the IAM trust policy that admits exactly this token's identity, or, with "
                + "--caller-role-arn, the trust policy the role to assume (--role-arn) needs for an sts:AssumeRole hop "
                + "by the caller role.",
                "The policy goes to standard output (pipe it to a file); for a GKE issuer, the command that registers "
                        + "the OIDC provider goes to standard error, and for a hop, the statement the caller role's "
                        + "permissions policy needs (print it alone with --caller-permissions).",
                "Exit code 0, or 2 for a wrong command line."})
final class TrustPolicyCommand implements Callable<Integer> {

    @ParentCommand
    private Keyless cli;

    @Spec
    private CommandSpec spec;

    @Mixin
    private TokenOptions tokens;

    @Mixin
    private AssumeRoleOptions hop;

    @Option(names = "--account-id", paramLabel = "N", description = "The AWS account that owns the role (for a token's "
            + "trust policy; required then).")
    private String accountId;

    @Option(names = "--role-arn", paramLabel = "ARN", description = "With --caller-role-arn: the role to assume, whose "
            + "trust policy this is.")
    private String roleArn;

    @Option(names = "--caller-permissions", description = "With --caller-role-arn: print the permissions policy the "
            + "caller role needs to assume the role, instead of the trust policy.")
    private boolean callerPermissions;

    @Override
    public Integer call() throws Exception {
        if (hop.chained()) {
            return assumeRolePolicy();
        }
        hop.requireCaller(spec);
        if (roleArn != null || callerPermissions) {
            throw new ParameterException(spec.commandLine(), (roleArn != null ? "--role-arn" : "--caller-permissions")
                    + " is for an sts:AssumeRole hop: pass --caller-role-arn with it (a token's trust policy needs only "
                    + "--account-id).");
        }
        if (accountId == null) {
            throw new ParameterException(spec.commandLine(), "Missing required option: '--account-id=N' (or "
                    + "--caller-role-arn and --role-arn for an sts:AssumeRole hop).");
        }
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

    /**
     * The target role's trust policy for the hop on standard output, with its external ID: the user asked for
     * that policy. Standard error gets the caller's permissions statement, which holds no external ID.
     */
    private Integer assumeRolePolicy() {
        String tokenOption = tokens.given();
        if (tokenOption != null || accountId != null) {
            throw new ParameterException(spec.commandLine(), (tokenOption != null ? tokenOption : "--account-id")
                    + " is for a token's trust policy, but --caller-role-arn writes one for an sts:AssumeRole hop: "
                    + "drop one of them.");
        }
        if (roleArn == null) {
            throw new ParameterException(spec.commandLine(), "--caller-role-arn needs --role-arn, the role to assume.");
        }
        OptionChecks.checkRoleArn(spec, roleArn);
        AssumeRoleCall call = hop.call(spec, roleArn.strip());
        PrintWriter out = SafeOutput.wrap(spec.commandLine().getOut());
        if (callerPermissions) {
            out.println(TrustPolicies.callerPermissionsJson(call, true));
            return 0;
        }
        out.println(TrustPolicies.trustPolicyJson(call, true));
        PrintWriter err = SafeOutput.wrap(spec.commandLine().getErr());
        err.println("# The permissions policy of role " + call.callerRoleArn() + " must also allow "
                + String.join(", ", call.requiredActions()) + " on " + call.roleArn()
                + " (print it alone with --caller-permissions):");
        err.println("#   " + TrustPolicies.callerPermissionsJson(call, false));
        return 0;
    }

    private static String quote(String arg) {
        return arg.matches("[\\w./:,=@-]+") ? arg : "'" + arg.replace("'", "'\\''") + "'";
    }
}
