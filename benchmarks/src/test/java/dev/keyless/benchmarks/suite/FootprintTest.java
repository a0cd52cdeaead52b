package dev.keyless.benchmarks.suite;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FootprintTest {

    @TempDir
    Path dir;

    @Test
    void compare_countsTheJarsOnlyTheKeylessClasspathHas_netOfMediatedVersions() throws Exception {
        Path shared = jar("sdk-core-2.0.jar", 500);
        Path oldUtils = jar("utils-1.0.jar", 40);
        Path newUtils = jar("utils-1.1.jar", 50);
        Path nimbus = jar("nimbus-jose-jwt.jar", 800);
        Path core = jar("keyless-core.jar", 100);
        Path sts = classpath("sts.classpath", shared, oldUtils);
        Path keyless = classpath("keyless.classpath", shared, newUtils, nimbus, core);

        Footprint footprint = Footprint.compare(sts, keyless);

        assertThat(footprint.added()).extracting(Footprint.Jar::name)
                .containsExactly("nimbus-jose-jwt.jar", "keyless-core.jar", "utils-1.1.jar");
        assertThat(footprint.removed()).extracting(Footprint.Jar::name).containsExactly("utils-1.0.jar");
        assertThat(footprint.netBytes()).isEqualTo(800 + 100 + 50 - 40);
    }

    private Path jar(String name, int bytes) throws Exception {
        return Files.write(dir.resolve(name), new byte[bytes]);
    }

    private Path classpath(String name, Path... jars) throws Exception {
        StringBuilder line = new StringBuilder();
        for (Path jar : jars) {
            line.append(line.length() == 0 ? "" : File.pathSeparator).append(jar);
        }
        return Files.writeString(dir.resolve(name), line + "\n");
    }
}
