package dev.keyless.spring;

import dev.keyless.WebIdentityCredentialsException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a {@code keyless.fail-fast} failure into Spring Boot's "APPLICATION FAILED TO START" report: the
 * diagnosis as the description, what to do as the action; at a chained role, the hop, its role and its caller,
 * and the {@code chain} property that configures the hop. Registered in {@code META-INF/spring.factories}.
 */
final class KeylessFailureAnalyzer extends AbstractFailureAnalyzer<KeylessFailFastException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, KeylessFailFastException cause) {
        WebIdentityCredentialsException diagnosis = cause.diagnosis();
        String prefix = KeylessFederation.prefix(cause.provider());
        boolean chainedHop = diagnosis.hop() >= 2;
        String where = chainedHop
                ? " at hop " + diagnosis.hop() + " of the role chain, sts:AssumeRole of role " + diagnosis.roleArn()
                        + " as " + Secrets.scrub(diagnosis.callerArn())
                : " for role " + diagnosis.roleArn();
        String description = "Keyless could not get AWS credentials" + where
                + (KeylessFederation.DEFAULT_NAME.equals(cause.provider()) ? "" : " (provider " + prefix + ")")
                + (diagnosis.stsErrorCode() == null ? "" : " (STS said " + diagnosis.stsErrorCode() + ")")
                + ", and keyless.fail-fast=true stops the application:\n\n" + Secrets.scrub(diagnosis.getMessage());
        String fix = chainedHop
                ? "Fix what the diagnosis names: the trust policy of role " + diagnosis.roleArn() + " must trust the "
                        + "role before it, and that role's permissions must allow sts:AssumeRole on it; or correct "
                        + prefix + ".chain[" + (diagnosis.hop() - 2) + "]."
                : "Fix what the diagnosis names: the role's trust policy, the token file or source, or "
                        + prefix + ".role-arn.";
        String action = fix + " With the actuator, the keyless endpoint shows the token's claims, the trust policy "
                + "that would admit it and the hops of the chain. To start anyway and let Keyless keep retrying in the "
                + "background, set keyless.fail-fast=false.";
        return new FailureAnalysis(description, action, cause);
    }
}
