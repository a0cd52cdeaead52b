package dev.keyless.benchmarks;

import dev.keyless.benchmarks.fixture.LoopbackSts;
import dev.keyless.benchmarks.fixture.Rig;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ClassLoadingMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * Cold start: from building a new provider to holding its first credentials, once per fresh JVM (single shot, no
 * warm-up), the stub answering at once. With {@code warmStsClient} the shared {@link software.amazon.awssdk.services.sts.StsClient}
 * has already made one call, so what is timed is the provider itself: its classes, its construction, reading the
 * token, and one STS call; without, the timed call also pays the client's own first-call costs.
 *
 * <p>Run with more warm-up iterations and one fork, the same benchmark measures a new provider in a warm JVM.
 *
 * <p>Each measured iteration also counts the classes the JVM loaded meanwhile, written to
 * {@code coldstart-PROVIDER-WARM-PID-N.properties} in the directory named by the system property
 * {@value RefreshUnderLoadBenchmark#OUTPUT_DIR_PROPERTY}, if set.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 8, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class ColdStartBenchmark {

    /** Which provider; see {@link Contender}. */
    @Param({"keyless", "sdk", "sdkFile"})
    public String provider;

    /** Whether the shared STS client has made a call before the timed one. */
    @Param({"true", "false"})
    public boolean warmStsClient;

    private Rig rig;
    private Contender contender;
    private AwsCredentialsProvider built;
    private ClassLoadingMXBean classLoading;
    private long classesBefore;
    private int measured;

    /**
     * Starts the stub and, with {@code warmStsClient}, calls it once through the client.
     *
     * @throws IOException if the stub cannot start or the token cannot be read
     */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        rig = Rig.start(Duration.ZERO, Duration.ofHours(1));
        contender = Contender.of(provider);
        classLoading = ManagementFactory.getClassLoadingMXBean();
        if (warmStsClient) {
            String token = new String(Files.readAllBytes(rig.tokenFile()), StandardCharsets.UTF_8).trim();
            rig.client().assumeRoleWithWebIdentity(r -> r.roleArn(LoopbackSts.ROLE_ARN)
                    .roleSessionName("warm-up").webIdentityToken(token));
        }
    }

    /** Notes the classes loaded so far. */
    @Setup(Level.Iteration)
    public void countClasses() {
        classesBefore = classLoading.getTotalLoadedClassCount();
    }

    /**
     * Builds a provider and resolves its first credentials.
     *
     * @return the credentials
     */
    @Benchmark
    public AwsCredentials firstCredentials() {
        built = contender.build(rig.client(), rig.tokenFile());
        return built.resolveCredentials();
    }

    /**
     * Writes the classes the iteration loaded, and closes the provider it built.
     *
     * @param iteration which iteration ended
     */
    @TearDown(Level.Iteration)
    public void closeProvider(IterationParams iteration) {
        long classesLoaded = classLoading.getTotalLoadedClassCount() - classesBefore;
        Contender.close(built);
        built = null;
        String dir = System.getProperty(RefreshUnderLoadBenchmark.OUTPUT_DIR_PROPERTY);
        if (dir == null || iteration.getType() != IterationType.MEASUREMENT) {
            return;
        }
        Properties p = new Properties();
        p.setProperty("provider", provider);
        p.setProperty("warmStsClient", Boolean.toString(warmStsClient));
        p.setProperty("classesLoaded", Long.toString(classesLoaded));
        Path file = Path.of(dir, "coldstart-" + provider + "-" + warmStsClient + "-" + ProcessHandle.current().pid()
                + "-" + (++measured) + ".properties");
        try (OutputStream out = Files.newOutputStream(file)) {
            p.store(out, "ColdStartBenchmark measurement iteration");
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write " + file, e);
        }
    }

    /** Closes the stub. */
    @TearDown(Level.Trial)
    public void tearDown() {
        rig.close();
    }
}
