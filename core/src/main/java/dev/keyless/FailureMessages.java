package dev.keyless;

import dev.keyless.diagnostics.AssumeRoleCall;
import dev.keyless.diagnostics.TokenInspector;
import dev.keyless.diagnostics.TrustPolicies;
import dev.keyless.internal.text.Escaping;
import dev.keyless.internal.text.Redaction;
import dev.keyless.token.TokenSources;
import dev.keyless.token.WebIdentityToken;
import java.util.List;
import software.amazon.awssdk.arns.Arn;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * Writes the message of a failed refresh: what failed, the role ARN, where the token came from and its
 * non-secret claims, the likely cause and the fix. Never the token, nor any piece of it.
 *
 * <p>The message is one line: claim values and STS's words are attacker-controllable text, so every control
 * character, newline, escape sequence and bidi override in them is shown escaped ({@link Escaping}), and a
 * value cannot split or forge a log line.
 */
final class FailureMessages {

    private FailureMessages() {
    }

    /**
     * The message for one failed attempt.
     *
     * @param kind the classified failure
     * @param error what was thrown
     * @param roleArn the role being assumed
     * @param tokenSource a description of the token source
     * @param token the token that was sent, or {@code null} if none was obtained
     * @param hops the calls a refresh makes, 1 without chained roles
     * @return the message
     */
    static String describe(FailureKind kind, Throwable error, String roleArn, String tokenSource,
                                  WebIdentityToken token, int hops) {
        StringBuilder sb = new StringBuilder();
        sb.append("Could not assume role ").append(roleArn).append(" with a web identity token")
                .append(hops > 1 ? " (hop 1 of " + hops + "): " : ": ");
        String what = what(kind, error);
        sb.append(what.endsWith(".") ? what : what + ".");
        if (token != null) {
            sb.append(" Token from ").append(token.source()).append(": ").append(token.describeClaims()).append('.');
        } else {
            sb.append(" Token source: ").append(tokenSource).append('.');
        }
        String cause = likelyCause(kind, roleArn, token);
        if (cause != null) {
            sb.append(' ').append(cause);
        }
        // Keyless's own words hold no control characters; whatever is escaped here came from elsewhere.
        return Escaping.escape(Redaction.scrub(sb.toString(), token == null ? null : token.value()));
    }

    /**
     * The message for a failed {@code AssumeRole} call at a chained hop. An external ID is never shown.
     *
     * @param kind the classified failure
     * @param error what was thrown
     * @param hop the hop that failed, 2 or more
     * @param hops the calls a refresh makes
     * @param call the call that failed
     * @param callerArn the session that made it, as STS named it
     * @return the message
     */
    static String describeHop(FailureKind kind, Throwable error, int hop, int hops, AssumeRoleCall call,
            String callerArn) {
        StringBuilder sb = new StringBuilder();
        sb.append("Could not assume role ").append(call.roleArn()).append(" (hop ").append(hop).append(" of ")
                .append(hops).append(", sts:AssumeRole as ").append(callerArn).append("): ");
        String what = what(kind, error);
        sb.append(what.endsWith(".") ? what : what + ".");
        String cause = likelyHopCause(kind, error, call);
        if (cause != null) {
            sb.append(' ').append(cause);
        }
        return Escaping.escape(Redaction.scrub(sb.toString()));
    }

    private static String likelyHopCause(FailureKind kind, Throwable error, AssumeRoleCall call) {
        switch (kind) {
            case ACCESS_DENIED:
                return accessDeniedAtHop(error, call);
            case STS_EXPIRED_TOKEN:
                return "Likely cause: the previous hop's session had expired when it signed the call; the next "
                        + "attempt starts again from the web identity token.";
            case VALIDATION:
                return "Likely cause: a parameter of this hop is out of range: its sessionDuration above the role's "
                        + "MaxSessionDuration, or a session tag or source identity STS refuses (a source identity "
                        + "set at an earlier hop cannot change).";
            case SESSION_POLICY:
                return "Likely cause: this hop's session policy or session tags are malformed or too large once "
                        + "packed; remove or shrink them.";
            case REGION_DISABLED:
                return "Likely cause: STS is not activated in this region for the account of the previous hop's "
                        + "role; activate it in IAM account settings or use another region.";
            case STS_UNAVAILABLE:
                return "STS was throttled or unreachable; retried with backoff while cached credentials last.";
            case STS_OTHER:
                return "InvalidClientTokenId".equals(errorCode(error))
                        ? "Likely cause: STS did not recognise the previous hop's credentials; the next attempt starts "
                            + "again from the web identity token." : null;
            default:
                return null;
        }
    }

