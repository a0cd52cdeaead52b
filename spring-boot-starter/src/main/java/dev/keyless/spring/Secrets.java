package dev.keyless.spring;

import dev.keyless.internal.text.Escaping;
import dev.keyless.internal.text.Redaction;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Defence in depth for text the starter shows but did not write (exception messages from token sources, claim
 * values): their contract is to never carry the token, and this makes sure a health detail or endpoint field
 * does not either; and since a claim is attacker-controlled text, every control character, escape sequence and
 * bidi override in it is shown escaped. Core's {@link Redaction} and {@link Escaping} do the work, so the
 * starter and the library cannot drift apart. Stateless and thread-safe.
 */
final class Secrets {

    private Secrets() {
    }

    /** The text with anything that looks like a token, or a piece of one, redacted, and escaped. */
    static String scrub(String text) {
        return text == null ? null : Escaping.escape(Redaction.scrub(text));
    }

    /** {@code SimpleClassName: message}, scrubbed. */
    static String describe(Throwable e) {
        return e.getClass().getSimpleName() + ": " + scrub(e.getMessage());
    }

    /** A JSON-ready value with every string in it scrubbed, keys included. */
    @SuppressWarnings("unchecked")
    static Object scrubAll(Object value) {
        if (value instanceof String) {
            return scrub((String) value);
        }
        if (value instanceof Map) {
            Map<String, Object> scrubbed = new LinkedHashMap<>();
            ((Map<Object, Object>) value).forEach((k, v) -> scrubbed.put(scrub(String.valueOf(k)), scrubAll(v)));
            return scrubbed;
        }
        if (value instanceof List) {
            List<Object> scrubbed = new ArrayList<>();
            ((List<Object>) value).forEach(v -> scrubbed.add(scrubAll(v)));
            return scrubbed;
        }
        return value;
    }
}
