package dev.keyless.cli;

import dev.keyless.WebIdentityCredentialsException;
import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.diagnostics.Finding;
import dev.keyless.diagnostics.TokenInspector;
import dev.keyless.diagnostics.TokenReport;
import dev.keyless.internal.text.Escaping;
import dev.keyless.internal.text.Redaction;
import dev.keyless.settings.InvalidSettingException;
import dev.keyless.sts.StsClients;
import dev.keyless.token.TokenSource;
import dev.keyless.token.WebIdentityToken;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
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
        out.println("Keyless doctor: assuming " + Escaping.escape(roleArn) + " through " + sts.endpoint(cli)
                + ", waiting at most " + timeout.describe() + " for each STS call");

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
            return skipRest(3);
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
            return skipRest(2);
        } catch (IOException e) {
            fail("STS reachable", endpoint + ": " + e,
                    "Allow egress from the pod to " + hostAndPort(endpoint) + " (NetworkPolicy, firewall, proxy), "
                            + "or pass --region/--sts-endpoint for a reachable endpoint.");
            return skipRest(2);
        }

        // 4. Role assumed
        AwsCredentials credentials;
        try (WebIdentityCredentialsProvider provider = sts.provider(cli, () -> token)
                .stsClientCustomizer(StsClients.callTimeout(timeout.duration())).build()) {
            credentials = provider.resolveCredentials();
        } catch (WebIdentityCredentialsException e) {
            if (timedOut(e)) {
                fail("Role assumed", "STS did not answer within " + timeout.describe() + ". " + e.getMessage(),
                        "Check what answers on " + hostAndPort(endpoint) + ", or pass --timeout for a slower network.");
            } else {
                fail("Role assumed", e.getMessage(), fixFor(e.stsErrorCode()));
            }
            return skipRest(1);
        } catch (InvalidSettingException e) {
            throw e; // a wrong option value: a command-line error, reported as such
        } catch (RuntimeException e) {
            fail("Role assumed", e.getMessage(), "Check the role ARN, region and endpoint options.");
            return skipRest(1);
        }
        pass("Role assumed", "credentials for account " + credentials.accountId().orElse("?")
                + credentials.expirationTime().map(DoctorCommand::expiry).orElse(""));

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
        out.println("[PASS] " + step + ": " + safe(detail));
    }

    private void detail(String text) {
        out.println("       " + safe(text));
    }

    private int fail(String step, String detail, String fix) {
        out.println("[FAIL] " + step + ": " + safe(detail));
        if (fix != null) {
            out.println("       fix: " + safe(fix));
        }
        return Keyless.FAILED;
    }

    private int skipRest(int remaining) {
        String[] steps = {"STS reachable", "Role assumed", "Caller identity"};
        for (int i = steps.length - remaining; i < steps.length; i++) {
            out.println("[SKIP] " + steps[i]);
        }
        return Keyless.FAILED;
    }
}
