package dev.keyless.architecture;

import com.sun.net.httpserver.HttpServer;
import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.token.TokenSources;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import software.amazon.awssdk.auth.credentials.AwsCredentials;

/**
 * The success path, alone in a fresh JVM: a token file, an STS on loopback (the JDK's own HTTP server, so
 * nothing else is loaded), one provider, one {@code resolveCredentials()}. {@link SuccessPathClassesTest} runs
 * it with class loading logged and reads what was loaded.
 */
public final class FirstCredentials {

    private FirstCredentials() {
    }

    /**
     * Resolves credentials once and prints {@code resolved ACCESS_KEY_ID}.
     *
     * @param args the token file
     * @throws Exception if anything fails
     */
    public static void main(String[] args) throws Exception {
        HttpServer sts = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        sts.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = ("<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                    + "<AssumeRoleWithWebIdentityResult><AssumedRoleUser>"
                    + "<Arn>arn:aws:sts::123456789012:assumed-role/cold/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId>"
                    + "</AssumedRoleUser><Credentials><SessionToken>session</SessionToken>"
                    + "<SecretAccessKey>secret</SecretAccessKey><Expiration>" + Instant.now().plusSeconds(3600)
                    + "</Expiration><AccessKeyId>ASIACOLDSTART</AccessKeyId></Credentials>"
                    + "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/xml");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        sts.start();
        try (WebIdentityCredentialsProvider provider = WebIdentityCredentialsProvider.builder()
                .roleArn("arn:aws:iam::123456789012:role/cold")
                .tokenSource(TokenSources.file(Path.of(args[0])))
                .stsEndpoint(URI.create("http://127.0.0.1:" + sts.getAddress().getPort()))
                .build()) {
            AwsCredentials credentials = provider.resolveCredentials();
            System.out.println("resolved " + credentials.accessKeyId());
        } finally {
            sts.stop(0);
        }
    }
}
