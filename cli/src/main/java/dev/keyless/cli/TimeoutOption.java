package dev.keyless.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** How long a command waits for STS (and for the probe of its endpoint) before it says so and gives up. */
final class TimeoutOption {

    /** Long enough for a healthy STS from anywhere, short enough that a hung endpoint is reported quickly. */
    static final int DEFAULT_SECONDS = 5;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "" + DEFAULT_SECONDS,
            description = "Give up on an STS call (retries included) that takes longer than SECONDS. Default: "
                    + DEFAULT_SECONDS + ".")
    int seconds;

    Duration duration() {
        return Duration.ofSeconds(seconds);
    }

    /** For output: {@code 5 s (--timeout)}. */
    String describe() {
        return seconds + " s (--timeout)";
    }
}
