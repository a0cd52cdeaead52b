/**
 * Handling of text Keyless did not write itself: redaction of tokens ({@link dev.keyless.internal.text.Redaction})
 * and escaping of characters that could forge or hide output ({@link dev.keyless.internal.text.Escaping}).
 * Implementation detail: nothing in this package is public API; it may change in any release without notice.
 * Do not depend on it.
 */
package dev.keyless.internal.text;
