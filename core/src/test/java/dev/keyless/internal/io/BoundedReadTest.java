package dev.keyless.internal.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BoundedReadTest {

    @TempDir
    Path dir;

    /** As /dev/zero: never ends, and counts what was taken from it. */
    static final class Endless extends InputStream {
        final AtomicLong read = new AtomicLong();

        @Override
        public int read() {
            read.incrementAndGet();
            return 'a';
        }

        @Override
        public int read(byte[] b, int off, int len) {
            java.util.Arrays.fill(b, off, off + len, (byte) 'a');
            read.addAndGet(len);
            return len;
        }
    }

    @Test
    void utf8_endlessStream_stopsJustPastTheLimitAndSaysSo() {
        Endless endless = new Endless();
        assertThatThrownBy(() -> BoundedRead.utf8(endless, 1000, "Standard input"))
                .isInstanceOf(InputTooLargeException.class)
                .hasMessage("Standard input is more than 1000 bytes; the limit is 1000 bytes, and reading stopped there.");
        assertThat(endless.read.get()).isEqualTo(1001);
    }

    @Test
    void utf8_hugeSparseFile_isRefusedWithItsSizeBeforeReading() throws Exception {
        Path file = dir.resolve("token");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(3L * 1024 * 1024 * 1024);
        }
        assertThatThrownBy(() -> BoundedRead.utf8(file, BoundedRead.TOKEN_LIMIT, "Token file " + file))
                .isInstanceOf(InputTooLargeException.class)
                .hasMessage("Token file " + file + " is 3221225472 bytes; the limit is 32768 bytes, so it was not read.");
    }

    @Test
    void utf8_binaryFile_saysItIsNotText() throws Exception {
        Path file = dir.resolve("binary");
        Files.write(file, new byte[] {'e', 'y', (byte) 0xff, 0x00});
        assertThatThrownBy(() -> BoundedRead.utf8(file, 100, "Token file " + file))
                .isInstanceOf(NotTextException.class)
                .hasMessageContaining("Token file " + file + " is not text: the byte at offset 2 (0xff) is not UTF-8")
                .hasMessageNotContaining("Input length");
        Files.write(file, new byte[] {'a', 0x00, 'b'});
        assertThatThrownBy(() -> BoundedRead.utf8(file, 100, "Policy file"))
                .isInstanceOf(NotTextException.class).hasMessageContaining("a NUL byte at offset 1");
    }

    @Test
    void utf8_textWithinTheLimit_isReadWhole() throws Exception {
        byte[] text = "héllo".getBytes(StandardCharsets.UTF_8);
        assertThat(BoundedRead.utf8(new ByteArrayInputStream(text), text.length, "x")).isEqualTo("héllo");
        assertThat(BoundedRead.prefix(new Endless(), 10)).hasSize(10);
    }
}
