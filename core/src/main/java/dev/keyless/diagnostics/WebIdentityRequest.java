package dev.keyless.diagnostics;

import dev.keyless.jwt.Claims;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import software.amazon.awssdk.policybuilder.iam.IamCondition;
import software.amazon.awssdk.policybuilder.iam.IamEffect;
import software.amazon.awssdk.policybuilder.iam.IamPrincipal;
import software.amazon.awssdk.policybuilder.iam.IamPrincipalType;
import software.amazon.awssdk.policybuilder.iam.IamStatement;

/**
 * An {@code AssumeRoleWithWebIdentity} call with a token, as the role's trust policy sees it: the token's
 * identity provider as IAM names it ({@code accounts.google.com} for Google tokens, else the role account's
 * {@code oidc-provider/<issuer without https://>}) and its condition keys, mapped to claims as STS maps them:
 * {@code <issuer>:aud}, {@code :sub} and {@code :amr} for OIDC providers; for Google,
 * {@code accounts.google.com:aud} is the token's {@code azp} when present (else {@code aud}), {@code :oaud} is
 * {@code aud}, {@code :sub} is {@code sub} (IAM User Guide, "IAM and AWS STS condition context keys").
 */
final class WebIdentityRequest implements PolicyRequest {

    static final String ACTION = "sts:AssumeRoleWithWebIdentity";
    private static final String GOOGLE_PROVIDER = "accounts.google.com";
    /** Keys only a call signed by an AWS principal carries: never an {@code AssumeRoleWithWebIdentity} call. */
    private static final Set<String> ASSUME_ROLE_ONLY_KEYS = Set.of("sts:externalid", "aws:principalarn");
    /** {@link TokenInspector}'s findings that STS refuses a token for, whatever the trust policy. */
    private static final Set<String> REFUSING_FINDINGS = Set.of("expired", "clock-skew", "claim-type", "insecure-issuer");
    private static final Pattern OIDC_PROVIDER_ARN = Pattern.compile("arn:aws[a-z-]*:iam::(\\d{12}):oidc-provider/(.+)");

    private final String roleArn;
    private final String account;
    private final String issuer;
    private final boolean google;
    private final String keyPrefix;
    private final String principal;
    private final Map<String, Object> claims;
    private final Instant now;

    private WebIdentityRequest(String roleArn, String account, String issuer, boolean google, String keyPrefix,
                               String principal, Map<String, Object> claims, Instant now) {
        this.roleArn = roleArn;
        this.account = account;
        this.issuer = issuer;
        this.google = google;
        this.keyPrefix = keyPrefix;
        this.principal = principal;
        this.claims = claims;
        this.now = now;
    }

    static WebIdentityRequest of(Map<String, Object> claims, String roleArn, String account, Instant now) {
        String iss = claims.get("iss") == null ? "" : claims.get("iss").toString();
        boolean google = iss.equals("https://" + GOOGLE_PROVIDER) || iss.equals(GOOGLE_PROVIDER);
        if (google) {
            return new WebIdentityRequest(roleArn, account, iss, true, GOOGLE_PROVIDER, GOOGLE_PROVIDER, claims, now);
        }
        String host = TrustPolicies.oidcProviderName(iss);
        return new WebIdentityRequest(roleArn, account, iss, false, host,
                "arn:aws:iam::" + account + ":oidc-provider/" + host, claims, now);
    }

    /**
     * Whether a condition key is one of a web identity provider's ({@code accounts.google.com:sub},
     * {@code <issuer>:aud}): its prefix, before the first colon, is a host name, not {@code aws} or {@code sts}.
     */
    static boolean isWebIdentityKey(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        int colon = lower.indexOf(':');
        if (colon <= 0 || !lower.substring(0, colon).contains(".")) {
            return false;
        }
        String prefix = lower.substring(0, colon);
        String field = lower.substring(colon + 1);
        return prefix.equals(GOOGLE_PROVIDER) || prefix.contains("oidc") || prefix.startsWith("container.googleapis.com")
                || field.matches("aud|sub|oaud|amr|azp|id|app_id|user_id");
    }

    @Override
    public String roleArn() {
        return roleArn;
    }

    @Override
    public String call() {
        return null;
    }

    @Override
    public List<String> requiredActions() {
        return List.of(ACTION);
    }

    @Override
    public String whyNeeded(String action) {
        return "";
    }

    @Override
    public String holder() {
        return "token has";
    }

    @Override
    public PrincipalMatch principal(IamStatement statement) {
        if (!statement.notPrincipals().isEmpty()) {
            return new PrincipalMatch(Match.NO, "NotPrincipal is not evaluated: IAM does not accept NotPrincipal in a "
                    + "role trust policy; trust policies for web identity use Principal.Federated");
        }
        List<String> federated = new ArrayList<>();
        for (IamPrincipal p : statement.principals()) {
            if (IamPrincipal.ALL.equals(p) || "*".equals(p.id())) {
                return PrincipalMatch.YES;
            }
            if (IamPrincipalType.FEDERATED.equals(p.type())) {
                if (p.id().equalsIgnoreCase(principal)) {
                    return PrincipalMatch.YES;
                }
                federated.add(p.id());
            }
        }
        if (federated.isEmpty()) {
            return new PrincipalMatch(Match.NO, "no Principal.Federated; this call needs Principal {\"Federated\": \""
                    + principal + "\"}");
        }
        return new PrincipalMatch(Match.NO, "Principal.Federated is " + federated + ", but the token's issuer " + issuer
                + " needs \"" + principal + "\"" + principalHint(federated));
    }

