package dev.keyless.diagnostics;

import java.util.List;
import java.util.function.Function;

/**
 * What a request holds for one condition key, and how to talk about it: the values (none when the request does
 * not carry the key), or that its values cannot be known offline; whether the key is compared with something
 * other than its name suggests; whether it is multivalued; whether its values must never be shown. Built by a
 * {@link PolicyRequest} for one condition and read by {@link TrustPolicyEvaluator}; not shared across threads.
 */
final class KeyValues {

    final List<String> values;
    final boolean known;
    final String absence;
    String mapping;
    Function<List<String>, String> misreading = wanted -> null;
    boolean multiValued;
    boolean singleValued;
    boolean secret;
    String warning;

    private KeyValues(List<String> values, boolean known, String absence) {
        this.values = List.copyOf(values);
        this.known = known;
        this.absence = absence;
    }

    /** The request carries the key with these values. */
    static KeyValues of(List<String> values) {
        return new KeyValues(values, true, "");
    }

    /** The request does not carry the key; {@code why} finishes "no such value", as " (the call sends none)". */
    static KeyValues absent(String why) {
        return new KeyValues(List.of(), true, why);
    }

    /** Whether and with what value the request carries the key cannot be known offline; {@code why} says so. */
    static KeyValues unknown(String why) {
        return new KeyValues(List.of(), false, why);
    }

    /**
     * The key is compared with something other than its name suggests (rule: every such mapping is named).
     *
     * @param mapping what it is compared with, and what the user may have meant: "accounts.google.com:aud is
     *     compared with the token's azp ("1"), not its aud ("2"); for aud use accounts.google.com:oaud"
     * @param misreading given the policy's values when the condition fails, the sentence that replaces
     *     {@code mapping} to say the user clearly meant the other one, or {@code null}
     */
    KeyValues mapped(String mapping, Function<List<String>, String> misreading) {
        this.mapping = mapping;
        this.misreading = misreading;
        return this;
    }

    /** IAM documents the key as multivalued: it needs {@code ForAllValues:} or {@code ForAnyValue:}. */
    KeyValues multiValued() {
        this.multiValued = true;
        return this;
    }

    /** IAM documents the key as single-valued: a set operator on it can admit more than meant. */
    KeyValues singleValued() {
        this.singleValued = true;
        return this;
    }

    /** The values (and the policy's) are never shown: an external ID. */
    KeyValues secret() {
        this.secret = true;
        return this;
    }

    /** A warning for the verdict: the key is one this kind of call never carries. */
    KeyValues warning(String warning) {
        this.warning = warning;
        return this;
    }
}
