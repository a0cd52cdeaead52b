package dev.keyless.benchmarks.suite;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ScaleTest {

    private static final String FILE = "# Benchmarks\n\n## Footprint\n\nx\n\n## How it is measured\n\n- y\n\n"
            + Report.ANALYSIS_MARKER + "\n\n## Analysis\n\nz\n";

    @Test
    void splice_noSectionYet_insertsItBeforeHowItIsMeasured() {
        String out = Scale.splice(FILE, "fleet", "## Fleet\n\nfigures 1\n");

        assertThat(out).contains("x\n\n" + Scale.begin("fleet") + "\n## Fleet\n\nfigures 1\n" + Scale.end("fleet")
                + "\n\n## How it is measured");
        assertThat(out).endsWith("## Analysis\n\nz\n");
    }

    @Test
    void splice_sectionThere_replacesOnlyIt() {
        String once = Scale.splice(Scale.splice(FILE, "fleet", "## Fleet\n\nfigures 1"), "providers", "## Many\n\np");
        String twice = Scale.splice(once, "fleet", "## Fleet\n\nfigures 2");

        assertThat(twice).contains("figures 2").doesNotContain("figures 1").contains("## Many\n\np");
        assertThat(twice.replace("figures 2", "figures 1")).isEqualTo(once);
    }

    @Test
    void section_isWhatReportCarriesOver() {
        String out = Scale.splice(FILE, "providers", "## Many\n\np");

        assertThat(Scale.section(out, "providers")).startsWith(Scale.begin("providers")).endsWith(Scale.end("providers"));
        assertThat(Scale.section(FILE, "providers")).isNull();
    }
}
