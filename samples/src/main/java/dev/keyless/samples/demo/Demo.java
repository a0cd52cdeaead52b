package dev.keyless.samples.demo;

import dev.keyless.WebIdentityCredentialsException;
import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.diagnostics.PolicyVerdict;
import dev.keyless.diagnostics.TrustPolicyEvaluator;
import dev.keyless.token.TokenSource;
import dev.keyless.token.TokenSources;
import dev.keyless.token.WebIdentityToken;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.regions.Region;

/**
 * The README's first command: the whole federation flow in one JVM, on loopback, with no cloud account.
 *
 * <pre>
 * ./mvnw -q -B -Pdemo -pl samples -am verify -DskipTests
 * </pre>
 *
 * <ol>
 *   <li>A local OIDC issuer (standing in for a GKE cluster's) mints a projected service-account token for
 *       the pod {@code checkout/checkout-api-...}; it is written to a directory the way the kubelet writes it.</li>
 *   <li>A local STS trusts that issuer, as an IAM OIDC provider would, and has two roles.</li>
 *   <li>A {@link WebIdentityCredentialsProvider} reads the token file and gets credentials from that STS.</li>
 *   <li>The kubelet rotates the token; the provider reads the file afresh for its next STS call.</li>
 *   <li>A role whose trust policy names another service account refuses the token, and Keyless says why.</li>
 * </ol>
 *
 * <p>The issuer, the token volume and STS are demo fixtures of this package; the provider is Keyless,
 * configured exactly as an application would configure it, except for {@code stsEndpoint}. No token, secret
 * key or session token is ever printed.
 */
public final class Demo {

    static final String NAMESPACE = "checkout";
    static final String SERVICE_ACCOUNT = "checkout-api";
    static final String POD = "checkout-api-7d9f8b6c4-x2k9p";
    static final String SUBJECT = "system:serviceaccount:" + NAMESPACE + ":" + SERVICE_ACCOUNT;
    static final String OTHER_SUBJECT = "system:serviceaccount:payments:payments-api";

    /** The volume's {@code expirationSeconds}; the kubelet rewrites the token at 80% of it. */
    private static final Duration TOKEN_LIFETIME = Duration.ofHours(1);
    private static final Duration ROTATION_AGE = Duration.ofMinutes(48);
    private static final int WIDTH = 110;

    private final PrintStream out;
    private final Clock clock = Clock.systemUTC();
    private LocalOidcIssuer issuer;
    private LocalSts sts;

    Demo(PrintStream out) {
        this.out = out;
    }

    /**
     * Runs the demo and exits with its status.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        int status = run(System.out);
        if (status != 0) {
            System.exit(status);
        }
    }

    /**
     * Runs the demo, printing each step to {@code out} as it happens.
     *
     * @param out where the steps go
     * @return 0 if every step did what it should, else 1
     */
    public static int run(PrintStream out) {
        return new Demo(out).run();
    }

    int run() {
        long started = System.nanoTime();
        out.println("Keyless demo: a GKE workload gets AWS credentials with its projected service-account token.");
        out.println("Everything runs in this JVM on 127.0.0.1; no cloud account is used.");
        try (LocalOidcIssuer issuer = LocalOidcIssuer.start(clock);
             ProjectedTokenVolume volume = ProjectedTokenVolume.createTemporary(clock)) {
            this.issuer = issuer;
            Path tokenFile = startIssuerAndWriteToken(issuer, volume);
            try (LocalSts sts = LocalSts.start(issuer.issuerUrl(), clock)) {
                this.sts = sts;
                String roleArn = sts.createRole("checkout-s3-writer",
                        LocalSts.trustPolicyFor(issuer, NAMESPACE, SERVICE_ACCOUNT));
                String otherRoleArn = sts.createRole("payments-ledger-reader",
                        LocalSts.trustPolicyFor(issuer, "payments", "payments-api"));
                startSts(sts, roleArn, otherRoleArn);
                boolean ok;
                try (WebIdentityCredentialsProvider provider = WebIdentityCredentialsProvider.builder()
                        .roleArn(roleArn)
                        .tokenSource(TokenSources.file(tokenFile))
                        .region(Region.US_EAST_1)
                        .stsEndpoint(sts.endpoint())
                        .build()) {
                    ok = resolve(provider, sts);
                    ok = ok && rotate(provider, issuer, volume, sts);
                    ok = ok && refuse(provider, otherRoleArn, tokenFile);
                }
                if (!ok) {
                    out.println("Demo FAILED: a step did not do what it should (see above).");
                    return 1;
                }
            }
        } catch (Exception e) {
            // Keyless's and the fixtures' messages never hold a token or a secret, so the trace is safe to show.
            out.println("Demo FAILED: " + e);
            e.printStackTrace(out);
            return 1;
        }
        out.printf("Demo finished in %.1f s: credentials from a GKE-shaped token via STS, a token rotation picked"
                + " up, a refusal explained.%n", (System.nanoTime() - started) / 1e9);
        return 0;
    }

