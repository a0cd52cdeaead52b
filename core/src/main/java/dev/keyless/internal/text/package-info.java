/**
 * Handling of text Keyless did not write itself (redaction of tokens). Implementation detail: nothing in
 * this package is public API; it may change in any release without notice. Do not depend on it.
 */
package dev.keyless.internal.text;
