package dev.keyless.spring;

import dev.keyless.ChainedRole;
import dev.keyless.WebIdentityCredentialsProvider;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What health and the {@code keyless} endpoint show of a provider's role chain: each hop's number, the STS call
 * it makes and its role ARN, and of a failed hop its role and the caller that made the call. Never a hop's
 * external ID, session tags, source identity or session policy: what the provider was configured with is in
 * the application's configuration, and some of it (an external ID) is meant to stay there. Stateless and
 * thread-safe.
 */
final class ChainDetails {

    private ChainDetails() {
    }

    /** Whether the provider assumes roles after the first. */
    static boolean chained(WebIdentityCredentialsProvider provider) {
        return !provider.chainedRoles().isEmpty();
    }

    /** Each hop, in order: {@code hop}, {@code call}, {@code roleArn}. */
    static List<Map<String, Object>> hops(WebIdentityCredentialsProvider provider) {
        List<Map<String, Object>> hops = new ArrayList<>();
        hops.add(hop(1, "AssumeRoleWithWebIdentity", provider.roleArn()));
        List<ChainedRole> chain = provider.chainedRoles();
        for (int i = 0; i < chain.size(); i++) {
            hops.add(hop(i + 2, "AssumeRole", chain.get(i).roleArn()));
        }
        return hops;
    }

    /** The hop that failed: {@code hop}, {@code roleArn}, and from hop 2 on {@code callerArn}. */
    static Map<String, Object> failedHop(int hop, String roleArn, String callerArn) {
        Map<String, Object> failed = new LinkedHashMap<>();
        failed.put("hop", hop);
        if (roleArn != null) {
            failed.put("roleArn", Secrets.scrub(roleArn));
        }
        if (callerArn != null) {
            failed.put("callerArn", Secrets.scrub(callerArn));
        }
        return failed;
    }

    private static Map<String, Object> hop(int number, String call, String roleArn) {
        Map<String, Object> hop = new LinkedHashMap<>();
        hop.put("hop", number);
        hop.put("call", call);
        hop.put("roleArn", Secrets.scrub(roleArn));
        return hop;
    }
}
