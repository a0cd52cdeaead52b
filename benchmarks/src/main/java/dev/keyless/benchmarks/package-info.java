/**
 * JMH benchmarks of Keyless's {@code WebIdentityCredentialsProvider} side by side with the AWS SDK's
 * providers ({@link dev.keyless.benchmarks.Contender}). They compile in the normal build and run only from
 * {@code benchmarks/run.sh} or {@code java -jar benchmarks/target/benchmarks.jar}.
 */
package dev.keyless.benchmarks;
