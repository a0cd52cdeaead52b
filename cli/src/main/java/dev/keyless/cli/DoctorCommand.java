package dev.keyless.cli;

import dev.keyless.WebIdentityCredentialsException;
import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.diagnostics.Finding;
import dev.keyless.diagnostics.TokenInspector;
import dev.keyless.diagnostics.TokenReport;
import dev.keyless.internal.text.Escaping;
import dev.keyless.internal.text.Redaction;
import dev.keyless.settings.InvalidSettingException;
import dev.keyless.settings.WebIdentityProfile;
import dev.keyless.sts.StsClients;
import dev.keyless.token.TokenSource;
import dev.keyless.token.WebIdentityToken;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.GetCallerIdentityResponse;

@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Walk the whole federation path, step by step, and say what to fix.",
                "The steps are the provider's: token found, token sane, STS reachable, role assumed, caller identity. "
                        + "Each prints PASS or FAIL, and a failure its fix.",
                "With --chain-role-arn each hop is a step of its own: hop 1 AssumeRoleWithWebIdentity, then one "
                        + "AssumeRole per chained role, made as the session of the hop before.",
                "Run it inside the failing pod. Exit code 0 when every step passes, 1 otherwise, 2 for a wrong "
                        + "command line.",
                "Each STS call (and the reachability probe) gives up after --timeout seconds."})
final class DoctorCommand implements Callable<Integer> {

    @ParentCommand
    private Keyless cli;

    @Spec
    private CommandSpec spec;

    @Mixin
    private TokenOptions tokens;

    @Mixin
    private StsOptions sts;

    @Mixin
    private ChainOptions chain;

    @Mixin
    private TimeoutOption timeout;

    @Mixin
    private ProfileOption profile;

    @Option(names = "--verify", description = "Also verify the token's signature with the keys its issuer publishes.")
    private boolean verify;

    private PrintWriter out;
    /** The token once found: whatever is printed afterwards is scrubbed of every piece of it. */
    private String tokenValue;

    @Override
    public Integer call() {
        profile.apply(cli);
        tokens.validate(spec);
        OptionChecks.check(spec, sts, timeout);
        out = SafeOutput.wrap(spec.commandLine().getOut());
        String roleArn;
        try {
            roleArn = sts.roleArn(cli);
        } catch (InvalidSettingException e) {
            return fail("Role", Redaction.scrub(e.describe(Keyless::optionName)),
                    "Set AWS_ROLE_ARN in the pod (from the platform's ConfigMap) or pass --role-arn.");
        }
        AtomicReference<WebIdentityToken> found = new AtomicReference<>();
        HopLog hops = new HopLog();
        // Built before any step: a wrong option value (a chained hop's among them) is a wrong command line, not a
        // failed step. It fetches nothing until step 4, which hands it the token step 1 found.
        try (WebIdentityCredentialsProvider provider = chain.applyTo(sts.provider(cli, found::get))
                .stsClientCustomizer(StsClients.callTimeout(timeout.duration()).andThen(hops::install)).build()) {
            return walk(roleArn, provider, found, hops);
        }
    }

