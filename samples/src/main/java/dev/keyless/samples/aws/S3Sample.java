package dev.keyless.samples.aws;

import dev.keyless.WebIdentityCredentialsProvider;
import java.io.PrintStream;
import java.util.function.Function;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * Writes an object to S3 and reads it back with federated credentials. Settings: {@link Federation}, plus
 * {@code S3_BUCKET}.
 */
public final class S3Sample {

    private S3Sample() {
    }

    /**
     * Runs the sample with the process environment.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        run(System::getenv, System.out);
    }

    /**
     * Runs the sample.
     *
     * @param env the environment
     * @param out where to report
     * @return the object's content as read back
     */
    public static String run(Function<String, String> env, PrintStream out) {
        Federation federation = new Federation(env);
        String bucket = env.apply("S3_BUCKET");
        try (WebIdentityCredentialsProvider provider = federation.provider();
             S3Client s3 = client(federation, provider)) {
            String key = "keyless-sample/hello.txt";
            s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromString("Hello from a keyless pod"));
            String content = s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asUtf8String();
            out.println("Wrote and read s3://" + bucket + "/" + key + " as " + provider.resolveCredentials().accountId()
                    .map(account -> "account " + account).orElse("the role") + ": " + content);
            return content;
        }
    }

    private static S3Client client(Federation federation, WebIdentityCredentialsProvider provider) {
        S3ClientBuilder builder = S3Client.builder()
                .credentialsProvider(provider)
                .region(federation.region())
                .httpClientBuilder(UrlConnectionHttpClient.builder());
        federation.endpoint().ifPresent(endpoint -> builder.endpointOverride(endpoint).forcePathStyle(true));
        return builder.build();
    }
}
