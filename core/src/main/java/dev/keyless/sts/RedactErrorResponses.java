package dev.keyless.sts;

import dev.keyless.internal.io.BoundedRead;
import dev.keyless.internal.text.Redaction;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityRequest;

/**
 * Removes JWTs, and every piece of the token the request sent, from STS error responses before the SDK reads
 * them. STS (or a proxy in front of it) may echo the token, or a segment of it, in an error message; the SDK
 * would put that message in its exception, and its retry strategy logs the exception at DEBUG before Keyless
 * ever sees it. Successful responses are left alone; error responses are read up to
 * {@link BoundedRead#ERROR_BODY_LIMIT} bytes and the rest is dropped. Installed on the STS client Keyless
 * builds; a client the user passes is theirs to configure.
 */
final class RedactErrorResponses implements ExecutionInterceptor {

    @Override
    public Optional<InputStream> modifyHttpResponseContent(Context.ModifyHttpResponse context,
            ExecutionAttributes executionAttributes) {
        Optional<InputStream> body = context.responseBody();
        if (context.httpResponse().isSuccessful() || body.isEmpty()) {
            return body;
        }
        try (InputStream in = body.get()) {
            // Error bodies are small XML documents; anything larger is cut here, never read whole.
            String text = new String(BoundedRead.prefix(in, BoundedRead.ERROR_BODY_LIMIT), StandardCharsets.UTF_8);
            String token = context.request() instanceof AssumeRoleWithWebIdentityRequest
                    ? ((AssumeRoleWithWebIdentityRequest) context.request()).webIdentityToken() : null;
            return Optional.of(new ByteArrayInputStream(Redaction.scrub(text, token).getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read STS's error response", e);
        }
    }
}
