package dev.keyless.cli;

import dev.keyless.ChainedRole;
import dev.keyless.WebIdentityCredentialsProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * The roles to assume after {@code --role-arn} ("role chaining"), shared by the commands that assume roles. Each
 * {@code --chain-role-arn} starts a hop, and the per-hop options after it apply to that hop:
 *
 * <pre>
 * --role-arn LANDING --chain-role-arn ORDERS --external-id X --session-tag team=orders --chain-role-arn AUDIT
 * </pre>
 *
 * <p>A repeating picocli group: a per-hop option given twice for one hop starts another hop, which then lacks
 * its {@code --chain-role-arn} and is a wrong command line. The values are mapped onto core's
 * {@link ChainedRole} as given; core checks them when the provider is built, and a wrong one is a wrong command
 * line (exit code 2) naming the hop and its role.
 */
final class ChainOptions {

    @ArgGroup(exclusive = false, multiplicity = "0..*", order = 100,
            heading = "%nRole chaining: each --chain-role-arn starts a hop; the options after it apply to that hop.%n")
    List<Hop> hops = new ArrayList<>();

    /** One chained role. */
    static final class Hop {
        @Option(names = "--chain-role-arn", paramLabel = "ARN", required = true, order = 1,
                description = "Then assume ARN with sts:AssumeRole, signed with the previous role's credentials; "
                        + "repeat for further hops, in order. The command uses the last role's credentials.")
        String roleArn;

        @Option(names = "--external-id", paramLabel = "ID", order = 2,
                description = "The external ID this hop's role requires (sts:ExternalId). Never printed.")
        String externalId;

        @Option(names = "--session-tag", paramLabel = "KEY=VALUE", order = 3,
                description = "A session tag for this hop (repeatable); the role must allow sts:TagSession.")
        Map<String, String> sessionTags = new LinkedHashMap<>();

        @Option(names = "--transitive-tag-key", paramLabel = "KEY", order = 4,
                description = "A --session-tag key that passes on to later hops (repeatable).")
        List<String> transitiveTagKeys = new ArrayList<>();

        @Option(names = "--source-identity", paramLabel = "ID", order = 5,
                description = "The source identity to set at this hop; the role must allow sts:SetSourceIdentity.")
        String sourceIdentity;

        @Option(names = "--chain-session-name", paramLabel = "NAME", order = 6,
                description = "This hop's role session name. Default: the first role's session name.")
        String sessionName;

        @Option(names = "--chain-duration", paramLabel = "SECONDS", order = 7,
                description = "This hop's session duration, 900 to 3600 s (AWS caps a chained role at one hour). "
                        + "Default: 3600.")
        Integer durationSeconds;
    }

    /** The hops as core's chained roles, in order; empty without {@code --chain-role-arn}. */
    List<ChainedRole> roles() {
        List<ChainedRole> roles = new ArrayList<>();
        for (Hop hop : hops) {
            roles.add(ChainedRole.builder()
                    .roleArn(hop.roleArn)
                    .externalId(hop.externalId)
                    .sessionTags(hop.sessionTags)
                    .transitiveTagKeys(hop.transitiveTagKeys)
                    .sourceIdentity(hop.sourceIdentity)
                    .roleSessionName(hop.sessionName)
                    .sessionDuration(hop.durationSeconds == null ? null : Duration.ofSeconds(hop.durationSeconds))
                    .build());
        }
        return roles;
    }

    /** {@code builder} with these hops after its role. */
    WebIdentityCredentialsProvider.Builder applyTo(WebIdentityCredentialsProvider.Builder builder) {
        return builder.chainedRoles(roles());
    }

    /** The session duration of the credentials the provider hands out, if the options set it: the last hop's. */
    Integer lastDurationSeconds() {
        return hops.isEmpty() ? null : hops.get(hops.size() - 1).durationSeconds;
    }
}
