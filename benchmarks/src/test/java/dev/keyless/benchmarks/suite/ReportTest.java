package dev.keyless.benchmarks.suite;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReportTest {

    private static final Machine MACHINE = new Machine(2, "Test CPU", 1L << 34, "Linux", "JDK 17", "1.00 1.00 1.00");

    @Test
    void markdown_keepsTheHandWrittenAnalysisOfThePreviousFile() {
        String previous = "# Benchmarks\n\nold figures\n\n" + Report.ANALYSIS_MARKER + "\n\n## Analysis\n\nWhy.\n";

        String markdown = report(new Results()).markdown(previous);

        assertThat(markdown).doesNotContain("old figures").endsWith(Report.ANALYSIS_MARKER + "\n\n## Analysis\n\nWhy.\n");
    }

    @Test
    void markdown_judgesEachTargetFromTheFigures() {
        Results results = new Results();
        results.hotPath.add(new Results.HotPath("keyless", 1, 20, 1, 0.001));
        results.hotPath.add(new Results.HotPath("keyless", 4, 30, 1, 0.001));
        results.hotPath.add(new Results.HotPath("sdk", 1, 60, 1, 16));
        results.hotPath.add(new Results.HotPath("sdk", 4, 50, 1, 16));
        results.footprint = new Footprint(List.of(new Footprint.Jar("nimbus.jar", 1_200_000)), List.of());

        String markdown = report(results).markdown("");

        assertThat(markdown)
                .contains("| hot path, 1 thread | 20.0 ns | 60.0 ns (`sdk`, the fastest SDK provider) | 0.33 | ≤ 0.5 | met |")
                .contains("| hot path, 4 threads | 30.0 ns | 50.0 ns (`sdk`, the fastest SDK provider) | 0.60 | ≤ 0.5 | **missed** |")
                .contains("| hot path, allocation | ≈ 0 (0.001) B/op | 16 B/op to 16 B/op | | 0 B/op | met |")
                .contains("1,200,000 B (1.20 MB) | (baseline) | | ≤ 1 MB (10⁶ B) | **missed** |")
                .contains(Report.ANALYSIS_MARKER);
    }

    @Test
    void markdown_servesSectionBesideItsFloor_onlyWhenMeasured() {
        Results results = new Results();
        assertThat(report(results).markdown("")).doesNotContain("## keyless serve");
        results.serve.add(new Results.Serve("serve", 1, 446.1, 35.8));
        results.serve.add(new Results.Serve("static", 1, 456.6, 59.4));
        results.serve.add(new Results.Serve("serve", 64, 14_253.9, 3_156.6));

        String markdown = report(results).markdown("");

        assertThat(markdown).contains("## keyless serve")
                .contains("| `serve` | 446 µs ± 36 | 14,254 µs ± 3,157 |")
                .contains("| `static` | 457 µs ± 59 | – |");
    }

    private static Report report(Results results) {
        return new Report(MACHINE, "1.00 1.00 1.00", "abc1234", Instant.parse("2026-01-01T00:00:00Z"),
                Duration.ofMinutes(8), Duration.ofMinutes(7), false, results);
    }
}
