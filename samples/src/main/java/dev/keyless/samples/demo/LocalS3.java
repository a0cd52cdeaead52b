package dev.keyless.samples.demo;

import java.net.URI;
import java.util.Objects;
import org.gaul.s3proxy.AccessGrant;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;

/**
 * Demo fixture, not part of Keyless: an S3-compatible endpoint on {@code 127.0.0.1}, served inside this JVM by
 * <a href="https://github.com/gaul/s3proxy">S3Proxy</a> over its in-memory ("transient") blobstore.
 *
 * <p>Like S3, it verifies every request's AWS Signature V4 against the secret key of the access key id the
 * request names, and it knows only the temporary credentials {@link LocalSts} issued, while they are valid:
 * a request signed with anything else, or with expired credentials, is refused with 403. It does not check
 * the session token (S3Proxy does not), and it has no IAM: any valid credentials may do anything.
 *
 * <p>Thread-safe. {@link #start(LocalSts)} starts S3Proxy's Jetty threads (non-daemon): call {@link #close()}.
 */
public final class LocalS3 implements AutoCloseable {

    private final S3Proxy proxy;

    private LocalS3(S3Proxy proxy) {
        this.proxy = proxy;
    }

    /**
     * Starts S3Proxy on {@code 127.0.0.1} at a free port, accepting the credentials {@code sts} issues.
     *
     * @param sts the STS whose credentials sign requests
     * @return the running server, with no buckets
     * @throws Exception if S3Proxy cannot start
     */
    public static LocalS3 start(LocalSts sts) throws Exception {
        Objects.requireNonNull(sts, "sts");
        BlobStore store = new TransientNio2BlobStore();
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(store)
                .endpoint(URI.create("http://127.0.0.1:0"))
                // The identity given here is replaced by the locator below; V4 is what the AWS SDK v2 signs with.
                .awsAuthentication(AuthenticationType.AWS_V4, "unused", "unused")
                // The SDK sends x-amz-security-token with session credentials; S3Proxy would otherwise refuse
                // the header as unimplemented.
                .ignoreUnknownHeaders(true)
                .build();
        proxy.setBlobStoreLocator((accessKeyId, bucket, key) -> {
            String secret = accessKeyId == null ? null : sts.secretAccessKey(accessKeyId);
            return secret == null ? null : new AccessGrant(secret, store);
        });
        proxy.start();
        LocalS3 s3 = new LocalS3(proxy);
        try {
            s3.awaitStarted();
        } catch (Exception e) {
            s3.close();
            throw e;
        }
        return s3;
    }

    /**
     * The endpoint to give an {@code S3Client}'s {@code endpointOverride}, with path-style access.
     *
     * @return {@code http://127.0.0.1:PORT}
     */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    /**
     * The S3Proxy release serving, for the demo's output.
     *
     * @return for example {@code S3Proxy 4.1.0}
     */
    public static String implementation() {
        String version = S3Proxy.class.getPackage().getImplementationVersion();
        return "S3Proxy" + (version == null ? "" : " " + version);
    }

    /** Stops S3Proxy. */
    @Override
    public void close() {
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("Could not stop the demo S3 (S3Proxy) at " + endpoint(), e);
        }
    }

    private void awaitStarted() throws InterruptedException {
        // start() returns once Jetty is starting; the port is known only when it has started.
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("The demo S3 (S3Proxy) did not start within 10 s; state "
                        + proxy.getState());
            }
            Thread.sleep(5);
        }
    }
}
