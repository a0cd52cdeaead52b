package dev.keyless.testing;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityRequest;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityResponse;
import software.amazon.awssdk.services.sts.model.AssumedRoleUser;
import software.amazon.awssdk.services.sts.model.Credentials;

/**
 * STS inside the JVM, for tests that need to decide each call in code (hold it on a latch, fail by a seeded
 * random, stamp it with a fake clock) rather than over HTTP ({@link StsStub}). Call {@code n} (from 1) is
 * answered by the function given; {@link #issued(int, Instant)} builds a success. Thread-safe if the function is.
 */
public final class InJvmSts implements StsClient {

    private final AtomicInteger calls = new AtomicInteger();
    private final BiFunction<Integer, AssumeRoleWithWebIdentityRequest, AssumeRoleWithWebIdentityResponse> answer;

    private InJvmSts(BiFunction<Integer, AssumeRoleWithWebIdentityRequest, AssumeRoleWithWebIdentityResponse> answer) {
        this.answer = answer;
    }

    /**
     * An STS whose call {@code n} gets {@code answer.apply(n, request)}; the function may throw an STS error.
     *
     * @param answer the answer to each call
     * @return the client
     */
    public static InJvmSts answering(
            BiFunction<Integer, AssumeRoleWithWebIdentityRequest, AssumeRoleWithWebIdentityResponse> answer) {
        return new InJvmSts(answer);
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
        return AssumeRoleWithWebIdentityResponse.builder()
                .credentials(Credentials.builder().accessKeyId("ASIAINJVM" + n).secretAccessKey("secret" + n)
                        .sessionToken("session" + n).expiration(expiration).build())
                .assumedRoleUser(AssumedRoleUser.builder().assumedRoleId("AROAINJVM:session")
                        .arn("arn:aws:sts::" + StsStub.ACCOUNT_ID + ":assumed-role/checkout-s3-writer/session").build())
                .build();
    }

    /** How many calls were made. */
    public int calls() {
        return calls.get();
    }

    @Override
    public AssumeRoleWithWebIdentityResponse assumeRoleWithWebIdentity(AssumeRoleWithWebIdentityRequest request) {
        return answer.apply(calls.incrementAndGet(), request);
    }

    @Override
    public String serviceName() {
        return SERVICE_NAME;
    }

    @Override
    public void close() {
    }
}
