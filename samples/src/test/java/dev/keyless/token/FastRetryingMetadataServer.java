package dev.keyless.token;

import dev.keyless.settings.Settings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Path B's metadata-server source pointed at a host of the test's choosing, whose 30-second retry budget
 * passes in simulated time: every wait between attempts advances the source's clock instead of sleeping.
 */
public final class FastRetryingMetadataServer {

    private FastRetryingMetadataServer() {
    }

    /**
     * The source {@link TokenSources#metadataServer(String)} builds when {@code GCE_METADATA_HOST} is
     * {@code hostAndPort}, with simulated waits.
     *
     * @param hostAndPort for example {@code 127.0.0.1:8080}
     * @param audience the {@code aud} to ask for
     * @return the source
     */
    public static TokenSource forHost(String hostAndPort, String audience) {
        AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        MetadataServerTokenSource.Sleeper sleeper = (Duration d) -> now.updateAndGet(t -> t.plus(d));
        return new MetadataServerTokenSource(audience, Settings.from(name -> null,
                name -> MetadataServerTokenSource.HOST_VARIABLE.equals(name) ? hostAndPort : null), clock, sleeper);
    }
}
