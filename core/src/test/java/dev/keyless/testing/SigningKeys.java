package dev.keyless.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Records the access key id each signed request carries (not secret: it is in every request's
 * {@code Authorization} header), so a test can tell which credentials a client really signed with.
 */
public final class SigningKeys implements ExecutionInterceptor {

    private final List<String> accessKeyIds = new CopyOnWriteArrayList<>();
    private final List<String> services = new CopyOnWriteArrayList<>();

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        services.add(attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME));
        accessKeyIds.add(context.httpRequest().firstMatchingHeader("Authorization")
                .map(SigningKeys::credentialKeyId)
                .orElse("<no Authorization header>"));
    }

    /** {@code AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, ...} gives {@code AKID}. */
    private static String credentialKeyId(String authorization) {
        int start = authorization.indexOf("Credential=");
        if (start < 0) {
            return "<no Credential= in Authorization header>";
        }
        start += "Credential=".length();
        int end = authorization.indexOf('/', start);
        return end < 0 ? "<malformed Credential=>" : authorization.substring(start, end);
    }

    /** The access key ids of the requests sent so far, in order. */
    public List<String> accessKeyIds() {
        return List.copyOf(accessKeyIds);
    }

    /** The service name of each request sent so far, in order. */
    public List<String> services() {
        return List.copyOf(services);
    }
}