    private String principalHint(List<String> federated) {
        for (String id : federated) {
            if (id.contains(":oidc-provider/") && id.endsWith(keyPrefix) && !id.equals(principal)) {
                return " (the OIDC provider ARN names another account than the role's)";
            }
        }
        return "";
    }

    @Override
    public KeyValues resolve(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        if (ASSUME_ROLE_ONLY_KEYS.contains(lower)) {
            return KeyValues.absent(" (" + key + " is carried only by sts:AssumeRole calls)").warning(key
                    + " is carried only by sts:AssumeRole calls, signed by an AWS principal; an AssumeRoleWithWebIdentity "
                    + "call never carries it, so a condition on it is false (unless ...IfExists, Null or negated)");
        }
        String prefix = keyPrefix.toLowerCase(Locale.ROOT) + ":";
        if (!lower.startsWith(prefix)) {
            boolean otherProvider = lower.contains("accounts.google.com:") || lower.contains("container.googleapis.com")
                    || lower.contains("oidc") || lower.matches("[a-z0-9.-]+\\.[a-z]{2,}(/[^:]*)?:(aud|sub|oaud|amr)");
            return KeyValues.absent(otherProvider
                    ? " (the key names another identity provider than this token's, " + keyPrefix + ")"
                    : " (not a key this token provides)");
        }
        String field = lower.substring(prefix.length());
        if (google) {
            switch (field) {
                case "aud":
                    return googleAud();
                case "oaud":
                    return googleOaud();
                case "sub":
                    return values("sub");
                default:
                    return KeyValues.absent(" (accounts.google.com has no key " + field + ")");
            }
        }
        switch (field) {
            case "aud":
            case "sub":
            case "amr":
                return values(field);
            default:
                return KeyValues.absent(" (OIDC providers have no key " + field + ")");
        }
    }

    /**
     * {@code accounts.google.com:aud} is the token's {@code azp} when it has one: say so, and when a failing
     * condition wants the token's {@code aud}, that {@code oaud} was meant.
     */
    private KeyValues googleAud() {
        if (claims.get("azp") == null) {
            return values("aud");
        }
        List<String> azp = strings("azp");
        List<String> aud = strings("aud");
        if (aud.isEmpty() || azp.containsAll(aud)) {
            return KeyValues.of(azp);
        }
        String compared = GOOGLE_PROVIDER + ":aud is compared with the token's azp (" + quote(azp) + "), not its aud ("
                + quote(aud) + ")";
        return KeyValues.of(azp).mapped(compared + "; for aud use " + GOOGLE_PROVIDER + ":oaud", wanted ->
                meant(compared, wanted, aud, "aud", GOOGLE_PROVIDER + ":oaud"));
    }

    /** {@code accounts.google.com:oaud} is the token's {@code aud}; a failing condition may have wanted its azp. */
    private KeyValues googleOaud() {
        List<String> aud = strings("aud");
        List<String> azp = strings("azp");
        if (aud.isEmpty()) {
            return values("aud");
        }
        boolean distinct = !azp.isEmpty() && !aud.containsAll(azp);
        String compared = GOOGLE_PROVIDER + ":oaud is compared with the token's aud (" + quote(aud) + ")"
                + (distinct ? ", not its azp (" + quote(azp) + ")" : "");
        return KeyValues.of(aud).mapped(compared + (distinct ? "; for azp use " + GOOGLE_PROVIDER + ":aud" : ""),
                wanted -> distinct ? meant(compared, wanted, azp, "azp", GOOGLE_PROVIDER + ":aud") : null);
    }

    /** When the policy wants the other claim's value: the user clearly meant the other key. */
    private static String meant(String compared, List<String> wanted, List<String> other, String claim, String key) {
        for (String value : wanted) {
            if (other.contains(value)) {
                return compared + "; the policy's value \"" + value + "\" is the token's " + claim
                        + ", so you probably meant " + key;
            }
        }
        return null;
    }

    private KeyValues values(String claim) {
        return KeyValues.of(strings(claim));
    }

    private List<String> strings(String claim) {
        Object value = claims.get(claim);
        if (value == null) {
            return List.of();
        }
        if (value instanceof Collection) {
            return ((Collection<?>) value).stream().map(String::valueOf).collect(Collectors.toList());
        }
        return List.of(value.toString());
    }

