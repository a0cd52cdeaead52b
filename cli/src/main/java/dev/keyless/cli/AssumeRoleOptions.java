package dev.keyless.cli;

import dev.keyless.diagnostics.AssumeRoleCall;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * An {@code sts:AssumeRole} hop of a role chain, for {@code check-policy} and {@code trust-policy}: the role whose
 * session calls, and what the call sends that the target role's trust policy can test. With
 * {@code --caller-role-arn} a command describes the hop instead of a token, and {@code --role-arn} is the role
 * to assume. The external ID is never printed, except inside a trust policy the user asked for.
 */
final class AssumeRoleOptions {

    @Option(names = "--caller-role-arn", paramLabel = "ARN",
            description = "Describe sts:AssumeRole by this role's session (a hop of a role chain) instead of a token; "
                    + "--role-arn is then the role to assume.")
    String callerRoleArn;

    @Option(names = "--external-id", paramLabel = "ID",
            description = "With --caller-role-arn: the external ID the hop sends (sts:ExternalId). Never printed, "
                    + "except in a trust policy you ask for.")
    String externalId;

    @Option(names = "--session-tag", paramLabel = "KEY=VALUE",
            description = "With --caller-role-arn: a session tag the hop sends (repeatable); needs sts:TagSession.")
    List<String> sessionTags = new ArrayList<>();

    @Option(names = "--transitive-tag-key", paramLabel = "KEY",
            description = "With --caller-role-arn: a session tag key the hop marks transitive (repeatable).")
    List<String> transitiveTagKeys = new ArrayList<>();

    @Option(names = "--source-identity", paramLabel = "NAME",
            description = "With --caller-role-arn: the source identity the hop sets; needs sts:SetSourceIdentity.")
    String sourceIdentity;

    /** Whether the command describes an {@code AssumeRole} hop rather than a token. */
    boolean chained() {
        return callerRoleArn != null;
    }

    /** A hop's option given without {@code --caller-role-arn} is a wrong command line. */
    void requireCaller(CommandSpec spec) {
        String given = externalId != null ? "--external-id" : !sessionTags.isEmpty() ? "--session-tag"
                : !transitiveTagKeys.isEmpty() ? "--transitive-tag-key" : sourceIdentity != null ? "--source-identity"
                : null;
        if (given != null) {
            throw new ParameterException(spec.commandLine(), given + " describes an sts:AssumeRole hop: pass "
                    + "--caller-role-arn (the role whose session calls) and --role-arn (the role to assume) with it.");
        }
    }

    /**
     * The hop, its option values checked as STS would ({@link OptionChecks#checkHop}).
     *
     * @param targetRoleArn the role to assume, already checked
     */
    AssumeRoleCall call(CommandSpec spec, String targetRoleArn) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (String tag : sessionTags) {
            int equals = tag.indexOf('=');
            if (equals < 0) {
                throw OptionChecks.wrong(spec, "--session-tag", tag, "give KEY=VALUE");
            }
            String key = tag.substring(0, equals);
            if (tags.put(key, tag.substring(equals + 1)) != null) {
                throw OptionChecks.wrong(spec, "--session-tag", tag, "the tag key " + key + " is given twice");
            }
        }
        AssumeRoleCall call = new AssumeRoleCall(callerRoleArn.strip(), targetRoleArn, externalId, tags,
                transitiveTagKeys, sourceIdentity);
        OptionChecks.checkHop(spec, call);
        return call;
    }
}
