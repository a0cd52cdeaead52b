package dev.keyless.cli;

import dev.keyless.diagnostics.PolicyVerdict;
import dev.keyless.diagnostics.TokenInspector;
import dev.keyless.diagnostics.TokenKind;
import dev.keyless.diagnostics.TokenReport;
import dev.keyless.diagnostics.TrustPolicyEvaluator;
import dev.keyless.internal.io.BoundedRead;
import dev.keyless.settings.Setting;
import dev.keyless.settings.SettingValue;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "check-policy", mixinStandardHelpOptions = true,
        description = {"Decide offline whether a role's trust policy admits this token.",
                "Evaluates the policy as STS would; when it refuses, names the statement and condition that failed, "
                        + "with the token's value beside the policy's.",
                "A policy with an Effect, element, condition operator or value IAM does not accept cannot be admitted "
                        + "as written: each problem is named.",
                "Exit code 0 when admitted, 1 otherwise, 2 for a wrong command line."})
final class CheckPolicyCommand implements Callable<Integer> {

    @ParentCommand
    private Keyless cli;

    @Spec
    private CommandSpec spec;

    @Mixin
    private TokenOptions tokens;

    @Option(names = "--policy-file", required = true, paramLabel = "FILE",
            description = "The trust policy JSON, as IAM shows it (aws iam get-role --query Role.AssumeRolePolicyDocument).")
    private Path policyFile;

    @Option(names = "--role-arn", paramLabel = "ARN", description = "The role whose policy this is. Default: $AWS_ROLE_ARN.")
    private String roleArn;

    @Mixin
    private ProfileOption profile;

    @Override
    public Integer call() throws Exception {
        profile.apply(cli);
        tokens.validate(spec);
        String policy;
        if (Files.isDirectory(policyFile)) {
            throw new IllegalArgumentException("The policy file " + policyFile.toAbsolutePath() + " is a directory.");
        }
        try {
            policy = BoundedRead.utf8(policyFile, BoundedRead.POLICY_LIMIT, "Policy file " + policyFile);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("No policy file at " + policyFile.toAbsolutePath() + ".");
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException("The policy file " + policyFile.toAbsolutePath() + " is not readable "
                    + "by this user (permission denied).");
        }
        SettingValue resolved = cli.settings().resolve(Setting.ROLE_ARN, roleArn);
        if (resolved == null) {
            throw new IllegalArgumentException("Which role is this policy for? Pass --role-arn or set AWS_ROLE_ARN (or "
                    + "name a web identity profile with --profile).");
        }
        String role = resolved.value();
        if (roleArn != null) {
            OptionChecks.checkRoleArn(spec, roleArn);
        }
        TokenReport report = TokenInspector.inspect(tokens.readRaw(cli));
        if (report.kind() == TokenKind.NOT_A_JWT) {
            SafeOutput.wrap(spec.commandLine().getErr()).println(report.toText().stripTrailing());
            return Keyless.FAILED;
        }
        PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(policy, report, role.strip());
        SafeOutput.wrap(spec.commandLine().getOut()).println(verdict.describe().stripTrailing());
        return verdict.admitted() ? 0 : Keyless.FAILED;
    }
}
