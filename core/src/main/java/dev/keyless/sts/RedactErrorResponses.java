package dev.keyless.sts;

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

/**
 * Removes JWTs from STS error responses before the SDK reads them. STS (or a proxy in front of it) may echo the
 * token in an error message; the SDK would put that message in its exception, and its retry strategy logs the
 * exception at DEBUG before Keyless ever sees it. Successful responses are left alone. Installed on the
 * STS client Keyless builds; a client the user passes is theirs to configure.
 */
final class RedactErrorResponses implements ExecutionInterceptor {

    /** Error bodies are small XML documents; anything larger is cut here, never read whole. */
    private static final int MAX_ERROR_BYTES = 64 * 1024;

    @Override
    public Optional<InputStream> modifyHttpResponseContent(Context.ModifyHttpResponse context,
            ExecutionAttributes executionAttributes) {
        Optional<InputStream> body = context.responseBody();
        if (context.httpResponse().isSuccessful() || body.isEmpty()) {
            return body;
        }
        try (InputStream in = body.get()) {
            String text = new String(in.readNBytes(MAX_ERROR_BYTES), StandardCharsets.UTF_8);
            return Optional.of(new ByteArrayInputStream(Redaction.scrub(text).getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read STS's error response", e);
        }
    }
}
