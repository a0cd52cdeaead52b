package dev.keyless.samples.demo;

import com.nimbusds.jwt.JWTClaimsSet;
import java.util.List;
import java.util.Objects;

/**
 * Demo fixture, not part of Keyless: the trust policy of one {@link LocalSts} role, reduced to the two
 * conditions a safe policy for a GKE token pins, {@code StringEquals} on {@code ISSUER:aud} and
 * {@code ISSUER:sub}. The issuer itself is checked by {@link LocalSts}, as AWS checks it against the
 * account's IAM OIDC provider.
 *
 * <p>A later issue replaces this class with the real {@code TrustPolicyEvaluator}, which reads an IAM trust
 * policy document; keep this rule this small until then.
 *
 * @param audience the {@code aud} the role admits, for example {@code sts.amazonaws.com}
 * @param subject the {@code sub} the role admits, for example
 *     {@code system:serviceaccount:checkout:checkout-api}
 */
public record DemoTrustRule(String audience, String subject) {

    /**
     * Checks both values are given.
     *
     * @param audience the {@code aud} the role admits
     * @param subject the {@code sub} the role admits
     */
    public DemoTrustRule {
        Objects.requireNonNull(audience, "audience");
        Objects.requireNonNull(subject, "subject");
    }

    /**
     * Whether a verified token's claims satisfy the rule.
     *
     * @param claims the claims of a token whose signature and expiry were already checked
     * @return {@code true} if the token's audience contains {@link #audience()} and its subject is {@link #subject()}
     */
    public boolean admits(JWTClaimsSet claims) {
        List<String> aud = claims.getAudience();
        return aud != null && aud.contains(audience) && subject.equals(claims.getSubject());
    }

    /** Shows the conditions, for the demo's output. */
    @Override
    public String toString() {
        return "aud=" + audience + ", sub=" + subject;
    }
}
