package dev.keyless.spring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.TypeReference;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.boot.test.context.FilteredClassLoader;

/** {@link KeylessRuntimeHints}: what a native image needs that Spring does not find on its own. */
class KeylessRuntimeHintsTest {

    private static final TypeReference GOOGLE_CREDENTIALS = TypeReference.of(KeylessFederation.GOOGLE_AUTH_CLASS);

    @Test
    void googleAuthLibraryOnTheClasspath_itsClassCanBeLookedUpByName() {
        RuntimeHints hints = new RuntimeHints();
        new KeylessRuntimeHints().registerHints(hints, getClass().getClassLoader());

        assertThat(RuntimeHintsPredicates.reflection().onType(GOOGLE_CREDENTIALS)).accepts(hints);
    }

    @Test
    void withoutGoogleAuthLibrary_noHint() {
        RuntimeHints hints = new RuntimeHints();
        new KeylessRuntimeHints().registerHints(hints, new FilteredClassLoader("com.google.auth"));

        assertThat(RuntimeHintsPredicates.reflection().onType(GOOGLE_CREDENTIALS)).rejects(hints);
    }
}