    @Override
    public List<String> overBroad(String label, IamStatement statement) {
        List<String> warnings = new ArrayList<>();
        boolean allPrincipals = statement.principals().stream()
                .anyMatch(p -> IamPrincipal.ALL.equals(p) || "*".equals(p.id()));
        if (allPrincipals) {
            warnings.add(label + " allows Principal \"*\": any identity provider's tokens may assume the role.");
        }
        boolean subPinned = false;
        boolean audChecked = false;
        boolean oaudChecked = false;
        for (IamCondition condition : statement.conditions()) {
            String key = condition.key().value().toLowerCase(Locale.ROOT);
            String op = condition.operator().value().toLowerCase(Locale.ROOT);
            boolean positive = !op.contains("not") && !op.startsWith("null");
            if (!positive) {
                continue;
            }
            if (key.endsWith(":sub")) {
                subPinned = true;
                String value = condition.value();
                if (op.contains("like") && value.contains("*")) {
                    warnings.add(label + " matches " + key + " with the wildcard \"" + value + "\": every identity "
                            + "it covers (" + wildcardScope(value) + ") may assume the role. Pin the exact subject with "
                            + "StringEquals.");
                }
            } else if (key.endsWith(":oaud")) {
                oaudChecked = true;
            } else if (key.endsWith(":aud")) {
                audChecked = true;
            }
        }
        if (!subPinned) {
            if (google && oaudChecked && !audChecked) {
                warnings.add(label + " checks only accounts.google.com:oaud: any Google service account of any project "
                        + "can ask for that audience and assume the role. Pin accounts.google.com:sub (and :aud) to the "
                        + "service account's numeric unique id.");
            } else {
                warnings.add(label + " has no condition on " + keyPrefix + ":sub: every identity "
                        + (google ? "Google issues tokens for" : "of issuer " + issuer)
                        + (audChecked ? " with that audience" : "") + " may assume the role. Pin the subject with "
                        + "StringEquals.");
            }
        }
        return warnings;
    }

    private static String wildcardScope(String value) {
        String prefix = "system:serviceaccount:";
        if (value.equals(prefix + "*") || value.equals("system:*") || value.equals("*")) {
            return "every service account in the cluster";
        }
        if (value.startsWith(prefix) && value.endsWith(":*")) {
            return "every service account in namespace " + value.substring(prefix.length(), value.length() - 2);
        }
        return "everything matching the pattern";
    }

    @Override
    public List<Finding> refusals(List<IamStatement> statements) {
        List<Finding> refusals = new ArrayList<>();
        Claims view = Claims.of(claims);
        List<Finding> findings = new ArrayList<>();
        TokenInspector.checkClaims(view, TokenInspector.kindOf(view), now, findings);
        findings.stream().filter(f -> f.severity() == Finding.Severity.ERROR && REFUSING_FINDINGS.contains(f.code()))
                .forEach(refusals::add);
        for (String claim : List.of("iss", "sub", "aud")) {
            Object value = claims.get(claim);
            if (value == null || value instanceof Collection && ((Collection<?>) value).isEmpty()) {
                refusals.add(new Finding(Finding.Severity.ERROR, "no-" + claim, "The token has no " + claim
                        + " claim; STS refuses an ID token without one (OpenID Connect requires iss, sub, aud, exp and "
                        + "iat).", "Use an ID token of the issuer as it mints them; GKE and Google tokens carry "
                        + claim + "."));
            }
        }
        if (!google) {
            Set<String> otherAccounts = new LinkedHashSet<>();
            for (IamStatement statement : statements) {
                if (!IamEffect.ALLOW.equals(statement.effect())) {
                    continue;
                }
                for (IamPrincipal p : statement.principals()) {
                    Matcher arn = OIDC_PROVIDER_ARN.matcher(p.id());
                    if (IamPrincipalType.FEDERATED.equals(p.type()) && arn.matches()
                            && arn.group(2).equalsIgnoreCase(keyPrefix) && !arn.group(1).equals(account)) {
                        otherAccounts.add(p.id());
                    }
                }
            }
            for (String other : otherAccounts) {
                refusals.add(new Finding(Finding.Severity.ERROR, "provider-account", "The policy trusts the OIDC "
                        + "provider " + other + ", but STS looks the token's issuer up among the OIDC providers of the "
                        + "role's own account, " + account + ": a provider of another account never admits it.",
                        "Name " + principal + " in Principal.Federated (and register the issuer in account " + account
                                + " if it is not), or use a role in the provider's account."));
            }
        }
        return refusals;
    }

    @Override
    public List<String> notCheckedOffline() {
        List<String> unchecked = new ArrayList<>();
        unchecked.add("The token's signature: STS verifies it with the keys " + (issuer.isEmpty() ? "the issuer" : issuer)
                + " publishes (keyless inspect --verify checks the same from here).");
        if (!google && !issuer.isEmpty()) {
            List<String> aud = strings("aud");
            unchecked.add("The IAM OIDC provider: account " + account + " must have " + principal + ", with the token's "
                    + "aud (" + (aud.isEmpty() ? "none" : String.join(", ", aud)) + ") among its client IDs (aws iam "
                    + "get-open-id-connect-provider --open-id-connect-provider-arn " + principal + ").");
        }
        return unchecked;
    }

    private static String quote(List<String> values) {
        return TrustPolicyEvaluator.quote(values);
    }
}
