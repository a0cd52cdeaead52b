package dev.keyless.diagnostics;

import dev.keyless.jwt.DecodedJwt;
import dev.keyless.jwt.MalformedJwtException;
import dev.keyless.token.WebIdentityToken;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import software.amazon.awssdk.arns.Arn;
import software.amazon.awssdk.policybuilder.iam.IamAction;
import software.amazon.awssdk.policybuilder.iam.IamCondition;
import software.amazon.awssdk.policybuilder.iam.IamEffect;
import software.amazon.awssdk.policybuilder.iam.IamPolicy;
import software.amazon.awssdk.policybuilder.iam.IamPolicyReader;
import software.amazon.awssdk.policybuilder.iam.IamStatement;

/**
 * Decides offline whether a role's trust policy admits a call to STS, and if not, which statement and which
 * condition key failed, with the policy's value beside the token's or the call's. Two kinds of call:
 * {@code AssumeRoleWithWebIdentity} with a token (the first hop), and {@code sts:AssumeRole} by a role's session
 * ({@link AssumeRoleCall}, each further hop of a chain).
 *
 * <p>It applies IAM's rules (IAM User Guide, "Policy evaluation logic" and "IAM JSON policy elements"): a
 * statement applies when its {@code Action} covers an action the call needs (case-insensitive, with {@code *}
 * and {@code ?} wildcards) and its {@code Principal} names the caller; conditions are ANDed across operators and
 * keys and ORed across a key's values; every action the call needs must be allowed by some Allow statement, and a
 * matching Deny for any of them overrides every Allow.
 *
 * <ul>
 *   <li>Web identity: the action is {@code sts:AssumeRoleWithWebIdentity}; {@code Principal.Federated} must name
 *       the token's identity provider ({@code accounts.google.com} for Google tokens, else the role account's
 *       {@code oidc-provider/<issuer without https://>}). Condition keys map to claims as STS maps them:
 *       {@code <issuer>:aud} and {@code :sub} for OIDC providers; for Google, {@code accounts.google.com:aud} is
 *       the token's {@code azp} when present (else {@code aud}), {@code :oaud} is {@code aud}, {@code :sub} is
 *       {@code sub}.</li>
 *   <li>{@code AssumeRole}: the actions are {@link AssumeRoleCall#requiredActions()}; {@code Principal.AWS} must
 *       name the caller role's ARN, its account (the 12 digits or {@code arn:aws:iam::ACCOUNT:root}) or
 *       {@code "*"}. Condition keys: {@code aws:PrincipalArn} (the caller's role ARN, not its session's),
 *       {@code aws:PrincipalAccount}, {@code sts:ExternalId}, {@code aws:RequestTag/KEY}, {@code aws:TagKeys},
 *       {@code sts:TransitiveTagKeys}, {@code sts:SourceIdentity}; a key whose value only AWS knows makes the
 *       statement {@link PolicyVerdict.Outcome#CANNOT_EVALUATE}.</li>
 * </ul>
 *
 * <p>Supported operators: the {@code String*} and {@code Arn*} families, {@code ForAnyValue:}/{@code ForAllValues:},
 * {@code ...IfExists} and {@code Null}; any other IAM operator makes the verdict
 * {@link PolicyVerdict.Outcome#CANNOT_EVALUATE} rather than a silent pass. A key the call does not carry fails a
 * condition, except under {@code ...IfExists}, {@code Null}, a negated operator or {@code ForAllValues:}.
 *
 * <p>Nothing the evaluator does not understand can widen a verdict. The policy is first checked against IAM's
 * grammar: an {@code Effect} other than exactly {@code Allow} or {@code Deny}, an unknown or mis-cased element
 * or condition operator, a value of the wrong shape, each makes the verdict
 * {@link PolicyVerdict.Outcome#INVALID} ("cannot be admitted as written"), and each is reported in
 * {@link PolicyVerdict#problems()} or in its statement's reasons.
 *
 * <p>Every verdict also says where a condition key is compared with something other than its name suggests
 * ({@link PolicyVerdict.StatementResult#notes()}), what would make STS refuse the call anyway
 * ({@link PolicyVerdict#refusals()}), and what cannot be checked offline ({@link PolicyVerdict#notCheckedOffline()}).
 * Time comes from a {@link Clock}, the system's unless one is given.
 *
 * <p>Stateless and thread-safe.
 */
public final class TrustPolicyEvaluator {

