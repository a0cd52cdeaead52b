package dev.keyless;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyless.testing.TestTokens;
import dev.keyless.token.WebIdentityToken;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SessionNamesTest {

    @Test
    void derive_gkeToken_usesThePodName() {
        WebIdentityToken token = WebIdentityToken.of(TestTokens.gke(Instant.now(), Duration.ofHours(1)));
        assertThat(SessionNames.derive(token)).isEqualTo(TestTokens.POD);
    }

    @Test
    void derive_googleToken_usesTheEmail() {
        WebIdentityToken token = WebIdentityToken.of(TestTokens.google(Instant.now(), "sts.amazonaws.com"));
        assertThat(SessionNames.derive(token)).isEqualTo(TestTokens.GSA_EMAIL);
    }

    @Test
    void clean_invalidCharactersAndLength_fixed() {
        assertThat(SessionNames.clean("system:serviceaccount:ns:name")).isEqualTo("system-serviceaccount-ns-name");
        assertThat(SessionNames.clean("x".repeat(100))).hasSize(64);
        assertThat(SessionNames.clean("a")).isEqualTo("keyless-a");
        assertThat(SessionNames.clean(null)).isEqualTo("keyless");
        assertThat(SessionNames.VALID.matcher(SessionNames.clean("日本語 / pod")).matches()).isTrue();
    }
}
