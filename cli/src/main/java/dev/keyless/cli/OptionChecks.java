package dev.keyless.cli;

import dev.keyless.internal.text.Escaping;
import java.net.URI;
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
        if (sts.durationSeconds != null && (sts.durationSeconds < MIN_DURATION || sts.durationSeconds > MAX_DURATION)) {
            throw wrong(spec, "--duration", String.valueOf(sts.durationSeconds), "STS accepts " + MIN_DURATION + " to "
                    + MAX_DURATION + " seconds (and at most the role's MaxSessionDuration)");
        }
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

    static void checkRoleArn(CommandSpec spec, String roleArn) {
        String problem = roleArnProblem(roleArn.strip());
        if (problem != null) {
            throw wrong(spec, "--role-arn", roleArn, problem + "; expected arn:aws:iam::123456789012:role/NAME");
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

    private static ParameterException wrong(CommandSpec spec, String option, String value, String why) {
        String shown = value.length() > 100 ? value.substring(0, 100) + "..." : value;
        return new ParameterException(spec.commandLine(), "Invalid value for option '" + option + "': '"
                + Escaping.escape(shown) + "': " + why + ".");
    }
}
