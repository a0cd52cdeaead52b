package dev.keyless.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The token a client of {@code keyless serve} must send as its {@code Authorization} header, and the file the SDKs
 * read it from ({@code AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE}). Either read from a file that exists (a Kubernetes
 * Secret, or the file an earlier run of the sidecar wrote into the shared volume), or 32 random bytes, base64url,
 * written with mode 0600. {@link #toString()} names the file, never the token. Immutable.
 */
final class AuthorizationToken {

    private static final int RANDOM_BYTES = 32;
    private static final int MIN_LENGTH = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path file;
    private final String value;
    private final boolean created;

    private AuthorizationToken(Path file, String value, boolean created) {
        this.file = file;
        this.value = value;
        this.created = created;
    }

    /**
     * The token in {@code file} if the file exists, else a new random one written there.
     *
     * @throws IllegalStateException if the file holds no usable token, naming the file and what is wrong
     * @throws IOException if the file cannot be read or written
     */
    static AuthorizationToken readOrCreate(Path file) throws IOException {
        try {
            return read(file);
        } catch (NoSuchFileException absent) {
            return create(file);
        }
    }

    private static AuthorizationToken read(Path file) throws IOException {
        // SDKs send the file's content as a header: line breaks around it would be refused by botocore.
        String value = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (value.length() < MIN_LENGTH || !value.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalStateException("The authorization token file " + file + " holds " + value.length()
                    + " characters; keyless serve needs at least " + MIN_LENGTH + " printable ASCII characters "
                    + "without spaces (the SDKs send it as an HTTP header). Delete the file to have keyless serve "
                    + "write a random token there, or put such a token in it.");
        }
        return new AuthorizationToken(file, value, false);
    }

    private static AuthorizationToken create(Path file) throws IOException {
        byte[] random = new byte[RANDOM_BYTES];
        RANDOM.nextBytes(random);
        String value = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "the directory for the authorization token file "
                    + "does not exist (on Kubernetes: an emptyDir volume mounted in both containers)");
        }
        // Written under another name and moved into place, so a reader never sees half a token.
        Path temporary = Files.createTempFile(dir, ".keyless-authorization-", ".tmp");
        try {
            if (Files.getFileStore(temporary).supportsFileAttributeView("posix")) {
                Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
            }
            // No line break: botocore refuses a header value containing one.
            Files.writeString(temporary, value, StandardCharsets.UTF_8);
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
        return new AuthorizationToken(file, value, true);
    }

    /** The file clients read the token from. */
    Path file() {
        return file;
    }

    /** The exact header value; never to be printed or logged. */
    String value() {
        return value;
    }

    /** Removes the file if this token wrote it, so that a stopped server leaves no usable token behind. */
    void deleteIfCreated() {
        if (created) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // Best effort at shutdown; the token is worthless once the server is gone.
            }
        }
    }

    @Override
    public String toString() {
        return "AuthorizationToken[file=" + file + (created ? ", written by keyless serve" : "") + "]";
    }
}