    private static final String FOR_ANY = "foranyvalue:";
    private static final String FOR_ALL = "forallvalues:";
    private static final String IF_EXISTS = "ifexists";

    private TrustPolicyEvaluator() {
    }

    /**
     * Evaluates a compact JWT (parsed, not verified) at the current time.
     *
     * @param policyJson the trust policy as IAM shows it, or URL-encoded as {@code aws iam get-role} returns it
     * @param jwt the token
     * @param roleArn the role whose trust policy it is
     * @return the verdict
     * @throws IllegalArgumentException if the policy or the token cannot be parsed
     */
    public static PolicyVerdict evaluate(String policyJson, String jwt, String roleArn) {
        return evaluate(policyJson, jwt, roleArn, Clock.systemUTC());
    }

    /**
     * Evaluates a compact JWT (parsed, not verified), judging its expiry by the clock.
     *
     * @param policyJson the trust policy as IAM shows it, or URL-encoded as {@code aws iam get-role} returns it
     * @param jwt the token
     * @param roleArn the role whose trust policy it is
     * @param clock the time STS would see the token at
     * @return the verdict
     * @throws IllegalArgumentException if the policy or the token cannot be parsed
     */
    public static PolicyVerdict evaluate(String policyJson, String jwt, String roleArn, Clock clock) {
        DecodedJwt decoded;
        try {
            decoded = DecodedJwt.decode(jwt == null ? null : jwt.strip());
        } catch (MalformedJwtException e) {
            throw new IllegalArgumentException("The token is not a JWT: " + e.getMessage() + ".", e);
        }
        return evaluate(policyJson, decoded.claims().asMap(), roleArn, clock);
    }

    /**
     * Evaluates an inspected token, judging its expiry at the time of the report
     * ({@link TokenReport#inspectedAt()}), as its findings do.
     *
     * @param policyJson the trust policy
     * @param report the token's report
     * @param roleArn the role whose trust policy it is
     * @return the verdict
     */
    public static PolicyVerdict evaluate(String policyJson, TokenReport report, String roleArn) {
        return evaluate(policyJson, report.claims().asMap(), roleArn, Clock.fixed(report.inspectedAt(), ZoneOffset.UTC));
    }

    /**
     * Evaluates a token a token source produced, at the current time.
     *
     * @param policyJson the trust policy
     * @param token the token
     * @param roleArn the role whose trust policy it is
     * @return the verdict
     */
    public static PolicyVerdict evaluate(String policyJson, WebIdentityToken token, String roleArn) {
        return evaluate(policyJson, token, roleArn, Clock.systemUTC());
    }

    /**
     * Evaluates a token a token source produced, judging its expiry by the clock.
     *
     * @param policyJson the trust policy
     * @param token the token
     * @param roleArn the role whose trust policy it is
     * @param clock the time STS would see the token at
     * @return the verdict
     */
    public static PolicyVerdict evaluate(String policyJson, WebIdentityToken token, String roleArn, Clock clock) {
        return evaluate(policyJson, token.claims().asMap(), roleArn, clock);
    }

    /**
     * Evaluates a token's claims at the current time.
     *
     * @param policyJson the trust policy as IAM shows it, or URL-encoded as {@code aws iam get-role} returns it
     * @param claims the token's claims ({@code iss}, {@code sub}, {@code aud}, {@code azp}, ...)
     * @param roleArn the role whose trust policy it is; its account owns the OIDC provider
     * @return the verdict
     * @throws IllegalArgumentException if the policy is not policy JSON or the role ARN is malformed
     */
    public static PolicyVerdict evaluate(String policyJson, Map<String, Object> claims, String roleArn) {
        return evaluate(policyJson, claims, roleArn, Clock.systemUTC());
    }

    /**
     * Evaluates a token's claims for {@code AssumeRoleWithWebIdentity}, judging the token's {@code exp},
     * {@code nbf} and {@code iat} by the clock.
     *
     * @param policyJson the trust policy as IAM shows it, or URL-encoded as {@code aws iam get-role} returns it
     * @param claims the token's claims ({@code iss}, {@code sub}, {@code aud}, {@code azp}, ...)
     * @param roleArn the role whose trust policy it is; its account owns the OIDC provider
     * @param clock the time STS would see the token at
     * @return the verdict
     * @throws IllegalArgumentException if the policy is not policy JSON or the role ARN is malformed
     */
    public static PolicyVerdict evaluate(String policyJson, Map<String, Object> claims, String roleArn, Clock clock) {
        Objects.requireNonNull(claims, "claims");
        Objects.requireNonNull(clock, "clock");
        String account = Arn.tryFromString(roleArn).flatMap(Arn::accountId).orElseThrow(() ->
                new IllegalArgumentException("'" + roleArn + "' is not a role ARN (arn:aws:iam::123456789012:role/NAME)"));
        return evaluate(policyJson, WebIdentityRequest.of(claims, roleArn, account, clock.instant()));
    }

