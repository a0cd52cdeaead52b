package dev.keyless.cli;

import dev.keyless.diagnostics.AssumeRoleCall;
import dev.keyless.sts.StsParameters;
import dev.keyless.internal.text.Escaping;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import software.amazon.awssdk.arns.Arn;

/**
 * Checks option values before anything runs, so a wrong value is a wrong command line (exit code 2) with the
 * option named, not a failed check (exit code 1) in the library's words. Values from the environment
 * ({@code AWS_ROLE_ARN}) are configuration, not the command line: the library judges those.
 */
final class OptionChecks {

    /** STS's range for {@code DurationSeconds}. */
    private static final int MIN_DURATION = 900;
    private static final int MAX_DURATION = 43_200;

    private OptionChecks() {
    }

    static void check(CommandSpec spec, StsOptions sts, TimeoutOption timeout) {
        if (sts.roleArn != null) {
            checkRoleArn(spec, sts.roleArn);
        }
        checkDuration(spec, sts.durationSeconds);
        if (sts.stsEndpoint != null) {
            String problem = endpointProblem(sts.stsEndpoint);
            if (problem != null) {
                throw wrong(spec, "--sts-endpoint", sts.stsEndpoint.toString(), problem);
            }
        }
        if (timeout != null && (timeout.seconds < 1 || timeout.seconds > 600)) {
            throw wrong(spec, "--timeout", String.valueOf(timeout.seconds), "give 1 to 600 seconds");
        }
    }

    static void checkDuration(CommandSpec spec, Integer seconds) {
        if (seconds != null && (seconds < MIN_DURATION || seconds > MAX_DURATION)) {
            throw wrong(spec, "--duration", String.valueOf(seconds), "STS accepts " + MIN_DURATION + " to "
                    + MAX_DURATION + " seconds (and at most the role's MaxSessionDuration)");
        }
    }

    static void checkRoleArn(CommandSpec spec, String roleArn) {
        checkRoleArn(spec, "--role-arn", roleArn);
    }

    static void checkRoleArn(CommandSpec spec, String option, String roleArn) {
        String problem = roleArnProblem(roleArn.strip());
        if (problem != null) {
            throw wrong(spec, option, roleArn, problem + "; expected arn:aws:iam::123456789012:role/NAME");
        }
    }

    /**
     * An {@code AssumeRole} hop's values, as STS accepts them ({@link StsParameters}). The external ID is named by
     * its length, never shown.
     */
    static void checkHop(CommandSpec spec, AssumeRoleCall call) {
        checkRoleArn(spec, "--caller-role-arn", call.callerRoleArn());
        String externalId = StsParameters.externalIdProblem(call.externalId());
        if (externalId != null) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--external-id': "
                    + externalId + ".");
        }
        List<String> tags = StsParameters.sessionTagProblems(call.sessionTags());
        if (!tags.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--session-tag': "
                    + Escaping.escape(String.join("; ", tags)) + ".");
        }
        for (String key : call.transitiveTagKeys()) {
            String problem = StsParameters.tagKeyProblem(key);
            if (problem != null) {
                throw wrong(spec, "--transitive-tag-key", key, problem);
            }
        }
        String source = StsParameters.sourceIdentityProblem(call.sourceIdentity());
        if (source != null) {
            throw wrong(spec, "--source-identity", call.sourceIdentity(), source);
        }
    }

    static void checkAccountId(CommandSpec spec, String accountId) {
        if (!accountId.strip().matches("[0-9]{12}")) {
            throw wrong(spec, "--account-id", accountId, "an AWS account id is exactly 12 digits ("
                    + accountId.strip().length() + " characters given)");
        }
    }

    private static String roleArnProblem(String value) {
        Arn arn = Arn.tryFromString(value).orElse(null);
        if (arn == null) {
            return "it is not an ARN";
        }
        if (arn.service().equals("sts") && arn.resourceAsString().startsWith("assumed-role/")) {
            String[] parts = arn.resourceAsString().split("/");
            return "it is an assumed-role session ARN; give the role's own ARN, arn:" + arn.partition() + ":iam::"
                    + arn.accountId().orElse("ACCOUNT") + ":role/" + (parts.length > 1 ? parts[1] : "NAME")
                    + " (with its path, if it has one)";
        }
        if (!arn.service().equals("iam")) {
            return "it is an ARN of service " + arn.service() + ", not iam";
        }
        if (arn.accountId().isEmpty() || !arn.accountId().get().matches("[0-9]{12}")) {
            return "its account is not 12 digits";
        }
        if (!arn.resourceAsString().startsWith("role/") || arn.resourceAsString().length() <= "role/".length()) {
            return "it does not name a role (role/NAME)";
        }
        return null;
    }

    private static String endpointProblem(URI endpoint) {
        String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            return (scheme.isEmpty() ? "it has no scheme" : "the scheme " + scheme + ":// is not supported")
                    + "; STS endpoints are https:// URLs (http:// only for a local test server)";
        }
        if (endpoint.getHost() == null) {
            return "it has no host";
        }
        return null;
    }

    static ParameterException wrong(CommandSpec spec, String option, String value, String why) {
        String shown = value.length() > 100 ? value.substring(0, 100) + "..." : value;
        return new ParameterException(spec.commandLine(), "Invalid value for option '" + option + "': '"
                + Escaping.escape(shown) + "': " + why + ".");
    }
}
