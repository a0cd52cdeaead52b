package dev.keyless.spring;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;

/**
 * What an ahead-of-time processed application (a GraalVM native image) needs from Keyless beyond what Spring
 * finds on its own: core and the starter look google-auth-library up by name
 * ({@code keyless.token-source=google-credentials}, and AUTO's last resort), so that lookup must see the class
 * when the application has the library. Everything else is plain code: the configuration properties, the
 * endpoint's operation and the beans Spring registers hints for itself; core parses JSON with the SDK's parser,
 * without reflection, and reads no resources.
 */
class KeylessRuntimeHints implements RuntimeHintsRegistrar {

    @Override
    public void registerHints(RuntimeHints hints, ClassLoader classLoader) {
        hints.reflection().registerTypeIfPresent(classLoader, KeylessFederation.GOOGLE_AUTH_CLASS, hint -> { });
    }
}
