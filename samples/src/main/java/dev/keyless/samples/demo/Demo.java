package dev.keyless.samples.demo;

import dev.keyless.WebIdentityCredentialsException;
import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.diagnostics.TokenInspector;
import dev.keyless.diagnostics.TrustPolicies;
import dev.keyless.samples.clients.KeylessClients;
import dev.keyless.samples.clients.S3Sample;
import dev.keyless.samples.clients.SampleSettings;
import dev.keyless.token.TokenSources;
import dev.keyless.token.WebIdentityToken;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.services.s3.S3Client;

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
 *   <li>A local STS trusts that issuer, as an IAM OIDC provider would, and has two roles whose trust policies
 *       Keyless's {@code TrustPolicies} wrote; it checks them with Keyless's {@code TrustPolicyEvaluator}.</li>
 *   <li>An S3-compatible server (S3Proxy, in memory) accepts requests signed with that STS's credentials.</li>
 *   <li>The S3 sample's code, configured as on GKE, gets credentials through a
 *       {@link WebIdentityCredentialsProvider} reading the token file, creates a bucket, writes and reads an
 *       object; the kubelet rotates the token and the next STS call reads the new one.</li>
 *   <li>A role whose trust policy names another service account refuses the token, and Keyless says why.</li>
 * </ol>
 *
 * <p>The issuer, the token volume, STS and S3 are demo fixtures of this package; the provider and clients
 * are Keyless and the samples, configured exactly as an application would configure them, except for the
 * endpoints. No token, secret key or session token is ever printed.
 */
public final class Demo {

