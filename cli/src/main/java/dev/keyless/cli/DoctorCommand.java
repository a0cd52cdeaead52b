package dev.keyless.cli;

import dev.keyless.WebIdentityCredentialsException;
import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.diagnostics.Finding;
import dev.keyless.diagnostics.TokenInspector;
import dev.keyless.diagnostics.TokenReport;
import dev.keyless.internal.text.Redaction;
import dev.keyless.settings.InvalidSettingException;
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
                "Run it inside the failing pod. Exit code 0 when every step passes, 1 otherwise."})
final class DoctorCommand implements Callable<Integer> {

    private static final int TIMEOUT_MILLIS = 5_000;

    @ParentCommand
    private Keyless cli;

    @Spec
    private CommandSpec spec;

    @Mixin
    private TokenOptions tokens;

    @Mixin
    private StsOptions sts;

    @Option(names = "--verify", description = "Also verify the token's signature with the keys its issuer publishes.")
    private boolean verify;

    private PrintWriter out;

    @Override
    public Integer call() {
        tokens.validate(spec);
        out = spec.commandLine().getOut();
        String roleArn;
        try {
            roleArn = sts.roleArn(cli);
        } catch (InvalidSettingException e) {
            return fail("Role", Redaction.scrub(e.describe(Keyless::optionName)),
                    "Set AWS_ROLE_ARN in the pod (from the platform's ConfigMap) or pass --role-arn.");
        }
        out.println("Keyless doctor: assuming " + roleArn + " through " + sts.endpoint(cli));

        // 1. Token found
        WebIdentityToken token;
        String source;
        try {
            TokenSource tokenSource = tokens.source(cli);
            token = tokenSource.fetchToken();
            source = token.source();
        } catch (IOException | RuntimeException e) {
            return fail("Token found", Redaction.scrub(e.getMessage()), "See the message above; "
                    + "for path A mount a projected serviceAccountToken volume with audience sts.amazonaws.com and set "
                    + "AWS_WEB_IDENTITY_TOKEN_FILE, for path B run on GKE Workload Identity and pass --metadata --audience.");
        }
        pass("Token found", source + ", " + token.value().length() + " characters");

        // 2. Token sane
        TokenReport report = verify ? TokenInspector.verify(token.value()) : TokenInspector.inspect(token.value());
        String identity = report.summary();
        if (report.hasErrors()) {
            fail("Token sane", identity, null);
            for (Finding finding : report.findings()) {
                out.println("       " + finding.severity() + " " + finding.code() + ": " + finding.message());
                out.println("       fix: " + finding.fix());
            }
            return skipRest(3);
        }
        pass("Token sane", identity + (report.signatureVerified() ? ", signature verified" : ""));
        for (Finding finding : report.findings()) {
            out.println("       " + finding.severity() + " " + finding.code() + ": " + finding.message());
        }

        // 3. STS reachable
        URI endpoint = sts.endpoint(cli);
        try {
            int status = probe(endpoint);
            pass("STS reachable", endpoint + " answered HTTP " + status);
        } catch (IOException e) {
            fail("STS reachable", endpoint + ": " + Redaction.scrub(String.valueOf(e)),
                    "Allow egress from the pod to " + endpoint.getHost() + ":443 (NetworkPolicy, firewall, proxy), "
                            + "or pass --region/--sts-endpoint for a reachable endpoint.");
            return skipRest(2);
        }

        // 4. Role assumed
        AwsCredentials credentials;
        try (WebIdentityCredentialsProvider provider = sts.provider(cli, () -> token).build()) {
            credentials = provider.resolveCredentials();
        } catch (WebIdentityCredentialsException e) {
            fail("Role assumed", Redaction.scrub(e.getMessage()), fixFor(e.stsErrorCode()));
            return skipRest(1);
        } catch (InvalidSettingException e) {
            throw e; // a wrong option value: a command-line error, reported as such
        } catch (RuntimeException e) {
            fail("Role assumed", Redaction.scrub(e.getMessage()), "Check the role ARN, region and endpoint options.");
            return skipRest(1);
        }
        pass("Role assumed", "credentials for account " + credentials.accountId().orElse("?")
                + credentials.expirationTime().map(DoctorCommand::expiry).orElse(""));

        // 5. Caller identity
        try (StsClient client = sts.signedClient(cli, credentials)) {
            GetCallerIdentityResponse caller = client.getCallerIdentity();
            pass("Caller identity", caller.arn() + " (account " + caller.account() + ")");
        } catch (RuntimeException e) {
            return fail("Caller identity", Redaction.scrub(e.getMessage()),
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

    /** Any HTTP answer means the endpoint is reachable; STS answers GET / with an error document. */
    private static int probe(URI endpoint) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) endpoint.toURL().openConnection();
        connection.setConnectTimeout(TIMEOUT_MILLIS);
        connection.setReadTimeout(TIMEOUT_MILLIS);
        connection.setInstanceFollowRedirects(false);
        try {
            return connection.getResponseCode();
        } finally {
            connection.disconnect();
        }
    }

    private void pass(String step, String detail) {
        out.println("[PASS] " + step + ": " + detail);
    }

    private int fail(String step, String detail, String fix) {
        out.println("[FAIL] " + step + ": " + detail);
        if (fix != null) {
            out.println("       fix: " + fix);
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
