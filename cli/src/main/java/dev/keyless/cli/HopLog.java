package dev.keyless.cli;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.sts.StsClientBuilder;
import software.amazon.awssdk.services.sts.model.AssumeRoleResponse;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityResponse;
import software.amazon.awssdk.services.sts.model.AssumedRoleUser;
import software.amazon.awssdk.services.sts.model.Credentials;

/**
 * What STS answered each hop of one refresh, for {@code doctor}'s per-hop steps: the assumed-role ARN it named
 * (the caller of the next hop) and when the session expires. An interceptor on the STS client the provider
 * builds, so the provider stays one refresh; it keeps no credentials. Thread-safe: the refresh may run on the
 * provider's refresh thread.
 */
final class HopLog implements ExecutionInterceptor {

    /** One hop STS answered: the session's ARN, and its expiry if STS gave one. */
    record Assumed(String assumedRoleArn, Instant expiration) {
    }

    private final List<Assumed> assumed = new CopyOnWriteArrayList<>();

    /** Adds this log to the interceptors of the STS client being built. */
    void install(StsClientBuilder builder) {
        builder.overrideConfiguration(builder.overrideConfiguration().toBuilder().addExecutionInterceptor(this).build());
    }

    @Override
    public void afterUnmarshalling(Context.AfterUnmarshalling context, ExecutionAttributes attributes) {
        SdkResponse response = context.response();
        if (response instanceof AssumeRoleWithWebIdentityResponse web) {
            record(web.assumedRoleUser(), web.credentials());
        } else if (response instanceof AssumeRoleResponse chained) {
            record(chained.assumedRoleUser(), chained.credentials());
        }
    }

    private void record(AssumedRoleUser user, Credentials credentials) {
        assumed.add(new Assumed(user == null ? null : user.arn(), credentials == null ? null : credentials.expiration()));
    }

    /**
     * What STS answered at {@code hop}.
     *
     * @param hop 1 for the web identity call, 2 and up for the chained roles
     * @return the answer, or {@code null} if that hop was not answered
     */
    Assumed assumed(int hop) {
        return hop >= 1 && hop <= assumed.size() ? assumed.get(hop - 1) : null;
    }
}
