package dev.keyless.samples.docs;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An STS endpoint on loopback that answers every call with one error (or, for a chain, the web identity call
 * with credentials and every {@code AssumeRole} with the error), in STS's wire format and with AWS's own words,
 * so that Keyless's reaction to it can be shown and checked. The request id is fixed so that output quoted in
 * the docs stays stable.
 */
final class StsAnswering implements AutoCloseable {

    static final String REQUEST_ID = "4f1c2a8e-7b3d-4e5f-9a60-1b2c3d4e5f60";

    private final HttpServer server;
    private final AtomicInteger calls = new AtomicInteger();

    private StsAnswering(int status, String code, String message, String firstHopSessionArn) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] body = ("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
                + "  <Error><Type>Sender</Type><Code>" + code + "</Code><Message>" + message.replace("&", "&amp;")
                + "</Message></Error>\n"
                + "  <RequestId>" + REQUEST_ID + "</RequestId>\n"
                + "</ErrorResponse>\n").getBytes(StandardCharsets.UTF_8);
        byte[] firstHop = firstHopSessionArn == null ? null : webIdentitySuccess(firstHopSessionArn);
        server.createContext("/", exchange -> {
            try (exchange) {
                String request = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                calls.incrementAndGet();
                boolean answer = firstHop != null && request.contains("Action=AssumeRoleWithWebIdentity");
                byte[] response = answer ? firstHop : body;
                exchange.getResponseHeaders().set("Content-Type", "text/xml");
                exchange.getResponseHeaders().set("x-amzn-RequestId", REQUEST_ID);
                exchange.sendResponseHeaders(answer ? 200 : status, response.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(response);
                }
            }
        });
        server.start();
    }

    static StsAnswering error(int status, String code, String message) {
        return new StsAnswering(status, code, message, null);
    }

    /**
     * A chain refused at hop 2: the web identity call gets credentials for the session {@code firstHopSessionArn},
     * every {@code AssumeRole} the error.
     */
    static StsAnswering errorAfterWebIdentity(String firstHopSessionArn, int status, String code, String message) {
        return new StsAnswering(status, code, message, firstHopSessionArn);
    }

    private static byte[] webIdentitySuccess(String sessionArn) {
        return ("<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
                + "  <AssumeRoleWithWebIdentityResult>\n"
                + "    <AssumedRoleUser><Arn>" + sessionArn + "</Arn><AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId>"
                + "</AssumedRoleUser>\n"
                + "    <Credentials><AccessKeyId>ASIADOCEXAMPLE</AccessKeyId><SecretAccessKey>docSecret</SecretAccessKey>"
                + "<SessionToken>docSessionToken</SessionToken><Expiration>" + Instant.now().plusSeconds(3600)
                + "</Expiration></Credentials>\n"
                + "  </AssumeRoleWithWebIdentityResult>\n"
                + "  <ResponseMetadata><RequestId>" + REQUEST_ID + "</RequestId></ResponseMetadata>\n"
                + "</AssumeRoleWithWebIdentityResponse>\n").getBytes(StandardCharsets.UTF_8);
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    int calls() {
        return calls.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
