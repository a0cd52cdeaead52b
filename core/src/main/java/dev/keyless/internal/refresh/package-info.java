/**
 * The refresh machinery shared by every kind of credentials Keyless produces: the cache, single-flight
 * refresh, prefetch and stale times, jittered scheduling, and backoff after failures. Implementation
 * detail: nothing in this package is public API; it may change in any release without notice.
 */
package dev.keyless.internal.refresh;
