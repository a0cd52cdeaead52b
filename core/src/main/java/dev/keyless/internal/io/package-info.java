/**
 * Reading input whose size Keyless does not control (token files, policy files, server answers) with a bound
 * on how much is read. Implementation detail: nothing in this package is public API; it may change in any
 * release without notice. Do not depend on it.
 */
package dev.keyless.internal.io;
