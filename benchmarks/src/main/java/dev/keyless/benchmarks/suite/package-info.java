/**
 * Runs every benchmark through JMH's API and writes {@code BENCHMARKS.md}
 * ({@link dev.keyless.benchmarks.suite.Suite}).
 */
package dev.keyless.benchmarks.suite;
