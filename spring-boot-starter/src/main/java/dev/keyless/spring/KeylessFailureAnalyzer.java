package dev.keyless.spring;

import dev.keyless.WebIdentityCredentialsException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a {@code keyless.fail-fast} failure into Spring Boot's "APPLICATION FAILED TO START" report: the
 * diagnosis as the description, what to do as the action. Registered in {@code META-INF/spring.factories}.
 */
final class KeylessFailureAnalyzer extends AbstractFailureAnalyzer<KeylessFailFastException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, KeylessFailFastException cause) {
        WebIdentityCredentialsException diagnosis = cause.diagnosis();
        String description = "Keyless could not get AWS credentials for role " + diagnosis.roleArn()
                + (diagnosis.stsErrorCode() == null ? "" : " (STS said " + diagnosis.stsErrorCode() + ")")
                + ", and keyless.fail-fast=true stops the application:\n\n" + Secrets.scrub(diagnosis.getMessage());
        String action = "Fix what the diagnosis names: the role's trust policy, the token file or source, or "
                + "keyless.role-arn. With the actuator, the keyless endpoint shows the token's claims and the trust "
                + "policy that would admit it. To start anyway and let Keyless keep retrying in the background, "
                + "set keyless.fail-fast=false.";
        return new FailureAnalysis(description, action, cause);
    }
}
