package dev.keyless.diagnostics;

import dev.keyless.internal.text.Escaping;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;
import software.amazon.awssdk.protocols.jsoncore.JsonNodeParser;

/**
 * Checks a trust policy against IAM's grammar before anything is evaluated, so that an element the evaluator
 * does not understand can never widen a verdict: an {@code Effect} other than exactly {@code Allow} or
 * {@code Deny}, an unknown or mis-cased element or condition operator, a value of the wrong shape. IAM refuses
 * such a policy (MalformedPolicyDocument), so a token cannot be admitted by it as written. Also reads the JSON
 * itself, so that a malformed file gets a message with a line and column, never the parser's class name or the
 * file's text. Stateless and thread-safe.
 */
final class PolicyGrammar {

    private static final Set<String> POLICY_ELEMENTS = Set.of("Version", "Id", "Statement");
    private static final Set<String> STATEMENT_ELEMENTS = Set.of("Sid", "Effect", "Principal", "NotPrincipal",
            "Action", "NotAction", "Resource", "NotResource", "Condition");
    private static final Set<String> PRINCIPAL_TYPES = Set.of("AWS", "Federated", "Service", "CanonicalUser");
    private static final Set<String> VERSIONS = Set.of("2012-10-17", "2008-10-17");
    /** IAM's condition operators (IAM User Guide, "IAM JSON policy elements: Condition operators"). */
    private static final Set<String> OPERATORS = Set.of("StringEquals", "StringNotEquals", "StringEqualsIgnoreCase",
            "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike", "NumericEquals", "NumericNotEquals",
            "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals",
            "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
            "DateGreaterThanEquals", "Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals", "ArnLike",
            "ArnNotEquals", "ArnNotLike", "Null");
    private static final String IF_EXISTS = "IfExists";
    private static final String FOR_ANY = "ForAnyValue:";
    private static final String FOR_ALL = "ForAllValues:";

    private PolicyGrammar() {
    }

    /**
     * Reads the policy's JSON.
     *
     * @param json the policy
     * @return its root
     * @throws IllegalArgumentException if it is not JSON, with the line and column where it stops being JSON
     */
    static JsonNode parse(String json) {
        JsonNode root;
        try {
            root = JsonNodeParser.create().parse(json);
        } catch (RuntimeException e) {
            // The parser's message quotes the input and names its own classes; neither helps the reader.
            throw new IllegalArgumentException("The trust policy is not valid JSON" + location(e)
                    + ". Pass the policy document as IAM shows it (aws iam get-role --role-name NAME "
                    + "--query Role.AssumeRolePolicyDocument).");
        }
        if (root == null) {
            throw new IllegalArgumentException("The trust policy is empty. Pass the policy document as IAM shows it "
                    + "(aws iam get-role --role-name NAME --query Role.AssumeRolePolicyDocument).");
        }
        return root;
    }

