package dev.keyless.sts;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What STS accepts in the parameters of an {@code sts:AssumeRole} call, whatever the trust policy says; each rule
 * from the IAM User Guide. A provider refuses a value outside them at {@code build()}, the trust policy
 * evaluator reports one as a refusal, and the {@code keyless} command refuses one as an option value.
 * Messages never contain an external ID. Stateless and thread-safe.
 */
public final class StsParameters {

    /**
     * The longest session of a role assumed with another role's session ("Roles terms and concepts: role
     * chaining": a longer {@code DurationSeconds} fails).
     */
    public static final Duration MAX_CHAINED_SESSION = Duration.ofHours(1);
    /** At most this many session tags ("Pass session tags in AWS STS"). */
    public static final int MAX_SESSION_TAGS = 50;
    /** A session tag key has at most this many characters. */
    public static final int MAX_TAG_KEY_LENGTH = 128;
    /** A session tag value has at most this many characters. */
    public static final int MAX_TAG_VALUE_LENGTH = 256;
    /** An inline session policy has at most this many characters ("Session policies"). */
    public static final int MAX_POLICY_LENGTH = 2048;
    /** At most this many managed session policies ("Session policies"). */
    public static final int MAX_POLICY_ARNS = 10;

    /** "sts:ExternalId": 2 to 1224 characters, alphanumeric and {@code +=,.@:/-}, no white space. */
    private static final Pattern EXTERNAL_ID = Pattern.compile("[\\w+=,.@:/-]{2,1224}");
    /**
     * Source identity: 2 to 64 characters, alphanumeric and {@code _.,+=@-}; the reserved prefix {@code aws:} is
     * out of reach, {@code :} not being among them.
     */
    private static final Pattern SOURCE_IDENTITY = Pattern.compile("[\\w+=,.@-]{2,64}");
    private static final String RESERVED = "aws:";

    private StsParameters() {
    }

    /**
     * Why STS would refuse this external ID ("sts:ExternalId" in "IAM and AWS STS condition context keys").
     *
     * @param externalId the external ID
     * @return the problem, naming its length but never its value; {@code null} if STS accepts it
     */
    public static String externalIdProblem(String externalId) {
        if (externalId == null || EXTERNAL_ID.matcher(externalId).matches()) {
            return null;
        }
        return "the external ID (not shown, " + externalId.length() + " characters) is not one STS accepts: 2 to 1224 "
                + "letters, digits and _+=,.@:/- with no spaces";
    }

    /**
     * Why STS would refuse this source identity ("Monitor and control actions taken with assumed roles").
     *
     * @param sourceIdentity the source identity
     * @return the problem; {@code null} if STS accepts it
     */
    public static String sourceIdentityProblem(String sourceIdentity) {
        if (sourceIdentity == null) {
            return null;
        }
        if (!SOURCE_IDENTITY.matcher(sourceIdentity).matches()) {
            return "the source identity \"" + shorten(sourceIdentity) + "\" is not one STS accepts: 2 to 64 letters, "
                    + "digits and _+=,.@-";
        }
        return null;
    }

    /**
     * Why STS would refuse these session tags ("Pass session tags in AWS STS", "Tagging IAM resources"): more than
     * {@value #MAX_SESSION_TAGS}, a key of more than {@value #MAX_TAG_KEY_LENGTH} characters or empty, a value of
     * more than {@value #MAX_TAG_VALUE_LENGTH}, a key or value beginning with {@code aws:}, two keys that differ only
     * in letter case.
     *
     * @param tags the session tags
     * @return the problems, empty if STS accepts them
     */
    public static List<String> sessionTagProblems(Map<String, String> tags) {
        List<String> problems = new ArrayList<>();
        if (tags == null) {
            return problems;
        }
        if (tags.size() > MAX_SESSION_TAGS) {
            problems.add(tags.size() + " session tags, more than STS's " + MAX_SESSION_TAGS);
        }
        Map<String, String> byLowerKey = new LinkedHashMap<>();
        for (Map.Entry<String, String> tag : tags.entrySet()) {
            String key = tag.getKey();
            String value = tag.getValue() == null ? "" : tag.getValue();
            String keyProblem = tagKeyProblem(key);
            if (keyProblem != null) {
                problems.add(keyProblem);
            }
            if (value.length() > MAX_TAG_VALUE_LENGTH) {
                problems.add("the value of tag " + shorten(key) + " has " + value.length() + " characters (at most "
                        + MAX_TAG_VALUE_LENGTH + ")");
            }
            if (reserved(value)) {
                problems.add("the value of tag " + shorten(key) + " begins with aws:, a prefix AWS reserves");
            }
            String earlier = byLowerKey.putIfAbsent(key.toLowerCase(Locale.ROOT), key);
            if (earlier != null) {
                problems.add("the tag keys " + shorten(earlier) + " and " + shorten(key) + " differ only in letter case, "
                        + "and session tag keys are compared regardless of case");
            }
        }
        return problems;
    }

    /**
     * Why STS would refuse this tag key, as a session tag's or a transitive one's.
     *
     * @param key the tag key
     * @return the problem; {@code null} if STS accepts it
     */
    public static String tagKeyProblem(String key) {
        if (key == null || key.isEmpty() || key.length() > MAX_TAG_KEY_LENGTH) {
            return "the tag key \"" + shorten(String.valueOf(key)) + "\" has " + (key == null ? 0 : key.length())
                    + " characters (1 to " + MAX_TAG_KEY_LENGTH + ")";
        }
        if (reserved(key)) {
            return "the tag key " + shorten(key) + " begins with aws:, a prefix AWS reserves";
        }
        return null;
    }

    private static boolean reserved(String value) {
        return value.regionMatches(true, 0, RESERVED, 0, RESERVED.length());
    }

    private static String shorten(String value) {
        return value.length() > 40 ? value.substring(0, 40) + "..." : value;
    }
}
