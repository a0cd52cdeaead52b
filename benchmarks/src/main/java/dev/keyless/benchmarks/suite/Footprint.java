package dev.keyless.benchmarks.suite;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What {@code keyless-core} adds to an application's runtime class path beyond {@code software.amazon.awssdk:sts}:
 * the jars on a consumer's class path with keyless-core that are not on one with sts alone (google-auth-library is
 * optional in keyless-core, so a consumer does not get it), from two {@code dependency:build-classpath} outputs.
 *
 * @param added the jars only the keyless-core consumer has, largest first
 * @param removed the jars only the sts consumer has (a version that keyless-core's dependencies mediated away)
 */
public record Footprint(List<Jar> added, List<Jar> removed) {

    /**
     * One jar.
     *
     * @param name the file name
     * @param bytes its size
     */
    public record Jar(String name, long bytes) {
    }

    /**
     * Compares two class paths as {@code dependency:build-classpath} writes them (one line, path separator).
     *
     * @param stsClasspath the class path file of a project depending on sts alone
     * @param keylessClasspath the class path file of a project depending on keyless-core
     * @return the difference
     * @throws IOException if a file cannot be read
     */
    public static Footprint compare(Path stsClasspath, Path keylessClasspath) throws IOException {
        Set<String> sts = entries(stsClasspath);
        Set<String> keyless = entries(keylessClasspath);
        if (sts.isEmpty() || keyless.isEmpty()) {
            throw new IOException("Empty class path in " + (sts.isEmpty() ? stsClasspath : keylessClasspath));
        }
        return new Footprint(jars(keyless, sts), jars(sts, keyless));
    }

    /**
     * The bytes added, net of any jar mediated away.
     *
     * @return added minus removed bytes
     */
    public long netBytes() {
        return added.stream().mapToLong(Jar::bytes).sum() - removed.stream().mapToLong(Jar::bytes).sum();
    }

    private static List<Jar> jars(Set<String> these, Set<String> notThose) throws IOException {
        List<Jar> jars = new ArrayList<>();
        for (String entry : these) {
            if (!notThose.contains(entry)) {
                Path jar = Path.of(entry);
                jars.add(new Jar(jar.getFileName().toString(), Files.size(jar)));
            }
        }
        jars.sort(Comparator.comparingLong(Jar::bytes).reversed());
        return jars;
    }

    private static Set<String> entries(Path classpathFile) throws IOException {
        String line = Files.readString(classpathFile).trim();
        return Arrays.stream(line.split(File.pathSeparator)).map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toCollection(LinkedHashSet::new));
    }
}
