package dev.keyless.internal.text;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EscapingTest {

    @Test
    void escape_plainAndNonAsciiText_isUnchanged() {
        assertThat(Escaping.escape("system:serviceaccount:checkout:api Zoë 東京 😀")).isEqualTo(
                "system:serviceaccount:checkout:api Zoë 東京 😀");
    }

    @Test
    void escape_newlinesAndTabs_becomeVisible() {
        assertThat(Escaping.escape("a\nb\rc\td")).isEqualTo("a\\nb\\rc\\td");
    }

    @Test
    void escape_ansiSequence_losesItsEscape() {
        assertThat(Escaping.escape("\u001b[31mred\u001b[0m")).isEqualTo("\\u001b[31mred\\u001b[0m");
    }

    @Test
    void escape_c1ControlsDelAndNul_becomeVisible() {
        assertThat(Escaping.escape("\u0000\u007f\u009b")).isEqualTo("\\u0000\\u007f\\u009b");
    }

    @Test
    void escape_bidiOverridesZeroWidthAndSeparators_becomeVisible() {
        assertThat(Escaping.escape("a\u202eb\u2066c\u200bd\ufeffe\u2028f")).isEqualTo(
                "a\\u202eb\\u2066c\\u200bd\\ufeffe\\u2028f");
    }

    @Test
    void escape_unpairedSurrogate_becomesVisible() {
        assertThat(Escaping.escape("x\ud800y")).isEqualTo("x\\ud800y");
    }

    @Test
    void escape_null_isTheWordNull() {
        assertThat(Escaping.escape(null)).isEqualTo("null");
        assertThat(Escaping.isSafe("plain")).isTrue();
        assertThat(Escaping.isSafe("two\nlines")).isFalse();
    }
}
