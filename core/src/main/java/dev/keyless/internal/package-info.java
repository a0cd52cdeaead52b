/**
 * Keyless's implementation details. Nothing in this package is public API: it may change in any release
 * without notice. Do not depend on it.
 */
package dev.keyless.internal;
