package dev.keyless.diagnostics;

import dev.keyless.jwt.DecodedJwt;
import dev.keyless.jwt.MalformedJwtException;
import dev.keyless.token.WebIdentityToken;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import software.amazon.awssdk.arns.Arn;
import software.amazon.awssdk.policybuilder.iam.IamAction;
import software.amazon.awssdk.policybuilder.iam.IamCondition;
import software.amazon.awssdk.policybuilder.iam.IamEffect;
import software.amazon.awssdk.policybuilder.iam.IamPolicy;
import software.amazon.awssdk.policybuilder.iam.IamPolicyReader;
import software.amazon.awssdk.policybuilder.iam.IamPrincipal;
import software.amazon.awssdk.policybuilder.iam.IamPrincipalType;
import software.amazon.awssdk.policybuilder.iam.IamStatement;

/**
 * Decides offline whether AWS STS would admit a token under a role's trust policy for
 * {@code AssumeRoleWithWebIdentity}, and if not, which statement and which condition key failed, with the
 * token's value beside the policy's.
 *
 * <p>It applies IAM's rules for this call: a statement applies when its action covers
 * {@code sts:AssumeRoleWithWebIdentity} and its {@code Principal.Federated} names the token's identity
 * provider ({@code accounts.google.com} for Google tokens, else the role account's
 * {@code oidc-provider/<issuer without https://>}); conditions are ANDed across operators and keys and ORed
 * across a key's values; a matching Deny overrides any Allow. Condition keys map to claims as STS maps them:
 * {@code <issuer>:aud} and {@code :sub} for OIDC providers; for Google, {@code accounts.google.com:aud} is
 * the token's {@code azp} when present (else {@code aud}), {@code :oaud} is {@code aud}, {@code :sub} is
 * {@code sub}. Supported operators: the {@code String*} family, {@code ForAnyValue:}/{@code ForAllValues:},
 * {@code ...IfExists} and {@code Null}; any other IAM operator makes the verdict
 * {@link PolicyVerdict.Outcome#CANNOT_EVALUATE} rather than a silent pass.
 *
 * <p>Nothing the evaluator does not understand can widen a verdict. The policy is first checked against IAM's
 * grammar: an {@code Effect} other than exactly {@code Allow} or {@code Deny}, an unknown or mis-cased element
 * or condition operator, a value of the wrong shape, each makes the verdict
 * {@link PolicyVerdict.Outcome#INVALID} ("cannot be admitted as written"), and each is reported in
 * {@link PolicyVerdict#problems()} or in its statement's reasons.
 *
 * <p>Stateless and thread-safe.
 */
public final class TrustPolicyEvaluator {

    private static final String ACTION = "sts:assumerolewithwebidentity";
    private static final String GOOGLE_PROVIDER = "accounts.google.com";
    private static final String FOR_ANY = "foranyvalue:";
    private static final String FOR_ALL = "forallvalues:";
    private static final String IF_EXISTS = "ifexists";

    private TrustPolicyEvaluator() {
    }

    /**
     * Evaluates a compact JWT (parsed, not verified).
     *
     * @param policyJson the trust policy as IAM shows it, or URL-encoded as {@code aws iam get-role} returns it
     * @param jwt the token
     * @param roleArn the role whose trust policy it is
     * @return the verdict
     * @throws IllegalArgumentException if the policy or the token cannot be parsed
     */
    public static PolicyVerdict evaluate(String policyJson, String jwt, String roleArn) {
        DecodedJwt decoded;
        try {
            decoded = DecodedJwt.decode(jwt == null ? null : jwt.strip());
        } catch (MalformedJwtException e) {
            throw new IllegalArgumentException("The token is not a JWT: " + e.getMessage() + ".", e);
        }
        return evaluate(policyJson, decoded.claims().asMap(), roleArn);
    }

