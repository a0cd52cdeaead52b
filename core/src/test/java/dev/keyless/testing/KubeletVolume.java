package dev.keyless.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A projected service-account token volume laid out as the kubelet's atomic writer lays it out: the visible
 * {@code token} is a symlink to {@code ..data/token}, {@code ..data} a symlink to a timestamped directory.
 * {@link #rotate(String)} swaps in a new token the way the kubelet does: a new timestamped directory, a new
 * {@code ..data} link renamed over the old one, the old directory deleted. Not thread-safe: one writer.
 */
public final class KubeletVolume {

    private final Path dir;
    private Path current;
    private int generation;

    private KubeletVolume(Path dir) {
        this.dir = dir;
    }

    /**
     * Lays out a volume holding {@code token} in {@code dir}, which must be empty.
     *
     * @param dir the volume's mount point
     * @param token the first token
     * @return the volume
     * @throws IOException if the files cannot be written
     */
    public static KubeletVolume create(Path dir, String token) throws IOException {
        KubeletVolume volume = new KubeletVolume(dir);
        volume.current = volume.writeGeneration(token);
        Files.createSymbolicLink(dir.resolve("..data"), volume.current.getFileName());
        Files.createSymbolicLink(dir.resolve("token"), Path.of("..data", "token"));
        return volume;
    }

    /** The path a pod reads, {@code <dir>/token}. */
    public Path tokenPath() {
        return dir.resolve("token");
    }

    /**
     * Replaces the token atomically, as the kubelet does on rotation.
     *
     * @param token the new token
     * @throws IOException if the files cannot be written
     */
    public void rotate(String token) throws IOException {
        Path next = writeGeneration(token);
        Path tmp = dir.resolve("..data_tmp");
        Files.createSymbolicLink(tmp, next.getFileName());
        Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.delete(current.resolve("token"));
        Files.delete(current);
        current = next;
    }

    private Path writeGeneration(String token) throws IOException {
        generation++;
        Path timestamped = Files.createDirectory(dir.resolve("..2026_11_25_10_00_00." + String.format("%09d", generation)));
        Files.writeString(timestamped.resolve("token"), token, StandardCharsets.UTF_8);
        return timestamped;
    }
}
