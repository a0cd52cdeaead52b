package dev.keyless.samples.docs;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An STS endpoint on loopback that answers every call with one error, in STS's wire format and with AWS's own
 * words, so that Keyless's reaction to it can be shown and checked. The request id is fixed so that output
 * quoted in the docs stays stable.
 */
final class StsAnswering implements AutoCloseable {

    static final String REQUEST_ID = "4f1c2a8e-7b3d-4e5f-9a60-1b2c3d4e5f60";

    private final HttpServer server;
    private final AtomicInteger calls = new AtomicInteger();

    private StsAnswering(int status, String code, String message) {
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
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                calls.incrementAndGet();
                exchange.getResponseHeaders().set("Content-Type", "text/xml");
                exchange.getResponseHeaders().set("x-amzn-RequestId", REQUEST_ID);
                exchange.sendResponseHeaders(status, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        server.start();
    }

    static StsAnswering error(int status, String code, String message) {
        return new StsAnswering(status, code, message);
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