    private Path startIssuerAndWriteToken(LocalOidcIssuer issuer, ProjectedTokenVolume volume) throws Exception {
        step(1, "Started a local OIDC issuer at " + issuer.issuerUrl());
        detail("It stands in for https://container.googleapis.com/v1/projects/P/locations/L/clusters/C and "
                + "serves /.well-known/openid-configuration and its public key at /jwks.");
        // The pod has been running a while: the kubelet is due to rotate its token in step 4.
        volume.write(issuer.mintServiceAccountToken(NAMESPACE, SERVICE_ACCOUNT, POD,
                clock.instant().minus(ROTATION_AGE), TOKEN_LIFETIME));
        detail("Wrote pod " + NAMESPACE + "/" + POD + "'s projected service-account token (issued "
                + ROTATION_AGE.toMinutes() + " min ago, valid " + TOKEN_LIFETIME.toMinutes() + " min) the way the "
                + "kubelet does, with a ..data symlink swap: " + volume.tokenPath());
        detail("Token claims: " + TokenSources.file(volume.tokenPath()).fetchToken().describeClaims());
        return volume.tokenPath();
    }

    private void startSts(LocalSts sts, String roleArn, String otherRoleArn) {
        step(2, "Started a local STS at " + sts.endpoint() + " (AssumeRoleWithWebIdentity, STS query protocol)");
        detail("Like an IAM OIDC provider, it trusts " + issuer.issuerUrl() + " and checks every token's RS256 "
                + "signature against the keys it fetches from the issuer's discovery document.");
        detail("Role " + roleArn + " trusts " + SUBJECT + " (its trust policy is what `keyless trust-policy` prints, "
                + "judged by Keyless's TrustPolicyEvaluator)");
        detail("Role " + otherRoleArn + " trusts " + OTHER_SUBJECT);
    }

    private boolean resolve(WebIdentityCredentialsProvider provider, LocalSts sts) {
        step(3, "Built the provider: " + provider);
        long t0 = System.nanoTime();
        AwsCredentials credentials = provider.resolveCredentials();
        long millis = (System.nanoTime() - t0) / 1_000_000;
        Instant expiration = credentials.expirationTime().orElse(null);
        detail("resolveCredentials() returned session credentials in " + millis + " ms (keys not shown):");
        detail("  account " + credentials.accountId().orElse("?") + ", provider "
                + credentials.providerName().orElse("?") + ", expiring at " + expiration
                + (expiration == null ? "" : " (in " + Duration.between(clock.instant(), expiration).toMinutes()
                        + " min)"));
        LocalSts.Exchange call = last(sts.exchanges());
        detail("STS verified a token for " + call.subject() + " issued at " + call.tokenIssuedAt()
                + " and issued " + call.assumedRoleArn());
        return call.errorCode() == null && credentials.expirationTime().isPresent()
                && LocalSts.ACCOUNT_ID.equals(credentials.accountId().orElse(null));
    }