    static final String NAMESPACE = "checkout";
    static final String SERVICE_ACCOUNT = "checkout-api";
    static final String POD = "checkout-api-7d9f8b6c4-x2k9p";
    static final String SUBJECT = "system:serviceaccount:" + NAMESPACE + ":" + SERVICE_ACCOUNT;
    static final String OTHER_NAMESPACE = "payments";
    static final String OTHER_SERVICE_ACCOUNT = "payments-api";
    static final String OTHER_SUBJECT = "system:serviceaccount:" + OTHER_NAMESPACE + ":" + OTHER_SERVICE_ACCOUNT;
    static final String BUCKET = "checkout-exports";

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
        // The demo prints the refusal's diagnosis itself (step 5); an application sees it as the provider's WARN
        // line, which the samples keep. Set before any Keyless class creates its logger.
        System.getProperties().putIfAbsent("org.slf4j.simpleLogger.log.dev.keyless.WebIdentityCredentialsProvider",
                "error");
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
            WebIdentityToken token = startIssuerAndWriteToken(issuer, volume);
            try (LocalSts sts = LocalSts.start(issuer.issuerUrl(), clock)) {
                this.sts = sts;
                String roleArn = sts.createRole("checkout-s3-writer", trustPolicyFor(token));
                String otherRoleArn = sts.createRole("payments-ledger-reader", trustPolicyFor(
                        issuer.mintServiceAccountToken(OTHER_NAMESPACE, OTHER_SERVICE_ACCOUNT,
                                "payments-api-5c6d7e8f9-q1w2e", TOKEN_LIFETIME)));
                startSts(sts, roleArn, otherRoleArn);
                try (LocalS3 s3Server = LocalS3.start(sts)) {
                    step(3, "Started a local S3 at " + s3Server.endpoint() + " (" + LocalS3.implementation()
                            + " from Maven Central, in-memory blobstore)");
                    detail("Like S3, it checks every request's Signature V4 with the secret key of the access key "
                            + "it names, and knows only the temporary credentials the local STS issued.");
                    SampleSettings settings = SampleSettings.from(Map.of(
                            "AWS_ROLE_ARN", roleArn,
                            "AWS_REGION", "eu-west-1",
                            "AWS_WEB_IDENTITY_TOKEN_FILE", volume.tokenPath().toString(),
                            "AWS_ENDPOINT_URL_STS", sts.endpoint().toString(),
                            "AWS_ENDPOINT_URL_S3", s3Server.endpoint().toString(),
                            "SAMPLE_S3_BUCKET", BUCKET));
                    boolean ok;
                    try (WebIdentityCredentialsProvider provider = KeylessClients.credentialsProvider(settings);
                         S3Client s3 = KeylessClients.s3(settings, provider).build()) {
                        ok = useS3(settings, provider, s3);
                        ok = ok && rotate(provider, settings, issuer, volume);
                        ok = ok && refuse(provider, otherRoleArn);
                    }
                    if (!ok) {
                        out.println();
                        out.println("Demo FAILED: a step did not do what it should (see above).");
                        return 1;
                    }
                }
            }
        } catch (Exception e) {
            // Keyless's and the fixtures' messages never hold a token or a secret, so the trace is safe to show.
            out.println("Demo FAILED: " + e);
            e.printStackTrace(out);
            return 1;
        }
        out.println();
        out.printf("Demo finished in %.1f s: credentials from a GKE-shaped token via STS, S3 used with them, a token"
                + " rotation picked up, a refusal explained.%n", (System.nanoTime() - started) / 1e9);
        return 0;
    }

    private WebIdentityToken startIssuerAndWriteToken(LocalOidcIssuer issuer, ProjectedTokenVolume volume)
            throws Exception {
        step(1, "Started a local OIDC issuer at " + issuer.issuerUrl());
        detail("It stands in for https://container.googleapis.com/v1/projects/P/locations/L/clusters/C and "
                + "serves /.well-known/openid-configuration and its public key at /jwks.");
        // The pod has been running a while: the kubelet is due to rotate its token in step 4.
        volume.write(issuer.mintServiceAccountToken(NAMESPACE, SERVICE_ACCOUNT, POD,
                clock.instant().minus(ROTATION_AGE), TOKEN_LIFETIME));
        detail("Wrote pod " + NAMESPACE + "/" + POD + "'s projected service-account token (issued "
                + ROTATION_AGE.toMinutes() + " min ago, valid " + TOKEN_LIFETIME.toMinutes() + " min) the way the "
                + "kubelet does, with a ..data symlink swap: " + volume.tokenPath());
        WebIdentityToken token = TokenSources.file(volume.tokenPath()).fetchToken();
        detail("Token claims: " + token.describeClaims());
        return token;
    }

    /** The trust policy that admits exactly the identity of {@code token}, as {@code keyless trust-policy} writes it. */
    private static String trustPolicyFor(WebIdentityToken token) {
        return TrustPolicies.trustPolicyJson(TokenInspector.inspect(token), LocalSts.ACCOUNT_ID);
    }

    private static String trustPolicyFor(String token) {
        return TrustPolicies.trustPolicyJson(TokenInspector.inspect(token), LocalSts.ACCOUNT_ID);
    }

    private void startSts(LocalSts sts, String roleArn, String otherRoleArn) {
        step(2, "Started a local STS at " + sts.endpoint() + " (AssumeRoleWithWebIdentity, STS query protocol)");
        detail("Like AWS with an IAM OIDC provider " + sts.oidcProviderArn() + " (client ID "
                + LocalSts.CLIENT_ID + "), it checks every token's issuer, audience and RS256 signature against the "
                + "keys in the issuer's JWKS, its expiry, then the role's trust policy with Keyless's "
                + "TrustPolicyEvaluator.");
        detail("Role " + roleArn + " has the trust policy Keyless's TrustPolicies wrote for this pod's token:");
        for (String line : sts.trustPolicy(roleArn).split("\\R")) {
            detail("  " + line);
        }
        detail("Role " + otherRoleArn + " has the same policy written for " + OTHER_SUBJECT + "'s token.");
    }

    private boolean useS3(SampleSettings settings, WebIdentityCredentialsProvider provider, S3Client s3) {
        step(4, "The S3 sample's code, configured from AWS_ROLE_ARN, AWS_REGION, AWS_WEB_IDENTITY_TOKEN_FILE and "
                + "endpoint overrides as on GKE, builds " + provider);
        s3.createBucket(b -> b.bucket(BUCKET));
        detail("CreateBucket " + BUCKET + ": the first request asked the provider for credentials; it called STS.");
        String content = "order 1 exported";
        String read = S3Sample.writeAndRead(s3, BUCKET, S3Sample.KEY, content);
        detail("PutObject and GetObject s3://" + BUCKET + "/" + S3Sample.KEY + ": read back \"" + read + "\".");
        AwsCredentials credentials = provider.resolveCredentials();
        detail("The credentials (keys not shown): " + KeylessClients.describe(credentials, clock.instant()));
        LocalSts.Exchange call = last(sts.exchanges());
        detail("STS verified a token for " + call.subject() + " issued at " + call.tokenIssuedAt()
                + " and issued " + call.assumedRoleArn());
        return content.equals(read) && call.errorCode() == null && sts.exchanges().size() == 1
                && credentials.expirationTime().isPresent()
                && LocalSts.ACCOUNT_ID.equals(credentials.accountId().orElse(null));
    }

    private boolean rotate(WebIdentityCredentialsProvider provider, SampleSettings settings, LocalOidcIssuer issuer,
                           ProjectedTokenVolume volume) throws Exception {
        Instant oldIssuedAt = last(sts.exchanges()).tokenIssuedAt();
        volume.write(issuer.mintServiceAccountToken(NAMESPACE, SERVICE_ACCOUNT, POD, TOKEN_LIFETIME));
        WebIdentityToken rotated = TokenSources.file(volume.tokenPath()).fetchToken();
        out.println();
        detail("The kubelet rotated the token at 80% of its lifetime: ..data now points at a new token, valid until "
                + rotated.claims().expirationTime() + ".");

        int callsBefore = sts.exchanges().size();
        provider.resolveCredentials();
        int cachedCalls = sts.exchanges().size() - callsBefore;
        detail("The same provider keeps serving its cached credentials until 5 minutes before they expire: "
                + cachedCalls + " new STS calls.");

        String read;
        try (WebIdentityCredentialsProvider copy = provider.toBuilder().build();
             S3Client s3 = KeylessClients.s3(settings, copy).build()) {
            read = s3.getObjectAsBytes(g -> g.bucket(BUCKET).key(S3Sample.KEY)).asUtf8String();
        }
        LocalSts.Exchange call = last(sts.exchanges());
        detail("Its next STS call reads the file afresh; a copy from provider.toBuilder().build() shows it: STS "
                + "verified the token issued at " + call.tokenIssuedAt() + " (the first was issued at "
                + oldIssuedAt + "), and S3 accepted the new credentials.");
        return cachedCalls == 0 && call.errorCode() == null && call.tokenIssuedAt() != null
                && call.tokenIssuedAt().isAfter(oldIssuedAt) && !read.isEmpty();
    }

    private boolean refuse(WebIdentityCredentialsProvider provider, String otherRoleArn) {
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
            LocalSts.Exchange call = last(sts.exchanges());
            detail("STS itself says only \"Not authorized\". With the role's policy in hand (aws iam get-role), "
                    + "TrustPolicyEvaluator names the condition that failed, as the local STS found:");
            for (String line : String.valueOf(call.verdict()).split("\\R")) {
                detail("  " + line);
            }
            return "AccessDenied".equals(e.stsErrorCode()) && "AccessDenied".equals(call.errorCode());
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