    /**
     * AccessDenied on {@code AssumeRole} has two causes, and STS's words tell them apart only sometimes: the
     * target's trust policy does not trust the caller, or the caller's permissions do not allow the call.
     */
    /** STS's error code in {@code error}, or {@code null} if STS did not answer with one. */
    static String errorCode(Throwable error) {
        return error instanceof AwsServiceException && ((AwsServiceException) error).awsErrorDetails() != null
                ? ((AwsServiceException) error).awsErrorDetails().errorCode() : null;
    }

    private static String accessDeniedAtHop(Throwable error, AssumeRoleCall call) {
        String said = error instanceof AwsServiceException && ((AwsServiceException) error).awsErrorDetails() != null
                ? String.valueOf(((AwsServiceException) error).awsErrorDetails().errorMessage()) : "";
        // The external ID stays out of log lines: the policy shows where it goes, not what it is.
        AssumeRoleCall shown = call.externalId() == null ? call : new AssumeRoleCall(call.callerRoleArn(),
                call.roleArn(), "<the external ID you set>", call.sessionTags(), call.transitiveTagKeys(),
                call.sourceIdentity());
        String actions = String.join(", ", call.requiredActions());
        String trust = "the trust policy of role " + call.roleArn() + " must trust role " + call.callerRoleArn()
                + ": Principal.AWS " + call.callerRoleArn() + ", Action " + actions
                + (call.externalId() == null ? "" : ", and StringEquals sts:ExternalId") + ", as in "
                + TrustPolicies.trustPolicyJson(shown, false);
        String permissions = "the permissions policy of role " + call.callerRoleArn() + " must allow " + actions
                + " on " + call.roleArn() + ", as in " + TrustPolicies.callerPermissionsJson(call, false);
        String check = " Check the trust policy offline with: keyless check-policy --policy-file <its trust policy "
                + "JSON> --caller-role-arn " + call.callerRoleArn() + " --role-arn " + call.roleArn() + ".";
        if (said.contains("no identity-based policy allows")) {
            return "Likely cause, as STS says: " + permissions + "." + check;
        }
        if (said.contains("no resource-based policy allows") || said.contains("trust policy")) {
            return "Likely cause, as STS says: " + trust + "." + check;
        }
        return "Two things must both allow this call, and either may be missing: (1) " + trust + "; (2) "
                + permissions + "." + check;
    }

    private static String what(FailureKind kind, Throwable error) {
        if (error instanceof AwsServiceException) {
            AwsServiceException e = (AwsServiceException) error;
            String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
            String text = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
            return "STS answered " + e.statusCode() + (code == null ? " without an error code" : " " + code)
                    + (text == null ? "" : " (\"" + Redaction.scrub(text) + "\")")
                    + (e.requestId() == null ? "" : ", request id " + e.requestId());
        }
        if (kind == FailureKind.TOKEN_SOURCE_CONFIGURATION || kind == FailureKind.TOKEN_SOURCE_TRANSIENT
                || kind == FailureKind.TOKEN_EXPIRED || kind == FailureKind.UNUSABLE_RESPONSE) {
            return "no usable token or credentials: " + Redaction.scrub(error.getMessage());
        }
        return Redaction.scrub(String.valueOf(error.getMessage())) + " (" + error.getClass().getSimpleName() + ")";
    }

