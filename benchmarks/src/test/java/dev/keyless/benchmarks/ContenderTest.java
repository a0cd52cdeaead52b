package dev.keyless.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.keyless.benchmarks.fixture.Rig;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/** Every contender gets its credentials from the stub, once, and serves them from its cache afterwards. */
class ContenderTest {

    @ParameterizedTest
    @EnumSource(value = Contender.class, names = "STATIC", mode = EnumSource.Mode.EXCLUDE)
    void resolveCredentials_callsTheStubOnceThenServesTheCache(Contender contender) throws Exception {
        try (Rig rig = Rig.start(Duration.ZERO, Duration.ofHours(1))) {
            AwsCredentialsProvider provider = contender.build(rig.client(), rig.tokenFile());
            try {
                AwsCredentials first = provider.resolveCredentials();
                AwsCredentials second = provider.resolveCredentials();

                assertThat(first.accessKeyId()).isEqualTo("ASIABENCH1");
                assertThat(second.accessKeyId()).isEqualTo("ASIABENCH1");
                assertThat(rig.sts().calls()).isEqualTo(1);
            } finally {
                Contender.close(provider);
            }
        }
    }

    @Test
    void of_namesTheBenchmarkParameters() {
        assertThat(Contender.of("sdkFileAsync")).isEqualTo(Contender.SDK_FILE_ASYNC);
        assertThatIllegalArgumentException().isThrownBy(() -> Contender.of("sdk2"))
                .withMessageContaining("keyless");
    }
}
