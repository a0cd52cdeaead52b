/**
 * Scale: many providers in one JVM ({@link dev.keyless.benchmarks.scale.ManyProviders}, one fresh JVM per
 * contender and count) and a fleet of pods against one account's STS
 * ({@link dev.keyless.benchmarks.scale.FleetReport}, core's {@code FleetSimulation} in full). Not JMH: what is
 * measured is threads, heap and STS traffic, not time per call. Run by {@code benchmarks/run.sh --only
 * providers,fleet}.
 */
package dev.keyless.benchmarks.scale;
