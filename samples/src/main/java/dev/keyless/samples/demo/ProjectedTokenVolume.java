package dev.keyless.samples.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Demo fixture, not part of Keyless: a directory written the way the kubelet's atomic writer writes a
 * projected {@code serviceAccountToken} volume.
 *
 * <pre>
 * DIR/..2025_11_25_07_17_00.123/token   the token, mode 0600
 * DIR/..data  -&gt; ..2025_11_25_07_17_00.123
 * DIR/token   -&gt; ..data/token            what the pod reads
 * </pre>
 *
 * <p>Each {@link #write(String)} puts the token in a new timestamped directory, renames a new {@code ..data}
 * symlink over the old one (one atomic step: a reader sees the old token or the new one, never a partial
 * file) and deletes the old directory. On a file system without symbolic links the token file is
 * replaced with an atomic rename instead.
 *
 * <p>Thread-safe. {@link #close()} deletes the directory.
 */
public final class ProjectedTokenVolume implements AutoCloseable {

    private static final String DATA = "..data";
    private static final String FILE = "token";
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("'..'yyyy_MM_dd_HH_mm_ss'.'").withZone(ZoneOffset.UTC);

    private final Path dir;
    private final Clock clock;
    private boolean symlinks = true;

    private ProjectedTokenVolume(Path dir, Clock clock) {
        this.dir = dir;
        this.clock = clock;
    }

    /**
     * A volume in a new temporary directory.
     *
     * @param clock the clock that names the timestamped directories
     * @return the volume, with no token yet
     * @throws IOException if the directory cannot be created
     */
    public static ProjectedTokenVolume createTemporary(Clock clock) throws IOException {
        return new ProjectedTokenVolume(Files.createTempDirectory("keyless-demo-").toRealPath(), clock);
    }

    /**
     * The path a pod reads, what {@code AWS_WEB_IDENTITY_TOKEN_FILE} would name.
     *
     * @return {@code DIR/token}
     */
    public Path tokenPath() {
        return dir.resolve(FILE);
    }

    /**
     * Writes or rotates the token, atomically.
     *
     * @param token the token; never printed
     * @throws IOException if the directory cannot be written
     */
    public synchronized void write(String token) throws IOException {
        if (symlinks) {
            try {
                swap(token);
                return;
            } catch (UnsupportedOperationException | FileSystemException e) {
                // Windows without the symlink privilege: fall back to a plain file, still replaced atomically.
                symlinks = false;
            }
        }
        Path temp = Files.createTempFile(dir, ".token", ".tmp");
        Files.write(temp, token.getBytes(StandardCharsets.UTF_8));
        Files.move(temp, tokenPath(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private void swap(String token) throws IOException {
        Path data = dir.resolve(DATA);
        Path previous = Files.isSymbolicLink(data) ? dir.resolve(Files.readSymbolicLink(data)) : null;

        Path timestamped = Files.createTempDirectory(dir, TIMESTAMP.format(clock.instant()));
        Path file = timestamped.resolve(FILE);
        Files.createFile(file);
        restrictToOwner(file);
        Files.write(file, token.getBytes(StandardCharsets.UTF_8));

        Path newData = dir.resolve("..data_tmp");
        Files.deleteIfExists(newData);
        Files.createSymbolicLink(newData, timestamped.getFileName());
        // rename(2) replaces the old ..data link in one step.
        Files.move(newData, data, StandardCopyOption.ATOMIC_MOVE);

        if (!Files.exists(tokenPath(), LinkOption.NOFOLLOW_LINKS)) {
            Files.createSymbolicLink(tokenPath(), Path.of(DATA, FILE));
        }
        if (previous != null) {
            deleteRecursively(previous);
        }
    }

    /** Deletes the directory and everything in it, without following links. */
    @Override
    public synchronized void close() {
        try {
            deleteRecursively(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not delete the demo token directory " + dir, e);
        }
    }

    private static void restrictToOwner(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system; the token is a demo token anyway.
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
