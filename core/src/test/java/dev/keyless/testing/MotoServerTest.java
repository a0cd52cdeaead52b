package dev.keyless.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MotoServerTest {

    @Test
    void locate_notOnPath_failsWithTheInstallCommand(@TempDir Path empty) {
        assertThatThrownBy(() -> MotoServer.locate(empty.toString()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("moto_server is not on PATH")
                .hasMessageContaining("pip install 'moto[server]'");
        assertThatThrownBy(() -> MotoServer.locate(null))
                .hasMessageContaining("pip install 'moto[server]'");
    }

    @Test
    void locate_skipsDirectoriesWithoutAnExecutable(@TempDir Path dir) throws IOException {
        Path notExecutable = Files.createDirectory(dir.resolve("a"));
        Files.writeString(notExecutable.resolve("moto_server"), "#!/bin/sh\n");
        Path executable = Files.createDirectory(dir.resolve("b"));
        Path moto = Files.createFile(executable.resolve("moto_server"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));

        assertThat(MotoServer.locate(notExecutable + File.pathSeparator + executable)).isEqualTo(moto);
    }

    @Test
    void endpoint_beforeTheExtensionStarted_explainsHowToUseIt() {
        assertThatThrownBy(() -> new MotoServer().endpoint())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("@ExtendWith(MotoServer.class)");
    }
}
