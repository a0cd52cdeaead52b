package dev.keyless.benchmarks;

import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.benchmarks.fixture.LoopbackSts;
import dev.keyless.token.TokenSources;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleWithWebIdentityCredentialsProvider;
import software.amazon.awssdk.services.sts.auth.StsWebIdentityTokenFileCredentialsProvider;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityRequest;

/**
 * The providers compared, by the name a benchmark's {@code provider} parameter uses. All of them assume
 * {@link LoopbackSts#ROLE_ARN} as session {@value #SESSION_NAME} with the same {@link StsClient}, reading the
 * same token file on every refresh.
 */
public enum Contender {

    /** Keyless's {@link WebIdentityCredentialsProvider} with {@code TokenSources.file(path)}. */
    KEYLESS("keyless", "Keyless `WebIdentityCredentialsProvider` + `TokenSources.file`") {
        @Override
        AwsCredentialsProvider build(StsClient sts, Path tokenFile, Duration prefetch, Duration stale) {
            WebIdentityCredentialsProvider.Builder b = WebIdentityCredentialsProvider.builder()
                    .roleArn(LoopbackSts.ROLE_ARN)
                    .roleSessionName(SESSION_NAME)
                    .tokenSource(TokenSources.file(tokenFile))
                    .stsClient(sts);
            if (prefetch != null) {
                b.prefetchTime(prefetch).staleTime(stale);
            }
            return b.build();
        }
    },

    /**
     * The SDK's {@link StsAssumeRoleWithWebIdentityCredentialsProvider}, default settings (at the prefetch time one
     * caller refreshes while the others get the cached credentials), with a refresh request that reads the token
     * file, as the SDK's own file-reading supplier does.
     */
    SDK("sdk", "SDK `StsAssumeRoleWithWebIdentityCredentialsProvider`") {
        @Override
        AwsCredentialsProvider build(StsClient sts, Path tokenFile, Duration prefetch, Duration stale) {
            return sdkDirect(sts, tokenFile, prefetch, stale, false);
        }
    },

    /** As {@link #SDK}, with {@code asyncCredentialUpdateEnabled(true)}. */
    SDK_ASYNC("sdkAsync", "SDK `StsAssumeRoleWithWebIdentityCredentialsProvider`, `asyncCredentialUpdateEnabled(true)`") {
        @Override
        AwsCredentialsProvider build(StsClient sts, Path tokenFile, Duration prefetch, Duration stale) {
            return sdkDirect(sts, tokenFile, prefetch, stale, true);
        }
    },

    /**
     * The SDK's {@link StsWebIdentityTokenFileCredentialsProvider} with {@code webIdentityTokenFile(path)}: the same
     * refresh machinery as {@link #SDK} (it wraps one), plus the SDK's own token-file reading.
     */
    SDK_FILE("sdkFile", "SDK `StsWebIdentityTokenFileCredentialsProvider`") {
        @Override
        AwsCredentialsProvider build(StsClient sts, Path tokenFile, Duration prefetch, Duration stale) {
            return sdkFile(sts, tokenFile, prefetch, stale, false);
        }
    },

    /** As {@link #SDK_FILE}, with {@code asyncCredentialUpdateEnabled(true)}. */
    SDK_FILE_ASYNC("sdkFileAsync", "SDK `StsWebIdentityTokenFileCredentialsProvider`, `asyncCredentialUpdateEnabled(true)`") {
        @Override
        AwsCredentialsProvider build(StsClient sts, Path tokenFile, Duration prefetch, Duration stale) {
            return sdkFile(sts, tokenFile, prefetch, stale, true);
        }
    },

    /**
     * A control, not a contender: {@link StaticCredentialsProvider}, which never refreshes and never blocks. What it
     * measures under load is the harness and the machine, not a provider.
     */
    STATIC("static", "control: `StaticCredentialsProvider` (never refreshes)") {
        @Override
        AwsCredentialsProvider build(StsClient sts, Path tokenFile, Duration prefetch, Duration stale) {
            return StaticCredentialsProvider.create(AwsSessionCredentials.builder()
                    .accessKeyId("ASIASTATIC")
                    .secretAccessKey("StaticSecretKey")
                    .sessionToken("StaticSessionToken")
                    .expirationTime(Instant.now().plus(Duration.ofDays(1)))
                    .build());
        }
    };

