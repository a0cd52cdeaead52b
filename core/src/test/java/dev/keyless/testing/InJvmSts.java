package dev.keyless.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityRequest;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityResponse;
import software.amazon.awssdk.services.sts.model.AssumedRoleUser;
import software.amazon.awssdk.services.sts.model.Credentials;

/**
 * STS in the JVM, for many providers at once: every {@code AssumeRoleWithWebIdentity} succeeds, after an optional
 * real latency, with credentials that last {@code session} by the given clock, and is counted per role. No HTTP:
 * a thousand providers cost a thousand method calls, not a thousand requests to a server. Thread-safe.
 */
public final class InJvmSts implements StsClient {

    private final Clock clock;
    private final Duration session;
    private final long latencyNanos;
    private final LongAdder calls = new LongAdder();
    private final AtomicLong issued = new AtomicLong();
    private final ConcurrentHashMap<String, LongAdder> perRole = new ConcurrentHashMap<>();

    /**
     * @param clock decides the credentials' expiry
     * @param session how long credentials last
     * @param latency how long each call takes, really (the calling thread parks); zero for none
     */
    public InJvmSts(Clock clock, Duration session, Duration latency) {
        this.clock = clock;
        this.session = session;
        this.latencyNanos = latency.toNanos();
    }

    @Override
    public AssumeRoleWithWebIdentityResponse assumeRoleWithWebIdentity(AssumeRoleWithWebIdentityRequest request) {
        calls.increment();
        perRole.computeIfAbsent(request.roleArn(), r -> new LongAdder()).increment();
        if (latencyNanos > 0) {
            long deadline = System.nanoTime() + latencyNanos;
            for (long left = latencyNanos; left > 0; left = deadline - System.nanoTime()) {
                LockSupport.parkNanos(left);
            }
        }
        long n = issued.incrementAndGet();
        String role = request.roleArn().substring(request.roleArn().lastIndexOf('/') + 1);
        return AssumeRoleWithWebIdentityResponse.builder()
                .credentials(Credentials.builder().accessKeyId("ASIAINJVM" + n).secretAccessKey("secret" + n)
                        .sessionToken("session" + n).expiration(Instant.now(clock).plus(session)).build())
                .assumedRoleUser(AssumedRoleUser.builder().assumedRoleId("AROAINJVM:" + request.roleSessionName())
                        .arn("arn:aws:sts::123456789012:assumed-role/" + role + "/" + request.roleSessionName())
                        .build())
                .build();
    }

    /** @return calls so far, from every provider */
    public long calls() {
        return calls.sum();
    }

    /** @return how many distinct roles were asked for */
    public int roles() {
        return perRole.size();
    }

    /**
     * @param roleArn a role
     * @return calls for that role so far
     */
    public long calls(String roleArn) {
        LongAdder n = perRole.get(roleArn);
        return n == null ? 0 : n.sum();
    }

    @Override
    public String serviceName() {
        return "sts";
    }

    @Override
    public void close() {
    }
}
