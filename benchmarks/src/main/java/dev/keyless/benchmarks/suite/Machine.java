package dev.keyless.benchmarks.suite;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The machine and JVM a run happened on, read from {@code /proc} where it exists.
 *
 * @param cores the processors the JVM may use
 * @param cpuModel the CPU's model name, or "unknown"
 * @param memoryBytes total memory, or 0 if unknown
 * @param os the OS name, version and architecture
 * @param jdk the JVM's vendor, name and version
 * @param loadAverage the 1/5/15-minute load averages, or "unknown"
 */
public record Machine(int cores, String cpuModel, long memoryBytes, String os, String jdk, String loadAverage) {

    /**
     * Describes this machine and this JVM now.
     *
     * @return the description
     */
    public static Machine describe() {
        String cpu = proc("/proc/cpuinfo").stream().filter(l -> l.startsWith("model name"))
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
        long memory = proc("/proc/meminfo").stream().filter(l -> l.startsWith("MemTotal:"))
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024).findFirst().orElse(0L);
        return new Machine(Runtime.getRuntime().availableProcessors(), cpu, memory,
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"),
                System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " "
                        + System.getProperty("java.runtime.version"),
                loadAverageNow());
    }

    /**
     * The 1/5/15-minute load averages now.
     *
     * @return e.g. {@code 1.02 0.87 0.55}, or "unknown"
     */
    public static String loadAverageNow() {
        List<String> lines = proc("/proc/loadavg");
        if (lines.isEmpty()) {
            return "unknown";
        }
        String[] parts = lines.get(0).split("\\s+");
        return parts.length >= 3 ? parts[0] + " " + parts[1] + " " + parts[2] : "unknown";
    }

    /**
     * Total memory for people.
     *
     * @return e.g. {@code 23.4 GiB}
     */
    public String memory() {
        return memoryBytes == 0 ? "unknown" : String.format(Locale.ROOT, "%.1f GiB", memoryBytes / (1024.0 * 1024 * 1024));
    }

    private static List<String> proc(String file) {
        try {
            return Files.readAllLines(Path.of(file));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }
}
