package dev.keyless.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keyless.testing.KubeletVolume;
import dev.keyless.testing.TestTokens;
import dev.keyless.testing.UnreadablePaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTokenSourceTest {

    @TempDir
    Path dir;

    private final String token = TestTokens.gke(Instant.now(), Duration.ofHours(1));

    @Test
    void fetchToken_trailingNewlineCrlfAndBom_areRemoved() throws IOException {
        Path file = dir.resolve("token");
        for (String content : new String[] {token + "\n", token + "\r\n", "\uFEFF" + token, "  " + token + "\t\n"}) {
            Files.writeString(file, content);
            assertThat(TokenSources.file(file).fetchToken().value()).isEqualTo(token);
        }
    }

    @Test
    void fetchToken_readsTheClaimsWithoutShowingTheToken() throws IOException {
        Path file = dir.resolve("token");
        Files.writeString(file, token);
        WebIdentityToken fetched = TokenSources.file(file).fetchToken();
        assertThat(fetched.claims().issuer()).isEqualTo(TestTokens.GKE_ISSUER);
        assertThat(fetched.claims().subject()).isEqualTo("system:serviceaccount:checkout:checkout-api");
        assertThat(fetched.claims().audience()).containsExactly("sts.amazonaws.com");
        assertThat(fetched.claims().expirationTime()).isNotNull();
        assertThat(fetched.source()).isEqualTo("file " + file);
        assertThat(fetched.toString()).contains(TestTokens.GKE_ISSUER).doesNotContain(token).doesNotContain("eyJ");
    }

    @Test
    void fetchToken_reReadsTheFileOnEveryFetch() throws IOException {
        Path file = dir.resolve("token");
        Files.writeString(file, token);
        TokenSource source = TokenSources.file(file);
        assertThat(source.fetchToken().value()).isEqualTo(token);
        String rotated = TestTokens.gke(Instant.now().plusSeconds(60), Duration.ofHours(1));
        Files.writeString(file, rotated);
        assertThat(source.fetchToken().value()).isEqualTo(rotated);
    }

    @Test
    void fetchToken_missingFile_namesThePathAndTheProjectedVolumeFix() {
        Path file = dir.resolve("missing/token");
        assertThatThrownBy(() -> TokenSources.file(file).fetchToken())
                .isInstanceOf(TokenSourceException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("does not exist")
                .hasMessageContaining("audience: sts.amazonaws.com")
                .hasMessageContaining("subPath")
                .satisfies(e -> assertThat(((TokenSourceException) e).retryable()).isFalse());
    }

    @Test
    void fetchToken_emptyFile_saysSo() throws IOException {
        Path file = dir.resolve("token");
        Files.writeString(file, "\n");
        assertThatThrownBy(() -> TokenSources.file(file).fetchToken())
                .hasMessageContaining(file.toString()).hasMessageContaining("is empty");
    }

    @Test
    void fetchToken_directory_saysSo() {
        assertThatThrownBy(() -> TokenSources.file(dir).fetchToken())
                .hasMessageContaining("is a directory");
    }

    @Test
    void fetchToken_unreadableFile_explainsPermissions() throws IOException {
        Path file = dir.resolve("token");
        Files.writeString(file, token);
        // Root (CI) reads a file whatever its mode, so the refusal is injected: a file system that answers
        // every open of this file with AccessDeniedException, as the kernel does for a pod's other user.
        Path unreadable = UnreadablePaths.of(file);
        assertThat(Files.isReadable(unreadable)).as("the injected refusal is in place").isFalse();

        assertThatThrownBy(() -> TokenSources.file(unreadable).fetchToken())
                .isInstanceOf(TokenSourceException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("permission denied").hasMessageContaining("fsGroup")
                .hasRootCauseInstanceOf(java.nio.file.AccessDeniedException.class);
    }

    @Test
    void fetchToken_notAJwt_rejectedWithThePathAndNeverTheContent() throws IOException {
        Path file = dir.resolve("token");
        String[] bad = {"abc", "not a token at all", token.substring(0, token.lastIndexOf('.')),
            token.replace('.', ' '), "x".repeat(20_001)};
        for (String content : bad) {
            Files.writeString(file, content);
            assertThatThrownBy(() -> TokenSources.file(file).fetchToken())
                    .isInstanceOf(TokenSourceException.class)
                    .hasMessageContaining(file.toString())
                    .hasMessageContaining("cannot be sent to AWS STS")
                    .hasMessageNotContaining(content.length() > 3 ? content.substring(0, 4) + content.substring(4) : "@@");
        }
    }

    @Test
    void kubeletAtomicSwap_readersNeverSeeAnEmptyOrPartialToken() throws Exception {
        // The kubelet's AtomicWriter: token -> ..data/token, ..data -> ..TIMESTAMP; a swap writes a new
        // timestamped dir, renames a new ..data symlink over the old one, and deletes the old dir.
        KubeletVolume volume = KubeletVolume.create(dir, token);

        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            tokens.add(TestTokens.gke(Instant.now().plusSeconds(i), Duration.ofHours(1)));
        }
        Set<String> known = new java.util.HashSet<>(tokens);
        known.add(token);
        TokenSource source = TokenSources.file(volume.tokenPath());
        AtomicBoolean swapping = new AtomicBoolean(true);
        Set<String> seen = ConcurrentHashMap.newKeySet();
        ExecutorService readers = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int r = 0; r < 8; r++) {
                results.add(readers.submit(() -> {
                    int reads = 0;
                    while (swapping.get()) {
                        String value = source.fetchToken().value();
                        seen.add(value);
                        reads++;
                    }
                    return reads;
                }));
            }
            for (int swap = 1; swap <= 1000; swap++) {
                volume.rotate(tokens.get(swap % tokens.size()));
            }
            swapping.set(false);
            int reads = 0;
            for (Future<Integer> result : results) {
                reads += result.get(30, TimeUnit.SECONDS);
            }
            assertThat(reads).isPositive();
            // Every read was one whole token the kubelet wrote (counted, so a failure prints no token).
            assertThat(seen.stream().filter(value -> !known.contains(value)).count()).isZero();
        } finally {
            swapping.set(false);
            readers.shutdownNow();
        }
    }

    @Test
    void fetchToken_hugeFile_failsWithItsSizeAndTheLimitWithoutReadingIt() throws IOException {
        Path file = dir.resolve("token");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(3L * 1024 * 1024 * 1024);
        }
        assertThatThrownBy(() -> TokenSources.file(file).fetchToken())
                .isInstanceOf(TokenSourceException.class)
                .hasMessageContaining("Token file " + file + " is 3221225472 bytes; the limit is 32768 bytes")
                .hasMessageContaining("at most 20000 characters");
    }

    @Test
    void fetchToken_endlessDevice_stopsAtTheLimit() {
        Path zero = Path.of("/dev/zero");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(zero));
        assertThatThrownBy(() -> TokenSources.file(zero).fetchToken())
                .isInstanceOf(TokenSourceException.class)
                .hasMessageContaining("Token file /dev/zero is more than 32768 bytes; the limit is 32768 bytes");
    }

    @Test
    void fetchToken_binaryFile_saysItIsNotText() throws IOException {
        Path file = dir.resolve("token");
        Files.write(file, new byte[] {'e', 'y', 'J', (byte) 0xc3, (byte) 0x28, 0});
        assertThatThrownBy(() -> TokenSources.file(file).fetchToken())
                .isInstanceOf(TokenSourceException.class)
                .hasMessageContaining("Token file " + file + " is not text: the byte at offset 3 (0xc3) is not UTF-8")
                .hasMessageNotContaining("Input length");
    }

    @Test
    void fetchToken_tokenTooLongButWithinTheReadLimit_saysHowLong() throws IOException {
        Path file = dir.resolve("token");
        Files.writeString(file, "a".repeat(25_000));
        assertThatThrownBy(() -> TokenSources.file(file).fetchToken())
                .isInstanceOf(TokenSourceException.class)
                .hasMessageContaining("25000 characters long; STS accepts 4 to 20000");
    }
}
