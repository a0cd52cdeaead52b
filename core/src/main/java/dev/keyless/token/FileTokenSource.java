package dev.keyless.token;

import dev.keyless.internal.io.BoundedRead;
import dev.keyless.internal.io.InputTooLargeException;
import dev.keyless.internal.io.NotTextException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Reads the token from a file on every fetch: the kubelet's projected service-account token, or any file
 * something else keeps fresh. Reads at most {@link BoundedRead#TOKEN_LIMIT} bytes, so a huge file or a device
 * such as {@code /dev/zero} fails with its size and the limit instead of exhausting memory; a file that is
 * not UTF-8 text fails saying so. Thread-safe.
 */
final class FileTokenSource implements TokenSource {

    /** The kubelet swaps {@code ..data} with a rename; a read that races the old directory's removal may see ENOENT. */
    private static final int READ_ATTEMPTS = 3;
    private static final long RETRY_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private static final String VOLUME_HINT = "Mount a projected volume with a serviceAccountToken source "
            + "(audience: sts.amazonaws.com, expirationSeconds: 3600) as a directory, and point "
            + "AWS_WEB_IDENTITY_TOKEN_FILE at the token inside it. Do not mount it with subPath: "
            + "subPath mounts never receive the kubelet's rotations.";

    private final Path path;
    private final String description;

    FileTokenSource(Path path) {
        this.path = path;
        this.description = "file " + path;
    }

    @Override
    public WebIdentityToken fetchToken() {
        String content = read();
        if (!content.isEmpty() && content.charAt(0) == '\uFEFF') {
            content = content.substring(1);
        }
        content = content.strip();
        if (content.isEmpty()) {
            throw TokenSourceException.configurationFailure("Token file " + path + " is empty. " + VOLUME_HINT, null);
        }
        try {
            return WebIdentityToken.of(content, description);
        } catch (TokenSourceException e) {
            throw TokenSourceException.configurationFailure(e.getMessage()
                    + " Check that the file holds only the token the kubelet wrote. " + VOLUME_HINT, e);
        }
    }

    private String read() {
        for (int attempt = 1; ; attempt++) {
            try {
                return BoundedRead.utf8(path, BoundedRead.TOKEN_LIMIT, "Token file " + path);
            } catch (NoSuchFileException e) {
                if (attempt < READ_ATTEMPTS && Files.isDirectory(path.toAbsolutePath().getParent())) {
                    // Most likely the kubelet's atomic swap; the new file is already in place.
                    LockSupport.parkNanos(RETRY_PAUSE_NANOS * attempt);
                    continue;
                }
                throw TokenSourceException.configurationFailure("Token file " + path + " does not exist. "
                        + VOLUME_HINT, e);
            } catch (InputTooLargeException | NotTextException e) {
                throw TokenSourceException.configurationFailure(e.getMessage() + " A web identity token is at most "
                        + WebIdentityToken.MAX_LENGTH + " characters of base64url text: check that " + path
                        + " is the token file. " + VOLUME_HINT, e);
            } catch (AccessDeniedException e) {
                throw TokenSourceException.configurationFailure("Token file " + path + " is not readable by this "
                        + "process (permission denied). The kubelet writes it with mode 0600 for the pod's user: "
                        + "set securityContext.fsGroup, or run every container as the same user, or set the "
                        + "volume's defaultMode (e.g. 0440).", e);
            } catch (IOException e) {
                if (Files.isDirectory(path)) {
                    throw TokenSourceException.configurationFailure("Token file " + path + " is a directory; "
                            + "point at the token file inside the projected volume. " + VOLUME_HINT, e);
                }
                throw TokenSourceException.transientFailure("Could not read token file " + path + ": " + e, e);
            }
        }
    }

    @Override
    public String toString() {
        return description;
    }
}