    private static String location(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof software.amazon.awssdk.thirdparty.jackson.core.JsonProcessingException) {
                software.amazon.awssdk.thirdparty.jackson.core.JsonLocation where =
                        ((software.amazon.awssdk.thirdparty.jackson.core.JsonProcessingException) t).getLocation();
                if (where != null && where.getLineNr() > 0) {
                    return " (it stops being JSON at line " + where.getLineNr() + ", column " + where.getColumnNr() + ")";
                }
            }
        }
        return "";
    }

    /**
     * What IAM would not accept in the policy, or the evaluator does not know.
     *
     * @param root the policy's JSON
     * @return policy-level problems under the key {@code ""}, each statement's under its label; empty if none
     */
    static Map<String, List<String>> problems(JsonNode root) {
        Map<String, List<String>> problems = new LinkedHashMap<>();
        if (!root.isObject()) {
            add(problems, "", "the policy is a JSON " + shape(root) + ", not an object with a Statement element");
            return problems;
        }
        Map<String, JsonNode> policy = root.asObject();
        unknownElements(policy, POLICY_ELEMENTS, "policy", problems, "");
        JsonNode version = policy.get("Version");
        if (version != null && !(version.isString() && VERSIONS.contains(version.asString()))) {
            add(problems, "", "Version is " + show(version) + "; IAM accepts \"2012-10-17\" (or the old \"2008-10-17\")");
        }
        JsonNode statements = policy.get("Statement");
        List<JsonNode> list;
        if (statements == null) {
            add(problems, "", "the policy has no Statement element");
            return problems;
        } else if (statements.isArray()) {
            list = statements.asArray();
        } else if (statements.isObject()) {
            list = List.of(statements);
        } else {
            add(problems, "", "Statement is a " + shape(statements) + ", not an object or a list of objects");
            return problems;
        }
        for (int i = 0; i < list.size(); i++) {
            statement(list.get(i), i + 1, problems);
        }
        return problems;
    }

    /** The label the evaluator gives statement {@code index} (1-based). */
    static String label(String sid, int index) {
        return sid == null ? "#" + index : "\"" + sid + "\" (#" + index + ")";
    }

    private static void statement(JsonNode node, int index, Map<String, List<String>> problems) {
        if (!node.isObject()) {
            add(problems, "#" + index, "the statement is a " + shape(node) + ", not an object");
            return;
        }
        Map<String, JsonNode> statement = node.asObject();
        JsonNode sid = statement.get("Sid");
        String label = label(sid != null && sid.isString() ? sid.asString() : null, index);
        if (sid != null && !sid.isString()) {
            add(problems, label, "Sid is a " + shape(sid) + ", not a string");
        }
        unknownElements(statement, STATEMENT_ELEMENTS, "statement", problems, label);
        JsonNode effect = statement.get("Effect");
        if (effect == null) {
            add(problems, label, "the statement has no Effect; IAM requires \"Allow\" or \"Deny\"");
        } else if (!effect.isString() || !(effect.asString().equals("Allow") || effect.asString().equals("Deny"))) {
            add(problems, label, "Effect is " + show(effect) + "; IAM accepts exactly \"Allow\" or \"Deny\" (case-sensitive)");
        }
        boolean action = statement.containsKey("Action");
        boolean notAction = statement.containsKey("NotAction");
        if (action == notAction) {
            add(problems, label, action ? "the statement has both Action and NotAction" : "the statement has no Action");
        }
        strings(statement, "Action", label, problems);
        strings(statement, "NotAction", label, problems);
        for (String resource : List.of("Resource", "NotResource")) {
            if (statement.containsKey(resource)) {
                add(problems, label, "a trust policy may not have " + resource + " (IAM: \"Has prohibited field "
                        + resource + "\")");
            }
        }
        boolean principal = statement.containsKey("Principal");
        boolean notPrincipal = statement.containsKey("NotPrincipal");
        if (principal == notPrincipal) {
            add(problems, label, principal ? "the statement has both Principal and NotPrincipal"
                    : "the statement has no Principal; a trust policy names who may assume the role");
        }
        for (String element : List.of("Principal", "NotPrincipal")) {
            JsonNode value = statement.get(element);
            if (value != null) {
                principal(element, value, label, problems);
            }
        }
        JsonNode condition = statement.get("Condition");
        if (condition != null) {
            condition(condition, label, problems);
        }
    }

    private static void principal(String element, JsonNode value, String label, Map<String, List<String>> problems) {
        if (value.isString()) {
            if (!value.asString().equals("*")) {
                add(problems, label, element + " is the string " + show(value) + "; IAM accepts only \"*\" or an "
                        + "object such as {\"Federated\": \"...\"}");
            }
            return;
        }
        if (!value.isObject()) {
            add(problems, label, element + " is a " + shape(value) + ", not \"*\" or an object");
            return;
        }
        for (Map.Entry<String, JsonNode> entry : value.asObject().entrySet()) {
            if (!PRINCIPAL_TYPES.contains(entry.getKey())) {
                add(problems, label, element + " has the unknown principal type " + show(entry.getKey())
                        + suggestion(entry.getKey(), PRINCIPAL_TYPES));
            }
            stringList(element + "." + entry.getKey(), entry.getValue(), label, problems, false);
        }
    }

    private static void condition(JsonNode condition, String label, Map<String, List<String>> problems) {
        if (!condition.isObject()) {
            add(problems, label, "Condition is a " + shape(condition) + ", not an object of operators");
            return;
        }
        for (Map.Entry<String, JsonNode> block : condition.asObject().entrySet()) {
            String operator = block.getKey();
            if (!isOperator(operator)) {
                add(problems, label, "the condition operator " + show(operator) + " is not one IAM knows"
                        + operatorSuggestion(operator) + " (operator names are case-sensitive)");
            }
            if (!block.getValue().isObject()) {
                add(problems, label, "Condition " + show(operator) + " is a " + shape(block.getValue())
                        + ", not an object of condition keys");
                continue;
            }
            for (Map.Entry<String, JsonNode> key : block.getValue().asObject().entrySet()) {
                if (key.getKey().isBlank()) {
                    add(problems, label, "Condition " + show(operator) + " has an empty condition key");
                }
                stringList("Condition " + operator + " " + key.getKey(), key.getValue(), label, problems, true);
            }
        }
    }

    static boolean isOperator(String operator) {
        String base = operator;
        if (base.startsWith(FOR_ANY)) {
            base = base.substring(FOR_ANY.length());
        } else if (base.startsWith(FOR_ALL)) {
            base = base.substring(FOR_ALL.length());
        }
        if (base.endsWith(IF_EXISTS) && !base.equals("Null" + IF_EXISTS)) {
            base = base.substring(0, base.length() - IF_EXISTS.length());
        }
        return OPERATORS.contains(base);
    }

    private static String operatorSuggestion(String operator) {
        String lower = operator.toLowerCase(Locale.ROOT);
        for (String known : OPERATORS) {
            for (String form : List.of(known, known + IF_EXISTS, FOR_ANY + known, FOR_ALL + known)) {
                if (form.toLowerCase(Locale.ROOT).equals(lower)) {
                    return " (did you mean \"" + form + "\"?)";
                }
            }
        }
        return "";
    }

    private static void strings(Map<String, JsonNode> statement, String element, String label,
            Map<String, List<String>> problems) {
        JsonNode value = statement.get(element);
        if (value != null) {
            stringList(element, value, label, problems, false);
        }
    }

    /** A string, or a non-empty list of strings; condition values may also be numbers and booleans. */
    private static void stringList(String what, JsonNode value, String label, Map<String, List<String>> problems,
            boolean scalars) {
        if (isScalar(value, scalars)) {
            return;
        }
        if (value.isArray()) {
            List<JsonNode> items = value.asArray();
            if (items.isEmpty()) {
                add(problems, label, what + " is an empty list");
            }
            for (JsonNode item : items) {
                if (!isScalar(item, scalars)) {
                    add(problems, label, what + " holds a " + shape(item) + "; IAM expects "
                            + (scalars ? "strings, numbers or booleans" : "strings") + " there");
                    return;
                }
            }
            return;
        }
        add(problems, label, what + " is a " + shape(value) + "; IAM expects a string or a list of "
                + (scalars ? "strings, numbers or booleans" : "strings") + " there");
    }

    private static boolean isScalar(JsonNode value, boolean scalars) {
        return value.isString() || scalars && (value.isNumber() || value.isBoolean());
    }

    private static void unknownElements(Map<String, JsonNode> object, Set<String> known, String where,
            Map<String, List<String>> problems, String label) {
        for (String name : object.keySet()) {
            if (!known.contains(name)) {
                add(problems, label, show(name) + " is not an IAM " + where + " element" + suggestion(name, known)
                        + " (element names are case-sensitive)");
            }
        }
    }

    private static String suggestion(String name, Set<String> known) {
        for (String candidate : known) {
            if (candidate.equalsIgnoreCase(name)) {
                return " (did you mean \"" + candidate + "\"?)";
            }
        }
        return "";
    }

    private static String shape(JsonNode node) {
        if (node.isObject()) {
            return "object";
        }
        if (node.isArray()) {
            return "list";
        }
        if (node.isString()) {
            return "string";
        }
        if (node.isNumber()) {
            return "number";
        }
        if (node.isBoolean()) {
            return "boolean";
        }
        return "null";
    }

    private static String show(JsonNode node) {
        if (node.isString()) {
            return show(node.asString());
        }
        if (node.isNumber()) {
            return "the number " + Escaping.escape(node.asNumber());
        }
        if (node.isBoolean()) {
            return "the boolean " + node.asBoolean();
        }
        return "a " + shape(node);
    }

    /** A value from the policy, quoted, shortened and escaped: it is the policy author's text, not ours. */
    private static String show(String value) {
        String shown = value.length() > 80 ? value.substring(0, 80) + "..." : value;
        return "\"" + Escaping.escape(shown) + "\"";
    }

    private static void add(Map<String, List<String>> problems, String label, String problem) {
        problems.computeIfAbsent(label, k -> new ArrayList<>()).add(problem);
    }
}