    /**
     * Evaluates the trust policy of {@code call}'s target role for an {@code sts:AssumeRole} call by its caller
     * role, STS's default session duration.
     *
     * @param policyJson the target role's trust policy as IAM shows it, or URL-encoded as {@code aws iam get-role}
     *     returns it
     * @param call the call: caller role, target role, and what it sends
     * @return the verdict
     * @throws IllegalArgumentException if the policy is not policy JSON or either role ARN is not a role ARN
     */
    public static PolicyVerdict evaluate(String policyJson, AssumeRoleCall call) {
        return evaluate(policyJson, call, null);
    }

    /**
     * Evaluates the trust policy of {@code call}'s target role for an {@code sts:AssumeRole} call by its caller
     * role, asking for a session of {@code sessionDuration}: more than one hour is among the
     * {@linkplain PolicyVerdict#refusals() refusals}, since a chained session lasts at most one hour.
     *
     * @param policyJson the target role's trust policy as IAM shows it, or URL-encoded as {@code aws iam get-role}
     *     returns it
     * @param call the call: caller role, target role, and what it sends
     * @param sessionDuration the {@code DurationSeconds} asked for, or {@code null} for STS's default of one hour
     * @return the verdict
     * @throws IllegalArgumentException if the policy is not policy JSON or either role ARN is not a role ARN
     */
    public static PolicyVerdict evaluate(String policyJson, AssumeRoleCall call, Duration sessionDuration) {
        Objects.requireNonNull(call, "call");
        return evaluate(policyJson, AssumeRoleRequest.of(call, sessionDuration));
    }