    private int walk(String roleArn, WebIdentityCredentialsProvider provider, AtomicReference<WebIdentityToken> found,
            HopLog hops) {
        List<String> roles = new ArrayList<>();
        roles.add(roleArn);
        provider.chainedRoles().forEach(role -> roles.add(role.roleArn()));
        out.println("Keyless doctor: assuming " + Escaping.escape(String.join(", then ", roles)) + " through "
                + sts.endpoint(cli) + ", waiting at most " + timeout.describe() + " for each STS call");
        WebIdentityProfile configured = cli.settings().profile();
        if (configured != null) {
            out.println("Configured by the AWS config file's profile '" + Escaping.escape(configured.name()) + "'"
                    + (configured.rootName().equals(configured.name()) ? "" : ", chained from '"
                        + Escaping.escape(configured.rootName()) + "'")
                    + " (" + Escaping.escape(configured.origin()) + "), for what the options and environment leave unset");
        }

        // 1. Token found
        WebIdentityToken token;
        String source;
        try {
            TokenSource tokenSource = tokens.source(cli);
            token = tokenSource.fetchToken();
            source = token.source();
        } catch (IOException | RuntimeException e) {
            return fail("Token found", e.getMessage(), "See the message above; "
                    + "for path A mount a projected serviceAccountToken volume with audience sts.amazonaws.com and set "
                    + "AWS_WEB_IDENTITY_TOKEN_FILE, for path B run on GKE Workload Identity and pass --metadata --audience.");
        }
        tokenValue = token.value();
        found.set(token);
        pass("Token found", source + ", " + token.value().length() + " characters");

        // 2. Token sane
        TokenReport report = verify ? TokenInspector.verify(token.value()) : TokenInspector.inspect(token.value());
        String identity = report.summary();
        if (report.hasErrors()) {
            fail("Token sane", identity, null);
            for (Finding finding : report.findings()) {
                detail(finding.severity() + " " + finding.code() + ": " + finding.message());
                detail("fix: " + finding.fix());
            }
            return skip(later("STS reachable", roles));
        }
        pass("Token sane", identity + (report.signatureVerified() ? ", signature verified" : ""));
        for (Finding finding : report.findings()) {
            detail(finding.severity() + " " + finding.code() + ": " + finding.message());
        }

        // 3. STS reachable
        URI endpoint = sts.endpoint(cli);
        try {
            int status = probe(endpoint);
            pass("STS reachable", endpoint + " answered HTTP " + status);
        } catch (java.net.SocketTimeoutException e) {
            fail("STS reachable", endpoint + " did not answer within " + timeout.describe(),
                    "Check what answers on " + hostAndPort(endpoint) + " (a proxy or firewall that accepts and "
                            + "drops connections), or pass --timeout for a slower network.");
            return skip(later("Role assumed", roles));
        } catch (IOException e) {
            fail("STS reachable", endpoint + ": " + e,
                    "Allow egress from the pod to " + hostAndPort(endpoint) + " (NetworkPolicy, firewall, proxy), "
                            + "or pass --region/--sts-endpoint for a reachable endpoint.");
            return skip(later("Role assumed", roles));
        }

        // 4. Role assumed: one step per hop with a chain
        AwsCredentials credentials;
        try {
            credentials = provider.resolveCredentials();
        } catch (WebIdentityCredentialsException e) {
            int failed = Math.max(1, e.hop());
            passHops(roles, hops, failed - 1, null);
            String step = roles.size() == 1 ? "Role assumed" : hopStep(failed, roles, hops);
            if (timedOut(e)) {
                fail(step, "STS did not answer within " + timeout.describe() + ". " + e.getMessage(),
                        "Check what answers on " + hostAndPort(endpoint) + ", or pass --timeout for a slower network.");
            } else {
                fail(step, e.getMessage(), failed == 1 ? fixFor(e.stsErrorCode()) : hopFixFor(e));
            }
            List<String> rest = new ArrayList<>();
            for (int hop = failed + 1; hop <= roles.size(); hop++) {
                rest.add(hopStep(hop, roles, hops));
            }
            rest.add("Caller identity");
            return skip(rest);
        } catch (RuntimeException e) {
            fail("Role assumed", e.getMessage(), "Check the role ARN, region and endpoint options.");
            return skip(List.of("Caller identity"));
        }
        if (roles.size() == 1) {
            pass("Role assumed", "credentials for account " + credentials.accountId().orElse("?")
                    + credentials.expirationTime().map(DoctorCommand::expiry).orElse(""));
        } else {
            passHops(roles, hops, roles.size(), credentials);
        }

        // 5. Caller identity
        try (StsClient client = sts.signedClient(cli, credentials, timeout.duration())) {
            GetCallerIdentityResponse caller = client.getCallerIdentity();
            pass("Caller identity", caller.arn() + " (account " + caller.account() + ")");
        } catch (RuntimeException e) {
            return fail("Caller identity", e.getMessage(),
                    "The credentials were issued but STS refused them: check the region is enabled for the account.");
        }
        out.println("Federation works.");
        return 0;
    }

    /** The steps from {@code first} on, as {@link #skip} prints them: the hops of a chain each by name. */
    private static List<String> later(String first, List<String> roles) {
        List<String> steps = new ArrayList<>();
        if (first.equals("STS reachable")) {
            steps.add(first);
        }
        if (roles.size() == 1) {
            steps.add("Role assumed");
        } else {
            for (int hop = 1; hop <= roles.size(); hop++) {
                steps.add(hopStep(hop, roles, null));
            }
        }
        steps.add("Caller identity");
        return steps;
    }

    /**
     * PASS for hops 1 to {@code count} of a chain, from what STS answered each; the last hop's with the account of
     * {@code credentials}, when the chain got that far.
     */
    private void passHops(List<String> roles, HopLog hops, int count, AwsCredentials credentials) {
        if (roles.size() == 1) {
            return;
        }
        for (int hop = 1; hop <= count; hop++) {
            HopLog.Assumed assumed = hops.assumed(hop);
            String detail = "assumed as " + (assumed == null || assumed.assumedRoleArn() == null ? "?"
                    : assumed.assumedRoleArn())
                    + (assumed == null || assumed.expiration() == null ? "" : expiry(assumed.expiration()));
            if (hop == roles.size() && credentials != null) {
                detail += "; credentials for account " + credentials.accountId().orElse("?");
            }
            pass(hopStep(hop, roles, hops), detail);
        }
    }

