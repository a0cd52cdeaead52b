package dev.keyless.cli;

import dev.keyless.diagnostics.AssumeRoleCall;
import dev.keyless.diagnostics.PolicyVerdict;
import dev.keyless.diagnostics.TokenInspector;
import dev.keyless.diagnostics.TokenKind;
import dev.keyless.diagnostics.TokenReport;
import dev.keyless.diagnostics.TrustPolicyEvaluator;
import dev.keyless.internal.io.BoundedRead;
import dev.keyless.settings.Setting;
import dev.keyless.settings.SettingValue;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "check-policy", mixinStandardHelpOptions = true,
        description = {"Decide offline whether a role's trust policy admits this token, or, with --caller-role-arn, "
                + "an sts:AssumeRole call by another role's session (a hop of a role chain; no token needed).",
                "Evaluates the policy as STS would; when it refuses, names the statement and condition that failed, "
                        + "with the token's or the call's value beside the policy's.",
                "A policy with an Effect, element, condition operator or value IAM does not accept cannot be admitted "
                        + "as written: each problem is named.",
                "After the verdict come what would make STS refuse the call anyway (an expired token, a chained "
                        + "session over an hour, ...) and what cannot be checked offline (the caller role's own "
                        + "permissions).",
                "Exit code 0 when admitted and nothing else refuses, 1 otherwise, 2 for a wrong command line."})
final class CheckPolicyCommand implements Callable<Integer> {

    @ParentCommand
    private Keyless cli;

    @Spec
    private CommandSpec spec;

    @Mixin
    private TokenOptions tokens;

    @Mixin
    private AssumeRoleOptions hop;

    @Option(names = "--policy-file", required = true, paramLabel = "FILE",
            description = "The trust policy JSON, as IAM shows it (aws iam get-role --query Role.AssumeRolePolicyDocument).")
    private Path policyFile;

    @Option(names = "--role-arn", paramLabel = "ARN", description = "The role whose policy this is. Default: $AWS_ROLE_ARN "
            + "(not with --caller-role-arn, where it is the role to assume and must be given).")
    private String roleArn;

    @Option(names = "--duration", paramLabel = "SECONDS", description = "With --caller-role-arn: the session duration "
            + "the hop asks for, 900 to 43200 s; a chained session over 3600 s is refused. Default: 3600.")
    private Integer durationSeconds;

    @Mixin
    private ProfileOption profile;

    @Override
    public Integer call() throws Exception {
        profile.apply(cli);
        if (hop.chained()) {
            return checkAssumeRole();
        }
        hop.requireCaller(spec);
        if (durationSeconds != null) {
            throw new ParameterException(spec.commandLine(), "--duration is the session an sts:AssumeRole hop asks for: "
                    + "pass --caller-role-arn with it.");
        }
        tokens.validate(spec);
        String policy = readPolicy();
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
        return print(TrustPolicyEvaluator.evaluate(policy, report, role.strip()));
    }

    /** An {@code AssumeRole} hop: every option is checked before the policy file is read; no token is read. */
    private Integer checkAssumeRole() throws IOException {
        String tokenOption = tokens.given();
        if (tokenOption != null) {
            throw new ParameterException(spec.commandLine(), tokenOption + " reads a token, but --caller-role-arn "
                    + "checks an sts:AssumeRole hop, which sends none: drop one of them.");
        }
        if (roleArn == null) {
            throw new ParameterException(spec.commandLine(), "--caller-role-arn needs --role-arn, the role to assume "
                    + "(AWS_ROLE_ARN is not read here: it names the first hop's role).");
        }
        OptionChecks.checkRoleArn(spec, roleArn);
        OptionChecks.checkDuration(spec, durationSeconds);
        AssumeRoleCall call = hop.call(spec, roleArn.strip());
        String policy = readPolicy();
        return print(TrustPolicyEvaluator.evaluate(policy, call,
                durationSeconds == null ? null : Duration.ofSeconds(durationSeconds)));
    }

    /** The verdict, then what would refuse the call anyway and what was not checked; 0 only if it passes. */
    private Integer print(PolicyVerdict verdict) {
        SafeOutput.wrap(spec.commandLine().getOut()).println(verdict.describe().stripTrailing());
        return verdict.passes() ? 0 : Keyless.FAILED;
    }

    private String readPolicy() throws IOException {
        if (Files.isDirectory(policyFile)) {
            throw new IllegalArgumentException("The policy file " + policyFile.toAbsolutePath() + " is a directory.");
        }
        try {
            return BoundedRead.utf8(policyFile, BoundedRead.POLICY_LIMIT, "Policy file " + policyFile);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("No policy file at " + policyFile.toAbsolutePath() + ".");
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException("The policy file " + policyFile.toAbsolutePath() + " is not readable "
                    + "by this user (permission denied).");
        }
    }
}
