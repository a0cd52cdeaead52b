package dev.keyless.samples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DemoTest {

    private static final String ROLE_ARN = "arn:aws:iam::123456789012:role/checkout-s3-writer";
    private static final String REFUSING_ROLE_ARN = "arn:aws:iam::123456789012:role/payments-ledger-reader";

    @Test
    void run_onLoopback_getsCredentialsFollowsRotationAndExplainsRefusal_withoutPrintingSecrets() {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        Demo demo = new Demo(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        PrintStream originalErr = System.err;
        int status;
        // Logging goes to stderr: capture it too, so the secret check covers the log lines.
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
        try {
            status = demo.run();
        } finally {
            System.setErr(originalErr);
        }
        String output = stdout.toString(StandardCharsets.UTF_8);
        String logs = stderr.toString(StandardCharsets.UTF_8);

        assertThat(status).as(output).isZero();
        assertThat(output)
                .contains("1. Started a local OIDC issuer at http://127.0.0.1:")
                .contains("sub=system:serviceaccount:checkout:checkout-api, aud=sts.amazonaws.com")
                .contains("2. Started a local STS at http://127.0.0.1:")
                .contains("3. Built the provider: WebIdentityCredentialsProvider(roleArn=" + ROLE_ARN)
                .containsPattern("account 123456789012, provider KeylessWebIdentityCredentialsProvider, "
                        + "expiring at \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ \\(in 5\\d min\\)")
                .contains("assumed-role/checkout-s3-writer/checkout-api-7d9f8b6c4-x2k9p")
                .contains("0 new STS calls")
                .endsWith("a refusal explained." + System.lineSeparator())
                .contains("Demo finished in ");

        List<LocalSts.Exchange> calls = demo.sts().exchanges();
        assertThat(calls).extracting(LocalSts.Exchange::roleArn)
                .containsExactly(ROLE_ARN, ROLE_ARN, REFUSING_ROLE_ARN);
        assertThat(calls.get(1).tokenIssuedAt()).isAfter(calls.get(0).tokenIssuedAt());
        assertThat(output).contains("STS verified the token issued at " + calls.get(1).tokenIssuedAt()
                + " (the first was issued at " + calls.get(0).tokenIssuedAt() + ")");

        String refusal = output.substring(output.indexOf("\n5. "));
        assertThat(refusal)
                .contains("WebIdentityCredentialsException (STS error AccessDenied)")
                .contains("403 AccessDenied")
                .contains(REFUSING_ROLE_ARN)
                .contains("sub=system:serviceaccount:checkout:checkout-api")
                .contains("Likely cause: the role's trust policy does not admit this token.")
                .contains("(keyless check-policy)")
                .contains("policy wants \"system:serviceaccount:payments:payments-api\", token has "
                        + "\"system:serviceaccount:checkout:checkout-api\"");

        // Two pod tokens, two sample tokens behind the roles' trust policies, and two sets of credentials.
        assertThat(secrets(demo)).hasSize(4 + 2 * 3);
        for (String text : List.of(output, logs)) {
            assertThat(text).doesNotContain("eyJ");
            for (String secret : secrets(demo)) {
                assertThat(text).doesNotContain(secret);
            }
        }
    }

    /** The tokens minted, and the key ids, secret keys and session tokens STS handed out. */
    private static List<String> secrets(Demo demo) {
        List<String> secrets = new ArrayList<>(demo.issuer().mintedTokens());
        for (LocalSts.IssuedCredentials c : demo.sts().issuedCredentials()) {
            secrets.add(c.accessKeyId());
            secrets.add(c.secretAccessKey());
            secrets.add(c.sessionToken());
        }
        return secrets;
    }
}
