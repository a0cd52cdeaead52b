package dev.keyless.token;

import dev.keyless.settings.Settings;
import java.time.Clock;

/**
 * Path B pointed at a metadata server of the test's choosing, for tests outside this package (interop
 * tests against a local metadata server).
 */
public final class MetadataServerTokenSources {

    private MetadataServerTokenSources() {
    }

    /**
     * The source {@link TokenSources#metadataServer(String)} builds when {@code GCE_METADATA_HOST} is
     * {@code hostAndPort}, with the real clock and real sleeps between retries.
     *
     * @param hostAndPort for example {@code 127.0.0.1:8080}
     * @param audience the {@code aud} to ask for
     * @return the source
     */
    public static TokenSource forHost(String hostAndPort, String audience) {
        return new MetadataServerTokenSource(audience,
                Settings.from(name -> null,
                        name -> MetadataServerTokenSource.HOST_VARIABLE.equals(name) ? hostAndPort : null),
                Clock.systemUTC(), MetadataServerTokenSource.Sleeper.THREAD_SLEEP);
    }
}