    /**
     * Evaluates an inspected token.
     *
     * @param policyJson the trust policy
     * @param report the token's report
     * @param roleArn the role whose trust policy it is
     * @return the verdict
     */
    public static PolicyVerdict evaluate(String policyJson, TokenReport report, String roleArn) {
        return evaluate(policyJson, report.claims().asMap(), roleArn);
    }

    /**
     * Evaluates a token a token source produced.
     *
     * @param policyJson the trust policy
     * @param token the token
     * @param roleArn the role whose trust policy it is
     * @return the verdict
     */
    public static PolicyVerdict evaluate(String policyJson, WebIdentityToken token, String roleArn) {
        return evaluate(policyJson, token.claims().asMap(), roleArn);
    }

    /**
     * Evaluates a token's claims.
     *
     * @param policyJson the trust policy as IAM shows it, or URL-encoded as {@code aws iam get-role} returns it
     * @param claims the token's claims ({@code iss}, {@code sub}, {@code aud}, {@code azp}, ...)
     * @param roleArn the role whose trust policy it is; its account owns the OIDC provider
     * @return the verdict
     * @throws IllegalArgumentException if the policy is not policy JSON or the role ARN is malformed
     */
    public static PolicyVerdict evaluate(String policyJson, Map<String, Object> claims, String roleArn) {
        Objects.requireNonNull(claims, "claims");
        String json = decode(policyJson);
        Map<String, List<String>> problems = PolicyGrammar.problems(PolicyGrammar.parse(json));
        IamPolicy policy = read(json, problems.isEmpty());
        String account = Arn.tryFromString(roleArn).flatMap(Arn::accountId).orElseThrow(() ->
                new IllegalArgumentException("'" + roleArn + "' is not a role ARN (arn:aws:iam::123456789012:role/NAME)"));
        Provider provider = Provider.of(claims, account);

        List<PolicyVerdict.StatementResult> results = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        String allow = null;
        String deny = null;
        String unknown = null;
        int index = 0;
        for (IamStatement statement : policy == null ? List.<IamStatement>of() : policy.statements()) {
            index++;
            String label = PolicyGrammar.label(statement.sid(), index);
            List<String> reasons = new ArrayList<>(problems.getOrDefault(label, List.of()));
            boolean wellFormed = reasons.isEmpty();
            boolean applies = coversAction(statement, reasons) & namesProvider(statement, provider, reasons);
            boolean definitelyFails = false;
            boolean evaluable = true;
            for (Map.Entry<String, List<IamCondition>> group : groups(statement).entrySet()) {
                ConditionResult result = evaluate(group.getValue(), provider);
                if (result.reason != null) {
                    reasons.add(result.reason);
                }
                definitelyFails |= result.evaluable && !result.holds;
                evaluable &= result.evaluable;
            }
            boolean isDeny = IamEffect.DENY.equals(statement.effect());
            boolean isAllow = IamEffect.ALLOW.equals(statement.effect());
            // A statement IAM would refuse never matches, whatever else it says.
            boolean matches = wellFormed && (isAllow || isDeny) && applies && !definitelyFails && evaluable;
            if (applies && isAllow) {
                warnings.addAll(overBroad(label, statement, provider));
            }
            if (matches && isDeny && deny == null) {
                deny = label;
            } else if (matches && !isDeny && allow == null) {
                allow = label;
            } else if (applies && !definitelyFails && !evaluable && unknown == null) {
                unknown = label;
            }
            String effect = isDeny ? "Deny" : isAllow ? "Allow" : "unknown Effect";
            results.add(new PolicyVerdict.StatementResult(label, effect, matches, matches ? List.of() : reasons));
        }
        if (results.isEmpty() && problems.isEmpty()) {
            warnings.add("The policy has no statements.");
        }
        List<String> policyProblems = new ArrayList<>();
        for (Map.Entry<String, List<String>> entry : problems.entrySet()) {
            boolean shown = results.stream().anyMatch(r -> r.label().equals(entry.getKey()));
            for (String problem : entry.getValue()) {
                if (!shown) {
                    policyProblems.add(entry.getKey().isEmpty() ? problem : entry.getKey() + ": " + problem);
                }
            }
        }
        int problemCount = problems.values().stream().mapToInt(List::size).sum();
        PolicyVerdict.Outcome outcome;
        String decided;
        if (problemCount > 0) {
            outcome = PolicyVerdict.Outcome.INVALID;
            decided = null;
        } else if (deny != null) {
            outcome = PolicyVerdict.Outcome.DENIED_EXPLICITLY;
            decided = deny;
        } else if (unknown != null) {
            outcome = PolicyVerdict.Outcome.CANNOT_EVALUATE;
            decided = unknown;
        } else if (allow != null) {
            outcome = PolicyVerdict.Outcome.ADMITTED;
            decided = allow;
        } else {
            outcome = PolicyVerdict.Outcome.NOT_ADMITTED;
            decided = null;
        }
        return new PolicyVerdict(roleArn, outcome, decided, results, warnings, policyProblems, problemCount);
    }

