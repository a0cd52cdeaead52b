package dev.keyless;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyless.diagnostics.TokenInspector;
import dev.keyless.diagnostics.TokenReport;
import dev.keyless.internal.text.Escaping;
import dev.keyless.testing.HostileTokens;
import dev.keyless.token.TokenSourceException;
import dev.keyless.token.TokenSources;
import dev.keyless.token.WebIdentityToken;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import software.amazon.awssdk.services.sts.model.StsException;

/**
 * The library's token handling over hostile input (issue 12): random bytes, huge inputs, deep and wide JSON,
 * claims of the wrong type, control characters and escape sequences in every claim. Never an {@link Error},
 * never an exception other than the documented one, and a failure message is one line without a raw control
 * character, whatever the token holds.
 */
class HostileInputPropertiesTest {

    private static final String ROLE = "arn:aws:iam::123456789012:role/checkout-s3-writer";

    @Provide
    Arbitrary<String> tokens() {
        return HostileTokens.tokens();
    }

    @Provide
    Arbitrary<byte[]> bytes() {
        return HostileTokens.bytes();
    }

    @Property(tries = 400)
    void tokenOf_acceptsOrRefusesWithTokenSourceException(@ForAll("tokens") String token) {
        try {
            WebIdentityToken parsed = WebIdentityToken.of(token, "test");
            assertThat(parsed.toString()).doesNotContain(token);
        } catch (TokenSourceException expected) {
            assertThat(expected.getMessage()).doesNotContain(token);
        }
    }

    @Property(tries = 400)
    void inspector_alwaysReports(@ForAll("tokens") String token) {
        TokenReport report = TokenInspector.inspect(token);

        assertThat(report.kind()).isNotNull();
        assertThat(report.toJson()).doesNotContain(token);
    }

    @Property(tries = 300)
    void tokenFile_anyBytes_tokenOrTokenSourceException(@ForAll("bytes") byte[] content) throws Exception {
        Path file = Files.createTempFile("keyless-hostile", "");
        try {
            Files.write(file, content);
            TokenSources.file(file).fetchToken();
        } catch (TokenSourceException expected) {
            assertThat(expected.getMessage()).contains(file.toString()).doesNotContain("Input length");
        } finally {
            Files.delete(file);
        }
    }

    @Property(tries = 400)
    void failureMessage_hostileClaimsAndStsText_isOneLineWithoutControlCharacters(@ForAll("tokens") String token) {
        WebIdentityToken parsed;
        try {
            parsed = WebIdentityToken.of(token, "test");
        } catch (TokenSourceException e) {
            return; // refused before any message could carry its claims
        }
        StsException sts = (StsException) StsException.builder().statusCode(403)
                .message("Not authorized\n[PASS] from STS \u001b[2J " + token).build();
        for (FailureKind kind : FailureKind.values()) {
            String message = FailureMessages.describe(kind, sts, ROLE, "test", parsed, 1);
            assertThat(Escaping.isSafe(message)).as(message).isTrue();
            assertThat(message).doesNotContain(token).doesNotContain(token.substring(token.lastIndexOf('.') + 1));
        }
    }
}
