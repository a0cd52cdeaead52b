package dev.keyless.internal.text;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyless.testing.TestTokens;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedactionTest {

    private static final String TOKEN = TestTokens.gke(Instant.now(), Duration.ofHours(1));
    private static final String[] SEGMENTS = TOKEN.split("\\.");

    /** Every way a server has been seen, or could be expected, to echo a token. */
    static List<String> echoes(String token) {
        String[] s = token.split("\\.");
        return List.of(token, s[0], s[1], s[2], s[0] + "." + s[1], s[1] + "." + s[2], token.replace(".", ""),
                s[0] + s[1], s[2].substring(0, 40), s[2].substring(100, 160), s[1].substring(7));
    }

    @Test
    void scrubWithToken_removesEverySegmentAndPieceOfTheToken() {
        for (String echo : echoes(TOKEN)) {
            String scrubbed = Redaction.scrub("Not authorized: '" + echo + "' (request 7f1c)", TOKEN);
            assertThat(scrubbed).as(echo).contains("[token redacted]").contains("(request 7f1c)");
            for (String segment : SEGMENTS) {
                assertThat(scrubbed).doesNotContain(segment.substring(0, 16));
            }
        }
    }

    @Test
    void scrubWithoutToken_removesTokensHeadersPayloadsAndSignatureLengthRuns() {
        for (String echo : List.of(TOKEN, SEGMENTS[0], SEGMENTS[1], SEGMENTS[2], SEGMENTS[0] + "." + SEGMENTS[1],
                TOKEN.replace(".", ""))) {
            assertThat(Redaction.scrub("echo " + echo + " end")).as(echo).isEqualTo("echo [token redacted] end");
        }
    }

    @Test
    void scrub_ordinaryIdentifiers_areKept() {
        String text = "Not authorized to perform sts:AssumeRoleWithWebIdentity on "
                + "arn:aws:iam::123456789012:role/checkout-s3-writer, request id 3f1c9a7e-0b4d-4e8a-9a62-5d1f0c2e7b13, "
                + "host sts.us-east-1.amazonaws.com, sub system:serviceaccount:checkout:checkout-api-long-name, "
                + "file /tmp/junit-16831194163612279763/token.a.b, version 1.2.3.4.5.6.7.8.9";
        assertThat(Redaction.scrub(text, TOKEN)).isEqualTo(text);
    }
}