    private static String decode(String policyJson) {
        Objects.requireNonNull(policyJson, "policyJson");
        String json = policyJson.strip();
        if (json.regionMatches(true, 0, "%7B", 0, 3)) {
            try {
                json = URLDecoder.decode(json, StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("The trust policy looks URL-encoded (it starts with %7B) but is "
                        + "not: it has a '%' that is not followed by two hex digits.");
            }
        }
        return json;
    }

    /**
     * The policy as the SDK's reader sees it. When the grammar check found problems the reader may refuse
     * the policy outright; the problems are then the whole answer.
     */
    private static IamPolicy read(String json, boolean wellFormed) {
        try {
            return IamPolicyReader.create().read(json);
        } catch (RuntimeException e) {
            if (!wellFormed) {
                return null;
            }
            // Its messages name its own classes and quote the input; neither helps.
            throw new IllegalArgumentException("The trust policy is JSON but not an IAM policy document IAM "
                    + "could read; compare it with the one aws iam get-role --role-name NAME --query "
                    + "Role.AssumeRolePolicyDocument prints.");
        }
    }

    private static boolean coversAction(IamStatement statement, List<String> reasons) {
        if (!statement.notActions().isEmpty()) {
            boolean excluded = statement.notActions().stream().anyMatch(a -> matchesAction(a.value()));
            if (excluded) {
                reasons.add("NotAction excludes sts:AssumeRoleWithWebIdentity");
            }
            return !excluded;
        }
        boolean covered = statement.actions().stream().anyMatch(a -> matchesAction(a.value()));
        if (!covered) {
            reasons.add("Action is " + statement.actions().stream().map(IamAction::value).collect(Collectors.toList())
                    + ", which does not cover sts:AssumeRoleWithWebIdentity");
        }
        return covered;
    }

    private static boolean matchesAction(String action) {
        return glob(action.toLowerCase(Locale.ROOT)).matcher(ACTION).matches();
    }

    private static boolean namesProvider(IamStatement statement, Provider provider, List<String> reasons) {
        if (!statement.notPrincipals().isEmpty()) {
            reasons.add("NotPrincipal is not evaluated; trust policies for web identity use Principal.Federated");
            return false;
        }
        List<String> federated = new ArrayList<>();
        for (IamPrincipal principal : statement.principals()) {
            if (IamPrincipal.ALL.equals(principal) || "*".equals(principal.id())) {
                return true;
            }
            if (IamPrincipalType.FEDERATED.equals(principal.type())) {
                if (principal.id().equalsIgnoreCase(provider.principal)) {
                    return true;
                }
                federated.add(principal.id());
            }
        }
        if (federated.isEmpty()) {
            reasons.add("no Principal.Federated; this call needs Principal {\"Federated\": \"" + provider.principal + "\"}");
        } else {
            reasons.add("Principal.Federated is " + federated + ", but the token's issuer " + provider.issuer
                    + " needs \"" + provider.principal + "\"" + provider.principalHint(federated));
        }
        return false;
    }

    /** Conditions by operator and key, in policy order: values of one group are ORed, groups ANDed. */
    private static Map<String, List<IamCondition>> groups(IamStatement statement) {
        Map<String, List<IamCondition>> groups = new LinkedHashMap<>();
        for (IamCondition condition : statement.conditions()) {
            groups.computeIfAbsent(condition.operator().value() + "\u0000" + condition.key().value().toLowerCase(Locale.ROOT),
                    k -> new ArrayList<>()).add(condition);
        }
        return groups;
    }

    private static ConditionResult evaluate(List<IamCondition> group, Provider provider) {
        String operator = group.get(0).operator().value();
        String key = group.get(0).key().value();
        List<String> wanted = group.stream().map(IamCondition::value).collect(Collectors.toList());
        String op = operator.toLowerCase(Locale.ROOT);
        boolean forAny = op.startsWith(FOR_ANY);
        boolean forAll = op.startsWith(FOR_ALL);
        String base = forAny ? op.substring(FOR_ANY.length()) : forAll ? op.substring(FOR_ALL.length()) : op;
        boolean ifExists = base.endsWith(IF_EXISTS);
        if (ifExists) {
            base = base.substring(0, base.length() - IF_EXISTS.length());
        }
        Resolved resolved = provider.resolve(key);
        List<String> actual = resolved.values;
        String shown = operator + " " + key + ": policy wants " + quote(wanted) + ", token has "
                + (actual.isEmpty() ? "no such value" + resolved.note : quote(actual));

        if (base.equals("null")) {
            boolean wantAbsent = wanted.stream().anyMatch(v -> v.equalsIgnoreCase("true"));
            boolean holds = actual.isEmpty() == wantAbsent;
            return new ConditionResult(holds, true, holds ? null : shown);
        }
        Matcher matcher = Matcher.of(base);
        if (matcher == null) {
            if (actual.isEmpty() && ifExists) {
                return new ConditionResult(true, true, null);
            }
            return new ConditionResult(false, false, operator + " " + key + ": operator " + operator
                    + " cannot be evaluated offline");
        }
        boolean holds;
        if (actual.isEmpty()) {
            // IAM: a missing key fails positive operators, passes negated ones, IfExists and ForAllValues.
            holds = ifExists || forAll || matcher.negated;
        } else if (forAll) {
            holds = actual.stream().allMatch(value -> matcher.matchesAny(value, wanted));
        } else {
            holds = actual.stream().anyMatch(value -> matcher.matchesAny(value, wanted));
        }
        return new ConditionResult(holds, true, holds ? null : shown);
    }

    private static List<String> overBroad(String label, IamStatement statement, Provider provider) {
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
            if (provider.google && oaudChecked && !audChecked) {
                warnings.add(label + " checks only accounts.google.com:oaud: any Google service account of any project "
                        + "can ask for that audience and assume the role. Pin accounts.google.com:sub (and :aud) to the "
                        + "service account's numeric unique id.");
            } else {
                warnings.add(label + " has no condition on " + provider.keyPrefix + ":sub: every identity "
                        + (provider.google ? "Google issues tokens for" : "of issuer " + provider.issuer)
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

    private static String quote(Collection<String> values) {
        return values.size() == 1 ? "\"" + values.iterator().next() + "\""
                : values.stream().map(v -> "\"" + v + "\"").collect(Collectors.joining(", ", "[", "]"));
    }

    private static Pattern glob(String pattern) {
        StringBuilder regex = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            if (c == '*') {
                regex.append(".*");
            } else if (c == '?') {
                regex.append('.');
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }

    /** One string operator. */
    private static final class Matcher {
        final boolean negated;
        final boolean like;
        final boolean ignoreCase;

        private Matcher(boolean negated, boolean like, boolean ignoreCase) {
            this.negated = negated;
            this.like = like;
            this.ignoreCase = ignoreCase;
        }

        static Matcher of(String base) {
            switch (base) {
                case "stringequals":
                    return new Matcher(false, false, false);
                case "stringnotequals":
                    return new Matcher(true, false, false);
                case "stringequalsignorecase":
                    return new Matcher(false, false, true);
                case "stringnotequalsignorecase":
                    return new Matcher(true, false, true);
                case "stringlike":
                    return new Matcher(false, true, false);
                case "stringnotlike":
                    return new Matcher(true, true, false);
                default:
                    return null;
            }
        }

        boolean matchesAny(String actual, List<String> wanted) {
            boolean any = wanted.stream().anyMatch(w -> like ? glob(w).matcher(actual).matches()
                    : ignoreCase ? w.equalsIgnoreCase(actual) : w.equals(actual));
            return negated != any;
        }
    }

    /** The token's identity provider as IAM sees it, and its condition keys. */
    private static final class Provider {
        final String issuer;
        final boolean google;
        final String keyPrefix;
        final String principal;
        final Map<String, Object> claims;

        private Provider(String issuer, boolean google, String keyPrefix, String principal, Map<String, Object> claims) {
            this.issuer = issuer;
            this.google = google;
            this.keyPrefix = keyPrefix;
            this.principal = principal;
            this.claims = claims;
        }

        static Provider of(Map<String, Object> claims, String account) {
            String iss = claims.get("iss") == null ? "" : claims.get("iss").toString();
            boolean google = iss.equals("https://" + GOOGLE_PROVIDER) || iss.equals(GOOGLE_PROVIDER);
            if (google) {
                return new Provider(iss, true, GOOGLE_PROVIDER, GOOGLE_PROVIDER, claims);
            }
            String host = TrustPolicies.oidcProviderName(iss);
            return new Provider(iss, false, host, "arn:aws:iam::" + account + ":oidc-provider/" + host, claims);
        }

        Resolved resolve(String key) {
            String lower = key.toLowerCase(Locale.ROOT);
            String prefix = keyPrefix.toLowerCase(Locale.ROOT) + ":";
            if (!lower.startsWith(prefix)) {
                boolean otherProvider = lower.contains("accounts.google.com:") || lower.contains("container.googleapis.com")
                        || lower.contains("oidc") || lower.matches("[a-z0-9.-]+\\.[a-z]{2,}(/[^:]*)?:(aud|sub|oaud|amr)");
                return new Resolved(List.of(), otherProvider
                        ? " (the key names another identity provider than this token's, " + keyPrefix + ")"
                        : " (not a key this token provides)");
            }
            String field = lower.substring(prefix.length());
            if (google) {
                switch (field) {
                    case "aud":
                        return claims.get("azp") != null ? values("azp") : values("aud");
                    case "oaud":
                        return values("aud");
                    case "sub":
                        return values("sub");
                    default:
                        return new Resolved(List.of(), " (accounts.google.com has no key " + field + ")");
                }
            }
            switch (field) {
                case "aud":
                case "sub":
                case "amr":
                    return values(field);
                default:
                    return new Resolved(List.of(), " (OIDC providers have no key " + field + ")");
            }
        }

        private Resolved values(String claim) {
            Object value = claims.get(claim);
            if (value == null) {
                return new Resolved(List.of(), "");
            }
            if (value instanceof Collection) {
                return new Resolved(((Collection<?>) value).stream().map(String::valueOf).collect(Collectors.toList()), "");
            }
            return new Resolved(List.of(value.toString()), "");
        }

        String principalHint(List<String> federated) {
            for (String id : federated) {
                if (id.contains(":oidc-provider/") && id.endsWith(keyPrefix) && !id.equals(principal)) {
                    return " (the OIDC provider ARN names another account than the role's)";
                }
            }
            return "";
        }
    }

    private static final class Resolved {
        final List<String> values;
        final String note;

        Resolved(List<String> values, String note) {
            this.values = values;
            this.note = note;
        }
    }

    private static final class ConditionResult {
        final boolean holds;
        final boolean evaluable;
        final String reason;

        ConditionResult(boolean holds, boolean evaluable, String reason) {
            this.holds = holds;
            this.evaluable = evaluable;
            this.reason = reason;
        }
    }
}
