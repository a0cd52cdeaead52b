package dev.keyless.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiFunction;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityRequest;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityResponse;
import software.amazon.awssdk.services.sts.model.AssumedRoleUser;
import software.amazon.awssdk.services.sts.model.Credentials;

/**
 * STS inside the JVM, for tests that decide each call in code (hold it on a latch, fail by a seeded random,
 * stamp it with a fake clock) or that run many providers at once, rather than over HTTP ({@link StsStub}).
 * Either every call succeeds with credentials that last a given time ({@link #InJvmSts(Clock, Duration,
 * Duration)}), or call {@code n} (from 1) is answered by a function ({@link #answering}). Calls are counted,
 * in all and per role. Thread-safe if the function is.
 */
public final class InJvmSts implements StsClient {

    private final BiFunction<Integer, AssumeRoleWithWebIdentityRequest, AssumeRoleWithWebIdentityResponse> answer;
    private final long latencyNanos;
    private final AtomicInteger calls = new AtomicInteger();
    private final ConcurrentHashMap<String, LongAdder> perRole = new ConcurrentHashMap<>();

    private InJvmSts(BiFunction<Integer, AssumeRoleWithWebIdentityRequest, AssumeRoleWithWebIdentityResponse> answer,
            Duration latency) {
        this.answer = answer;
        this.latencyNanos = latency.toNanos();
    }

    /**
     * An STS where every call succeeds, for the role asked for.
     *
     * @param clock decides the credentials' expiry
     * @param session how long credentials last
     * @param latency how long each call takes, really (the calling thread parks); zero for none
     */
    public InJvmSts(Clock clock, Duration session, Duration latency) {
        this((n, request) -> issued(n, request.roleArn(), request.roleSessionName(),
                Instant.now(clock).plus(session)), latency);
    }

    /**
     * An STS whose call {@code n} gets {@code answer.apply(n, request)}; the function may throw an STS error.
     *
     * @param answer the answer to each call
     * @return the client
     */
    public static InJvmSts answering(
            BiFunction<Integer, AssumeRoleWithWebIdentityRequest, AssumeRoleWithWebIdentityResponse> answer) {
        return new InJvmSts(answer, Duration.ZERO);
    }

    /**
     * A success: access key {@code ASIAINJVM<n>}, secret {@code secret<n>}, session token {@code session<n>},
     * expiring at {@code expiration}, for the role {@link StsStub#ROLE_ARN}.
     *
     * @param n the call's number, so each success has its own keys
     * @param expiration when the credentials expire
     * @return the response
     */
    public static AssumeRoleWithWebIdentityResponse issued(int n, Instant expiration) {
        return issued(n, StsStub.ROLE_ARN, "session", expiration);
    }

    private static AssumeRoleWithWebIdentityResponse issued(int n, String roleArn, String sessionName,
            Instant expiration) {
        String role = roleArn.substring(roleArn.lastIndexOf('/') + 1);
        return AssumeRoleWithWebIdentityResponse.builder()
                .credentials(Credentials.builder().accessKeyId("ASIAINJVM" + n).secretAccessKey("secret" + n)
                        .sessionToken("session" + n).expiration(expiration).build())
                .assumedRoleUser(AssumedRoleUser.builder().assumedRoleId("AROAINJVM:" + sessionName)
                        .arn("arn:aws:sts::" + StsStub.ACCOUNT_ID + ":assumed-role/" + role + "/" + sessionName)
                        .build())
                .build();
    }

    @Override
    public AssumeRoleWithWebIdentityResponse assumeRoleWithWebIdentity(AssumeRoleWithWebIdentityRequest request) {
        int n = calls.incrementAndGet();
        perRole.computeIfAbsent(String.valueOf(request.roleArn()), r -> new LongAdder()).increment();
        if (latencyNanos > 0) {
            long deadline = System.nanoTime() + latencyNanos;
            for (long left = latencyNanos; left > 0; left = deadline - System.nanoTime()) {
                LockSupport.parkNanos(left);
            }
        }
        return answer.apply(n, request);
    }

    /** @return calls so far, from every provider */
    public long calls() {
        return calls.get();
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
        return SERVICE_NAME;
    }

    @Override
    public void close() {
    }
}