    /** The role session name every contender uses. */
    public static final String SESSION_NAME = "keyless-bench";

    private final String id;
    private final String description;

    Contender(String id, String description) {
        this.id = id;
        this.description = description;
    }

    /**
     * The contender a benchmark parameter names.
     *
     * @param id the parameter value, e.g. {@code sdkAsync}
     * @return the contender
     */
    public static Contender of(String id) {
        return Arrays.stream(values()).filter(c -> c.id.equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("Unknown provider '" + id + "'; expected one of "
                        + Arrays.toString(Arrays.stream(values()).map(Contender::id).toArray())));
    }

    /**
     * The benchmark parameter value.
     *
     * @return e.g. {@code keyless}
     */
    public String id() {
        return id;
    }

    /**
     * What it is, for the report (Markdown).
     *
     * @return the description
     */
    public String description() {
        return description;
    }

    /**
     * Builds the provider. It fetches nothing until first used.
     *
     * @param sts the shared client
     * @param tokenFile the shared token file
     * @param prefetch the prefetch time, or {@code null} for the provider's default (5 minutes for all)
     * @param stale the stale time (with {@code prefetch}), or {@code null} for the default (1 minute for all)
     * @return the provider; close it if it is {@link AutoCloseable}
     */
    abstract AwsCredentialsProvider build(StsClient sts, Path tokenFile, Duration prefetch, Duration stale);

    /**
     * Builds the provider with its default prefetch and stale times.
     *
     * @param sts the shared client
     * @param tokenFile the shared token file
     * @return the provider
     */
    public AwsCredentialsProvider build(StsClient sts, Path tokenFile) {
        return build(sts, tokenFile, null, null);
    }

    /**
     * Builds the provider with these prefetch and stale times.
     *
     * @param sts the shared client
     * @param tokenFile the shared token file
     * @param prefetch how long before expiry a refresh starts
     * @param stale how long before expiry credentials are no longer handed out
     * @return the provider
     */
    public AwsCredentialsProvider buildWith(StsClient sts, Path tokenFile, Duration prefetch, Duration stale) {
        return build(sts, tokenFile, prefetch, stale);
    }

    /**
     * Closes {@code provider} if it holds resources.
     *
     * @param provider a provider built by a contender, or {@code null}
     */
    public static void close(AwsCredentialsProvider provider) {
        if (provider instanceof AutoCloseable) {
            try {
                ((AutoCloseable) provider).close();
            } catch (Exception e) {
                throw new IllegalStateException("Could not close " + provider, e);
            }
        }
    }

    private static AwsCredentialsProvider sdkDirect(StsClient sts, Path tokenFile, Duration prefetch, Duration stale,
                                                    boolean async) {
        Supplier<AssumeRoleWithWebIdentityRequest> request = () -> AssumeRoleWithWebIdentityRequest.builder()
                .roleArn(LoopbackSts.ROLE_ARN)
                .roleSessionName(SESSION_NAME)
                .webIdentityToken(readToken(tokenFile))
                .build();
        StsAssumeRoleWithWebIdentityCredentialsProvider.Builder b = StsAssumeRoleWithWebIdentityCredentialsProvider
                .builder()
                .stsClient(sts)
                .refreshRequest(request)
                .asyncCredentialUpdateEnabled(async);
        if (prefetch != null) {
            b.prefetchTime(prefetch).staleTime(stale);
        }
        return b.build();
    }

    private static AwsCredentialsProvider sdkFile(StsClient sts, Path tokenFile, Duration prefetch, Duration stale,
                                                  boolean async) {
        StsWebIdentityTokenFileCredentialsProvider.Builder b = StsWebIdentityTokenFileCredentialsProvider.builder()
                .stsClient(sts)
                .roleArn(LoopbackSts.ROLE_ARN)
                .roleSessionName(SESSION_NAME)
                .webIdentityTokenFile(tokenFile)
                .asyncCredentialUpdateEnabled(async);
        if (prefetch != null) {
            b.prefetchTime(prefetch).staleTime(stale);
        }
        return b.build();
    }

    private static String readToken(Path tokenFile) {
        try {
            return new String(Files.readAllBytes(tokenFile), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read the benchmark token " + tokenFile, e);
        }
    }
}
