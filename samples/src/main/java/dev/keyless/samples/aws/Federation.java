package dev.keyless.samples.aws;

import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.token.TokenSource;
import dev.keyless.token.TokenSources;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;
import software.amazon.awssdk.regions.Region;

/**
 * The settings every sample reads from the environment, so the same jar runs on GKE and on a laptop.
 *
 * <ul>
 *   <li>{@code AWS_ROLE_ARN}: the role to assume (required).</li>
 *   <li>{@code AWS_WEB_IDENTITY_TOKEN_FILE}: path A, the projected service-account token; or</li>
 *   <li>{@code KEYLESS_AUDIENCE}: path B, the audience of the Google service account's identity token
 *       (its numeric unique id, as the trust policy's {@code accounts.google.com:aud} names it).</li>
 *   <li>{@code AWS_REGION}: where the S3 bucket or SQS queue is (and which STS endpoint to use).</li>
 *   <li>{@code AWS_ENDPOINT_URL}: only for testing against an emulator.</li>
 * </ul>
 */
public final class Federation {

    private final Function<String, String> env;

    /**
     * Settings from {@code env}.
     *
     * @param env the environment, usually {@code System::getenv}
     */
    public Federation(Function<String, String> env) {
        this.env = env;
    }

    /**
     * The provider for the whole application: build it once and share it between clients.
     *
     * @return the provider; close it when the application stops
     */
    public WebIdentityCredentialsProvider provider() {
        WebIdentityCredentialsProvider.Builder builder = WebIdentityCredentialsProvider.builder()
                .roleArn(required("AWS_ROLE_ARN"))
                .tokenSource(tokenSource())
                .region(region());
        endpoint().ifPresent(builder::stsEndpoint);
        return builder.build();
    }

    /**
     * The region of the AWS resources, {@code AWS_REGION}.
     *
     * @return the region
     */
    public Region region() {
        return Region.of(required("AWS_REGION"));
    }

    /**
     * An endpoint override for emulators, {@code AWS_ENDPOINT_URL}; empty on AWS.
     *
     * @return the endpoint, if set
     */
    public Optional<URI> endpoint() {
        return Optional.ofNullable(env.apply("AWS_ENDPOINT_URL")).filter(v -> !v.isBlank()).map(URI::create);
    }

    private TokenSource tokenSource() {
        String file = env.apply("AWS_WEB_IDENTITY_TOKEN_FILE");
        if (file != null && !file.isBlank()) {
            return TokenSources.file(Path.of(file));
        }
        String audience = env.apply("KEYLESS_AUDIENCE");
        if (audience != null && !audience.isBlank()) {
            return TokenSources.metadataServer(audience);
        }
        throw new IllegalStateException("Set AWS_WEB_IDENTITY_TOKEN_FILE (path A: the projected token) or "
                + "KEYLESS_AUDIENCE (path B: the Google service account's unique id).");
    }

    private String required(String name) {
        String value = env.apply(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(name + " is not set.");
        }
        return value;
    }
}