    /** IAM's evaluation of one policy for one call, whatever its kind. */
    private static PolicyVerdict evaluate(String policyJson, PolicyRequest request) {
        String json = decode(policyJson);
        Map<String, List<String>> problems = PolicyGrammar.problems(PolicyGrammar.parse(json));
        IamPolicy policy = read(json, problems.isEmpty());
        List<IamStatement> statements = policy == null ? List.of() : policy.statements();
        List<String> required = request.requiredActions();

        List<Evaluated> evaluated = new ArrayList<>();
        Set<String> warnings = new LinkedHashSet<>();
        int index = 0;
        for (IamStatement statement : statements) {
            index++;
            evaluated.add(evaluate(statement, PolicyGrammar.label(statement.sid(), index), request,
                    problems.getOrDefault(PolicyGrammar.label(statement.sid(), index), List.of()), warnings));
        }
        if (evaluated.isEmpty() && problems.isEmpty()) {
            warnings.add("The policy has no statements.");
        }

        Evaluated deny = evaluated.stream().filter(e -> e.isDeny && e.matches()).findFirst().orElse(null);
        Evaluated unknownDeny = evaluated.stream().filter(e -> e.isDeny && e.unknown()).findFirst().orElse(null);
        Map<String, Evaluated> allowedBy = new LinkedHashMap<>();
        for (String action : required) {
            evaluated.stream().filter(e -> e.isAllow && e.matches() && e.covered.contains(action)).findFirst()
                    .ifPresent(e -> allowedBy.put(action, e));
        }
        Evaluated unknownAllow = evaluated.stream().filter(e -> e.isAllow && e.unknown()
                && e.covered.stream().anyMatch(a -> !allowedBy.containsKey(a))).findFirst().orElse(null);

        int problemCount = problems.values().stream().mapToInt(List::size).sum();
        PolicyVerdict.Outcome outcome;
        String decided;
        if (problemCount > 0) {
            outcome = PolicyVerdict.Outcome.INVALID;
            decided = null;
        } else if (deny != null) {
            outcome = PolicyVerdict.Outcome.DENIED_EXPLICITLY;
            decided = deny.label;
        } else if (unknownDeny != null) {
            outcome = PolicyVerdict.Outcome.CANNOT_EVALUATE;
            decided = unknownDeny.label;
        } else if (allowedBy.size() == required.size()) {
            outcome = PolicyVerdict.Outcome.ADMITTED;
            decided = allowedBy.values().stream().map(e -> e.label).distinct().collect(Collectors.joining(" and "));
        } else if (unknownAllow != null) {
            outcome = PolicyVerdict.Outcome.CANNOT_EVALUATE;
            decided = unknownAllow.label;
        } else {
            outcome = PolicyVerdict.Outcome.NOT_ADMITTED;
            decided = null;
        }

        List<PolicyVerdict.StatementResult> results = new ArrayList<>();
        for (Evaluated e : evaluated) {
            List<String> reasons;
            if (!e.matches()) {
                reasons = e.reasons;
            } else if (e.isAllow) {
                // A matching Allow still explains the actions it lacks that no statement allows.
                reasons = e.partial.entrySet().stream().filter(p -> !allowedBy.containsKey(p.getKey()))
                        .map(Map.Entry::getValue).collect(Collectors.toList());
            } else {
                reasons = List.of();
            }
            results.add(new PolicyVerdict.StatementResult(e.label, e.effect(), e.matches(), reasons, e.notes));
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
        List<Finding> refusals = new ArrayList<>(request.refusals(statements));
        if (policy != null) {
            refusals.addAll(missingActions(statements, request));
        }
        return new PolicyVerdict(request.roleArn(), request.call(), outcome, decided, results, List.copyOf(warnings),
                policyProblems, problemCount, refusals, request.notCheckedOffline());
    }

    /** How one statement fares for the call. */
    private static Evaluated evaluate(IamStatement statement, String label, PolicyRequest request,
            List<String> problems, Set<String> warnings) {
        Evaluated e = new Evaluated(label, statement);
        e.reasons.addAll(problems);
        e.wellFormed = problems.isEmpty();
        List<String> required = request.requiredActions();
        for (String action : required) {
            if (covers(statement, action)) {
                e.covered.add(action);
            }
        }
        actionReasons(statement, required, e, request);
        PolicyRequest.PrincipalMatch principal = request.principal(statement);
        e.principal = principal.match();
        if (principal.reason() != null) {
            e.reasons.add(principal.reason());
        }
        for (List<IamCondition> group : groups(statement).values()) {
            ConditionResult result = evaluate(group, request, label, warnings);
            if (result.reason != null) {
                e.reasons.add(result.reason);
            }
            if (result.note != null && !e.notes.contains(result.note)) {
                e.notes.add(result.note);
            }
            e.definitelyFails |= result.evaluable && !result.holds;
            e.evaluable &= result.evaluable;
        }
        if (e.isAllow && !e.covered.isEmpty() && e.principal == PolicyRequest.Match.YES) {
            warnings.addAll(request.overBroad(label, statement));
        }
        return e;
    }

    /** The actions of the call that the statement does not cover, each with the reason the call needs it. */
    private static void actionReasons(IamStatement statement, List<String> required, Evaluated e,
            PolicyRequest request) {
        boolean notAction = !statement.notActions().isEmpty();
        String element = notAction ? "NotAction excludes " : "Action is "
                + statement.actions().stream().map(IamAction::value).collect(Collectors.toList()) + ", which does not cover ";
        if (e.covered.isEmpty()) {
            e.reasons.add(element + String.join(", ", required));
            return;
        }
        for (String action : required) {
            if (!e.covered.contains(action)) {
                String reason = element + action + " (the call needs it " + request.whyNeeded(action) + ")";
                e.reasons.add(reason);
                e.partial.put(action, reason);
            }
        }
    }

    /** The actions no Allow statement covers, whatever its principal and conditions: STS refuses the call. */
    private static List<Finding> missingActions(List<IamStatement> statements, PolicyRequest request) {
        List<Finding> missing = new ArrayList<>();
        for (String action : request.requiredActions()) {
            boolean allowed = statements.stream().anyMatch(s -> IamEffect.ALLOW.equals(s.effect()) && covers(s, action));
            if (!allowed) {
                String why = request.whyNeeded(action);
                missing.add(new Finding(Finding.Severity.ERROR, "missing-action", "No Allow statement of the trust policy "
                        + "covers " + action + ", which this call needs" + (why.isEmpty() ? "" : " " + why)
                        + ": STS refuses it whatever the conditions.", "Add \"" + action + "\" to the Action of the "
                        + "statement that trusts the caller" + (request.call() == null ? " (Principal.Federated)."
                        : " (Principal.AWS).")));
            }
        }
        return missing;
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

    private static boolean covers(IamStatement statement, String action) {
        if (!statement.notActions().isEmpty()) {
            return statement.notActions().stream().noneMatch(a -> matchesAction(a.value(), action));
        }
        return statement.actions().stream().anyMatch(a -> matchesAction(a.value(), action));
    }

    /** IAM action names are case-insensitive, with {@code *} and {@code ?} wildcards. */
    private static boolean matchesAction(String pattern, String action) {
        return glob(pattern.toLowerCase(Locale.ROOT)).matcher(action.toLowerCase(Locale.ROOT)).matches();
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

    private static ConditionResult evaluate(List<IamCondition> group, PolicyRequest request, String label,
            Set<String> warnings) {
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
        KeyValues resolved = request.resolve(key);
        if (resolved.warning != null) {
            warnings.add(label + ": " + resolved.warning + ".");
        }
        boolean plainOnMultiValued = resolved.multiValued && !forAny && !forAll && !base.equals("null");
        if (plainOnMultiValued) {
            warnings.add(label + " tests the multivalued key " + key + " with " + operator + ", without ForAllValues: "
                    + "or ForAnyValue:; IAM requires a set operator for a multivalued key (IAM User Guide, "
                    + "\"Single-valued vs. multivalued condition keys\").");
        }
        if (resolved.singleValued && (forAny || forAll)) {
            warnings.add(label + " tests the single-valued key " + key + " with " + operator + "; a set operator on a "
                    + "single-valued key can admit more than meant" + (forAll ? " (ForAllValues: is true when the call "
                    + "does not carry the key at all)" : "") + ".");
        }
        String prefix = operator + " " + key + ": ";
        if (!resolved.known) {
            return new ConditionResult(false, false, prefix + "cannot be evaluated offline" + resolved.absence, null);
        }
        List<String> actual = resolved.values;
        String shown = prefix + "policy wants " + (resolved.secret ? secret(wanted) : quote(wanted)) + ", "
                + request.holder() + " " + (actual.isEmpty() ? "no such value" + resolved.absence
                : resolved.secret ? secretActual(wanted, actual) : quote(actual));

        if (base.equals("null")) {
            boolean wantAbsent = wanted.stream().anyMatch(v -> v.equalsIgnoreCase("true"));
            boolean holds = actual.isEmpty() == wantAbsent;
            return result(holds, shown, resolved, wanted);
        }
        Matcher matcher = Matcher.of(base);
        if (matcher == null) {
            if (actual.isEmpty() && ifExists) {
                return new ConditionResult(true, true, null, null);
            }
            return new ConditionResult(false, false, prefix + "operator " + operator + " cannot be evaluated offline",
                    null);
        }
        if (matcher.arn) {
            for (String pattern : wanted) {
                if (pattern.split(":", 6).length < 6) {
                    return new ConditionResult(false, false, prefix + "the pattern \"" + pattern + "\" does not have "
                            + "the six colon-separated parts of an ARN that " + operator + " compares one by one; "
                            + "cannot be evaluated offline", null);
                }
            }
        }
        if (plainOnMultiValued && actual.size() > 1) {
            return new ConditionResult(false, false, prefix + "IAM does not document how " + operator + " without "
                    + "ForAllValues: or ForAnyValue: compares the " + actual.size() + " values the call has; cannot be "
                    + "evaluated offline", null);
        }
        boolean holds;
        if (actual.isEmpty()) {
            // IAM: a missing key fails positive operators and passes negated ones, except that ForAnyValue: is false
            // and ForAllValues: and IfExists are true for a key the request does not carry.
            holds = ifExists || forAll || matcher.negated && !forAny;
        } else if (forAll) {
            holds = actual.stream().allMatch(value -> matcher.matchesAny(value, wanted));
        } else {
            holds = actual.stream().anyMatch(value -> matcher.matchesAny(value, wanted));
        }
        return result(holds, shown, resolved, wanted);
    }

    /**
     * A condition's result. Where the key is compared with something other than its name suggests, a failing
     * condition says so in its reason (and what the user probably meant), a holding one in a note.
     */
    private static ConditionResult result(boolean holds, String shown, KeyValues resolved, List<String> wanted) {
        if (holds) {
            return new ConditionResult(true, true, null, resolved.mapping);
        }
        if (resolved.mapping == null) {
            return new ConditionResult(false, true, shown, null);
        }
        String meant = resolved.misreading.apply(wanted);
        return new ConditionResult(false, true, shown + "; " + (meant == null ? resolved.mapping : meant), null);
    }

    /** The policy's external IDs: how many, never what. */
    private static String secret(List<String> wanted) {
        return wanted.size() + " value" + (wanted.size() == 1 ? "" : "s") + " (not shown)";
    }

    /** The call's external ID beside the policy's: only whether they differ in letter case alone. */
    private static String secretActual(List<String> wanted, List<String> actual) {
        boolean caseOnly = actual.stream().anyMatch(a -> wanted.stream().anyMatch(a::equalsIgnoreCase));
        return "a value that is not among them (not shown" + (caseOnly ? "; it differs from one only in letter case"
                : "") + ")";
    }

    static String quote(Collection<String> values) {
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

    /** One string or ARN operator (IAM User Guide, "IAM JSON policy elements: Condition operators"). */
    private static final class Matcher {
        final boolean negated;
        final boolean like;
        final boolean ignoreCase;
        final boolean arn;

        private Matcher(boolean negated, boolean like, boolean ignoreCase, boolean arn) {
            this.negated = negated;
            this.like = like;
            this.ignoreCase = ignoreCase;
            this.arn = arn;
        }

        static Matcher of(String base) {
            switch (base) {
                case "stringequals":
                    return new Matcher(false, false, false, false);
                case "stringnotequals":
                    return new Matcher(true, false, false, false);
                case "stringequalsignorecase":
                    return new Matcher(false, false, true, false);
                case "stringnotequalsignorecase":
                    return new Matcher(true, false, true, false);
                case "stringlike":
                    return new Matcher(false, true, false, false);
                case "stringnotlike":
                    return new Matcher(true, true, false, false);
                // ArnEquals and ArnLike behave identically, as do their negations: case-sensitive, wildcards in
                // each of the six colon-separated parts.
                case "arnequals":
                case "arnlike":
                    return new Matcher(false, true, false, true);
                case "arnnotequals":
                case "arnnotlike":
                    return new Matcher(true, true, false, true);
                default:
                    return null;
            }
        }

        boolean matchesAny(String actual, List<String> wanted) {
            boolean any = wanted.stream().anyMatch(w -> arn ? arnMatches(w, actual)
                    : like ? glob(w).matcher(actual).matches()
                    : ignoreCase ? w.equalsIgnoreCase(actual) : w.equals(actual));
            return negated != any;
        }

        /** Each of the six parts on its own: a wildcard in one never spans a colon into the next. */
        private static boolean arnMatches(String pattern, String value) {
            String[] wanted = pattern.split(":", 6);
            String[] actual = value.split(":", 6);
            if (wanted.length != 6 || actual.length != 6) {
                return false;
            }
            for (int i = 0; i < 6; i++) {
                if (!glob(wanted[i]).matcher(actual[i]).matches()) {
                    return false;
                }
            }
            return true;
        }
    }

    /** How one statement fares: what it covers, whether its principal and conditions match, and why not. */
    private static final class Evaluated {
        final String label;
        final boolean isAllow;
        final boolean isDeny;
        final Set<String> covered = new LinkedHashSet<>();
        final List<String> reasons = new ArrayList<>();
        final Map<String, String> partial = new LinkedHashMap<>();
        final List<String> notes = new ArrayList<>();
        boolean wellFormed;
        PolicyRequest.Match principal;
        boolean definitelyFails;
        boolean evaluable = true;

        Evaluated(String label, IamStatement statement) {
            this.label = label;
            this.isAllow = IamEffect.ALLOW.equals(statement.effect());
            this.isDeny = IamEffect.DENY.equals(statement.effect());
        }

        String effect() {
            return isDeny ? "Deny" : isAllow ? "Allow" : "unknown Effect";
        }

        /** A statement IAM would refuse never matches, whatever else it says. */
        boolean matches() {
            return wellFormed && (isAllow || isDeny) && !covered.isEmpty() && principal == PolicyRequest.Match.YES
                    && !definitelyFails && evaluable;
        }

        /** It may match: nothing rules it out, but a principal or a condition cannot be evaluated offline. */
        boolean unknown() {
            return (isAllow || isDeny) && !covered.isEmpty() && principal != PolicyRequest.Match.NO && !definitelyFails
                    && (!evaluable || principal == PolicyRequest.Match.UNKNOWN);
        }
    }

    private static final class ConditionResult {
        final boolean holds;
        final boolean evaluable;
        final String reason;
        final String note;

        ConditionResult(boolean holds, boolean evaluable, String reason, String note) {
            this.holds = holds;
            this.evaluable = evaluable;
            this.reason = reason;
            this.note = note;
        }
    }
}
