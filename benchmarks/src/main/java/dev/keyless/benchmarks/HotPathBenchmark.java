package dev.keyless.benchmarks;

import dev.keyless.benchmarks.fixture.Rig;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

/**
 * The cost every AWS call pays: {@code resolveCredentials()} while valid credentials are cached (they last an hour;
 * the run takes seconds, far from the 5-minute prefetch point), from 1 and from 4 threads sharing one provider.
 * Run with {@code -prof gc} for bytes allocated per call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class HotPathBenchmark {

    /** Which provider; see {@link Contender}. */
    @Param({"keyless", "sdk", "sdkAsync", "sdkFile", "sdkFileAsync"})
    public String provider;

    private Rig rig;
    private AwsCredentialsProvider credentials;

    /**
     * Starts the stub and primes the provider with its first credentials.
     *
     * @throws IOException if the stub cannot start
     */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        rig = Rig.start(Duration.ZERO, Duration.ofHours(1));
        credentials = Contender.of(provider).build(rig.client(), rig.tokenFile());
        AwsCredentials first = credentials.resolveCredentials();
        if (!(first instanceof AwsSessionCredentials) || !first.accessKeyId().startsWith("ASIABENCH")
                || rig.sts().calls() != 1) {
            throw new IllegalStateException(provider + " did not get its credentials from the stub: " + first);
        }
    }

    /** Closes the provider and the stub. */
    @TearDown(Level.Trial)
    public void tearDown() {
        Contender.close(credentials);
        rig.close();
    }

    /**
     * One caller.
     *
     * @return the credentials
     */
    @Benchmark
    @Threads(1)
    public AwsCredentials oneThread() {
        return credentials.resolveCredentials();
    }

    /**
     * Four callers sharing the provider.
     *
     * @return the credentials
     */
    @Benchmark
    @Threads(4)
    public AwsCredentials fourThreads() {
        return credentials.resolveCredentials();
    }
}