    private static String likelyCause(FailureKind kind, String roleArn, WebIdentityToken token) {
        switch (kind) {
            case ACCESS_DENIED:
                return "Likely cause: the role's trust policy does not admit this token. " + matchingPolicy(roleArn, token);
            case INVALID_IDENTITY_TOKEN:
                if (isGkeWithoutStsAudience(token)) {
                    return "Likely cause: the token's aud is " + audience(token) + ", not sts.amazonaws.com: the "
                            + "projected volume's serviceAccountToken source lacks audience: sts.amazonaws.com, so "
                            + "the kubelet minted a token for the cluster itself. Set that audience on the volume; "
                            + "do not add the cluster's URL to the IAM OIDC provider's client ID list.";
                }
                return "Likely cause: STS cannot validate the token's issuer or signature. "
                        + (token != null && isGoogle(token)
                            ? "Google tokens need no IAM OIDC provider; check the token's issuer and audience."
                            : "Check that the role's account has an IAM OIDC provider for "
                                + issuerHost(token) + " whose client ID list contains " + audience(token)
                                + ", and that the issuer's /.well-known/openid-configuration and JWKS are "
                                + "publicly reachable. (aws iam list-open-id-connect-providers)");
            case STS_EXPIRED_TOKEN:
            case TOKEN_EXPIRED:
                return "Likely cause: the token is not being refreshed. A projected token mounted with subPath "
                        + "never receives the kubelet's rotations: mount the projected volume as a directory. "
                        + "Also check the node's clock.";
            case IDP_REJECTED_CLAIM:
                return "Likely cause: the identity provider rejected one of the token's claims; check the OIDC "
                        + "provider's client ID list and the token's audience.";
            case IDP_COMMUNICATION:
                return "STS could not reach the issuer to fetch its signing keys; this is usually transient and "
                        + "is retried with backoff.";
            case SESSION_POLICY:
                return "Likely cause: the session policy set with policy(...) or policyArns(...) is malformed or "
                        + "too large once packed; remove or shrink it.";
            case VALIDATION:
                return "Likely cause: a request parameter is out of range, most often sessionDuration above the "
                        + "role's MaxSessionDuration (aws iam get-role --role-name NAME).";
            case REGION_DISABLED:
                return "Likely cause: STS is not activated in this region for the role's account; activate it "
                        + "in IAM account settings or use another region.";
            case STS_UNAVAILABLE:
                return "STS was throttled or unreachable; retried with backoff while cached credentials last.";
            default:
                return null;
        }
    }

    private static String matchingPolicy(String roleArn, WebIdentityToken token) {
        if (token == null) {
            return "";
        }
        String account = Arn.tryFromString(roleArn).flatMap(Arn::accountId).orElse(null);
        try {
            String policy = TrustPolicies.trustPolicyJson(TokenInspector.inspect(token), account, false);
            return "A trust policy that admits exactly this token: " + policy
                    + (isGoogle(token) ? " (AWS compares accounts.google.com:aud with the token's azp)." : "")
                    + " Check the role's current policy offline with: keyless check-policy --policy-file <its trust policy JSON> --role-arn " + roleArn + ".";
        } catch (IllegalArgumentException e) {
            return "The token lacks the claims a trust policy needs: " + e.getMessage();
        }
    }

    private static boolean isGoogle(WebIdentityToken token) {
        return token.claims().isGoogle();
    }

    private static boolean isGkeWithoutStsAudience(WebIdentityToken token) {
        return token != null && token.claims().isGke()
                && !token.claims().audience().contains(TokenSources.STS_AUDIENCE);
    }

    private static String issuerHost(WebIdentityToken token) {
        if (token == null || token.claims().issuer() == null) {
            return "the token's issuer";
        }
        return TrustPolicies.oidcProviderName(token.claims().issuer());
    }

    private static String audience(WebIdentityToken token) {
        if (token == null) {
            return "the token's audience";
        }
        List<String> aud = token.claims().audience();
        return aud.size() == 1 ? aud.get(0) : String.join(",", aud);
    }
}