    /**
     * {@code Hop 2 of 3 (AssumeRole ROLE as CALLER)}: the hop, its call, its role and, once the hop before it
     * succeeded, the session that makes the call.
     */
    private static String hopStep(int hop, List<String> roles, HopLog hops) {
        if (hop == 1) {
            return "Hop 1 of " + roles.size() + " (AssumeRoleWithWebIdentity " + roles.get(0) + ")";
        }
        HopLog.Assumed caller = hops == null ? null : hops.assumed(hop - 1);
        return "Hop " + hop + " of " + roles.size() + " (AssumeRole " + roles.get(hop - 1)
                + (caller == null || caller.assumedRoleArn() == null ? "" : " as " + caller.assumedRoleArn()) + ")";
    }

    /** A chained hop refused: core's message already says which of the two policies to look at. */
    private static String hopFixFor(WebIdentityCredentialsException e) {
        if ("AccessDenied".equals(e.stsErrorCode())) {
            return "Fix the trust policy of " + e.roleArn() + " (it must trust the role before it) or the "
                    + "permissions policy of the role before it (it must allow sts:AssumeRole on " + e.roleArn()
                    + "), as the message above says; keyless check-policy checks a trust policy offline.";
        }
        return "See the message above; the chain is --role-arn, then each --chain-role-arn in order.";
    }

    private static String expiry(Instant expiration) {
        long minutes = Duration.between(Instant.now(), expiration).toMinutes();
        return ", expiring at " + expiration + " (in " + minutes + " min)";
    }

    private static String fixFor(String stsErrorCode) {
        if ("AccessDenied".equals(stsErrorCode)) {
            return "Give the role the trust policy above (it admits exactly this token), or find the difference with "
                    + "keyless check-policy.";
        }
        if ("InvalidIdentityToken".equals(stsErrorCode)) {
            return "Create the IAM OIDC provider for the token's issuer (keyless trust-policy prints the command), "
                    + "with the token's aud in its client ID list.";
        }
        if ("ExpiredTokenException".equals(stsErrorCode)) {
            return "The token file is not being rotated: mount the projected volume without subPath.";
        }
        return "See the message above.";
    }

    /**
     * The provider builder with {@code client} instead of the one it would build: the same client, bounded by
     * {@code --timeout}. Region and endpoint are the client's now, so the builder's are cleared.
     */
    /** Whether the SDK gave up on the call because of --timeout (or a socket timeout within it). */
    static boolean timedOut(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof software.amazon.awssdk.core.exception.ApiCallTimeoutException
                    || t instanceof software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException
                    || t instanceof java.net.SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** {@code host:port}, with the scheme's port when the URL names none. */
    static String hostAndPort(URI endpoint) {
        int port = endpoint.getPort() != -1 ? endpoint.getPort() : "http".equalsIgnoreCase(endpoint.getScheme()) ? 80 : 443;
        return endpoint.getHost() + ":" + port;
    }

    /** Any HTTP answer means the endpoint is reachable; STS answers GET / with an error document. */
    private int probe(URI endpoint) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) endpoint.toURL().openConnection();
        connection.setConnectTimeout((int) timeout.duration().toMillis());
        connection.setReadTimeout((int) timeout.duration().toMillis());
        connection.setInstanceFollowRedirects(false);
        try {
            return connection.getResponseCode();
        } finally {
            connection.disconnect();
        }
    }

    /**
     * A value for one line of output: every piece of the token removed, and every character that could end
     * the line or drive the terminal escaped, so a claim can never print a line of its own.
     */
    private String safe(String text) {
        return Escaping.escape(Redaction.scrub(String.valueOf(text), tokenValue));
    }

    private void pass(String step, String detail) {
        out.println("[PASS] " + safe(step) + ": " + safe(detail));
    }

    private void detail(String text) {
        out.println("       " + safe(text));
    }

    private int fail(String step, String detail, String fix) {
        out.println("[FAIL] " + safe(step) + ": " + safe(detail));
        if (fix != null) {
            out.println("       fix: " + safe(fix));
        }
        return Keyless.FAILED;
    }

    private int skip(List<String> steps) {
        for (String step : steps) {
            out.println("[SKIP] " + safe(step));
        }
        return Keyless.FAILED;
    }
}