    private boolean rotate(WebIdentityCredentialsProvider provider, LocalOidcIssuer issuer,
                           ProjectedTokenVolume volume, LocalSts sts) throws Exception {
        Instant oldIssuedAt = last(sts.exchanges()).tokenIssuedAt();
        volume.write(issuer.mintServiceAccountToken(NAMESPACE, SERVICE_ACCOUNT, POD, TOKEN_LIFETIME));
        TokenSource file = TokenSources.file(volume.tokenPath());
        WebIdentityToken rotated = file.fetchToken();
        step(4, "The kubelet rotated the token at 80% of its lifetime: ..data now points at a new token, valid "
                + "until " + rotated.expirationTime().orElse(null));

        int callsBefore = sts.exchanges().size();
        provider.resolveCredentials();
        int cachedCalls = sts.exchanges().size() - callsBefore;
        detail("The same provider keeps serving its cached credentials until 5 minutes before they expire: "
                + cachedCalls + " new STS calls.");

        try (WebIdentityCredentialsProvider copy = provider.toBuilder().build()) {
            copy.resolveCredentials();
        }
        LocalSts.Exchange call = last(sts.exchanges());
        detail("Its next STS call reads the file afresh; a copy from provider.toBuilder().build() shows it: STS "
                + "verified the token issued at " + call.tokenIssuedAt() + " (the first was issued at "
                + oldIssuedAt + ").");
        return cachedCalls == 0 && call.errorCode() == null && call.tokenIssuedAt() != null
                && call.tokenIssuedAt().isAfter(oldIssuedAt);
    }

    private boolean refuse(WebIdentityCredentialsProvider provider, String otherRoleArn, Path tokenFile)
            throws java.io.IOException {
        step(5, "A provider for " + otherRoleArn + ", whose trust policy admits only " + OTHER_SUBJECT
                + ", with this pod's token:");
        try (WebIdentityCredentialsProvider wrongRole = provider.toBuilder().roleArn(otherRoleArn).build()) {
            wrongRole.resolveCredentials();
            detail("resolveCredentials() succeeded, but STS should have refused this token.");
            return false;
        } catch (WebIdentityCredentialsException e) {
            detail("resolveCredentials() threw WebIdentityCredentialsException (STS error " + e.stsErrorCode()
                    + "), as it should. Keyless's diagnosis:");
            wrap(e.getMessage());
            // What `keyless check-policy` does: the role's policy against the token, offline, claim by claim.
            PolicyVerdict verdict = TrustPolicyEvaluator.evaluate(sts.trustPolicy(otherRoleArn),
                    TokenSources.file(tokenFile).fetchToken(), otherRoleArn);
            detail("Checked offline against the role's trust policy (keyless check-policy), the claim that differs:");
            for (String line : verdict.describe().strip().split("\n")) {
                out.println("     " + line.strip());
            }
            return "AccessDenied".equals(e.stsErrorCode()) && !verdict.admitted();
        }
    }

    private void step(int n, String text) {
        out.println();
        out.println(n + ". " + text);
    }

    private void detail(String text) {
        out.println("   " + text);
    }

    /** Prints a long message over several lines, breaking only at spaces so values stay whole. */
    private void wrap(String text) {
        StringBuilder line = new StringBuilder("     ");
        for (String word : text.split(" ")) {
            if (line.length() > 5 && line.length() + 1 + word.length() > WIDTH) {
                out.println(line);
                line.setLength(0);
                line.append("     ");
            }
            if (line.length() > 5) {
                line.append(' ');
            }
            line.append(word);
        }
        out.println(line);
    }

    private static <T> T last(List<T> list) {
        if (list.isEmpty()) {
            throw new IllegalStateException("STS was not called");
        }
        return list.get(list.size() - 1);
    }

    /** The issuer this run started, for tests; {@code null} before {@link #run()}. */
    LocalOidcIssuer issuer() {
        return issuer;
    }

    /** The STS this run started, for tests; {@code null} before {@link #run()}. */
    LocalSts sts() {
        return sts;
    }
}
