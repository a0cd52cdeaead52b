package dev.keyless.diagnostics;

import dev.keyless.internal.text.Escaping;
import dev.keyless.internal.text.Json;
import dev.keyless.jwt.Claims;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link TokenInspector} found in a token: its header, its claims, what kind of token it is, and
 * findings with fixes. It holds claims, which are not secret, and never the token. Immutable and
 * thread-safe.
 */
public final class TokenReport {

    private final Instant inspectedAt;
    private final int length;
    private final String algorithm;
    private final String keyId;
    private final Claims claims;
    private final TokenKind kind;
    private final List<Finding> findings;
    private final boolean signatureVerified;

    TokenReport(Instant inspectedAt, int length, String algorithm, String keyId, Claims claims,
                TokenKind kind, List<Finding> findings, boolean signatureVerified) {
        this.inspectedAt = inspectedAt;
        this.length = length;
        this.algorithm = algorithm;
        this.keyId = keyId;
        this.claims = claims;
        this.kind = kind;
        this.findings = List.copyOf(findings);
        this.signatureVerified = signatureVerified;
    }

    TokenReport withVerification(boolean verified, List<Finding> more) {
        List<Finding> all = new ArrayList<>(findings);
        all.addAll(more);
        return new TokenReport(inspectedAt, length, algorithm, keyId, claims, kind, all, verified);
    }

    /**
     * When the report was made; relative times are computed from it.
     *
     * @return the instant
     */
    public Instant inspectedAt() {
        return inspectedAt;
    }

    /**
     * The token's length in characters (STS accepts up to 20000).
     *
     * @return the length
     */
    public int length() {
        return length;
    }

    /**
     * The header's {@code alg}.
     *
     * @return the algorithm, or {@code null} if the token is not a JWT
     */
    public String algorithm() {
        return algorithm;
    }

    /**
     * The header's {@code kid}.
     *
     * @return the key id, or {@code null}
     */
    public String keyId() {
        return keyId;
    }

    /**
     * All claims of the payload, unverified unless {@link #signatureVerified()}.
     *
     * @return the claims, empty if the token is not a JWT
     */
    public Claims claims() {
        return claims;
    }

    /**
     * The token's kind.
     *
     * @return the kind
     */
    public TokenKind kind() {
        return kind;
    }

    /**
     * What is wrong or worth knowing, most severe first.
     *
     * @return the findings, empty if none
     */
    public List<Finding> findings() {
        return findings;
    }

    /**
     * Whether any finding is an {@link Finding.Severity#ERROR}: STS will refuse the token.
     *
     * @return {@code true} if so
     */
    public boolean hasErrors() {
        return findings.stream().anyMatch(f -> f.severity() == Finding.Severity.ERROR);
    }

    /**
     * Whether the signature was checked against the issuer's published keys and found valid.
     *
     * @return {@code true} only after a successful {@link TokenInspector#verify} check
     */
    public boolean signatureVerified() {
        return signatureVerified;
    }

    /** @return the {@code iss} claim, or {@code null} */
    public String issuer() {
        return claims.issuer();
    }

    /** @return the {@code sub} claim, or {@code null} */
    public String subject() {
        return claims.subject();
    }

    /** @return the {@code aud} claim as a list, empty if absent */
    public List<String> audience() {
        return claims.audience();
    }

    /** @return the {@code azp} claim, or {@code null} */
    public String authorizedParty() {
        return claims.authorizedParty();
    }

    /** @return the {@code email} claim, or {@code null} */
    public String email() {
        return claims.email();
    }

    /** @return the {@code iat} claim, or {@code null} */
    public Instant issuedAt() {
        return claims.issuedAt();
    }

    /** @return the {@code nbf} claim, or {@code null} */
    public Instant notBefore() {
        return claims.notBefore();
    }

    /** @return the {@code exp} claim, or {@code null} */
    public Instant expiresAt() {
        return claims.expirationTime();
    }

    /** @return the pod's namespace from the {@code kubernetes.io} claim, or {@code null} */
    public String kubernetesNamespace() {
        return claims.string("kubernetes.io", "namespace");
    }

    /** @return the Kubernetes service account's name from the {@code kubernetes.io} claim, or {@code null} */
    public String kubernetesServiceAccount() {
        return claims.string("kubernetes.io", "serviceaccount", "name");
    }

    /** @return the pod's name from the {@code kubernetes.io} claim, or {@code null} */
    public String kubernetesPod() {
        return claims.string("kubernetes.io", "pod", "name");
    }

    /**
     * One line naming the identity: kind, {@code iss}, {@code sub}, {@code aud} and expiry. Never the token.
     *
     * @return the summary
     */
    public String summary() {
        if (kind == TokenKind.NOT_A_JWT) {
            return describeKind();
        }
        return describeKind() + ": iss " + Escaping.escape(issuer()) + ", sub " + Escaping.escape(subject())
                + ", aud " + Escaping.escape(String.join(",", audience()))
                + (expiresAt() == null ? "" : ", exp " + relative(expiresAt()));
    }

    /**
     * A human-readable, multi-line report; times are shown relative to {@link #inspectedAt()}.
     *
     * @return the text
     */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        sb.append("Token: ").append(describeKind()).append(", ").append(length).append(" characters, ")
                .append(signatureVerified ? "signature verified" : "signature not verified").append('\n');
        if (kind != TokenKind.NOT_A_JWT) {
            sb.append("  alg  ").append(Escaping.escape(algorithm))
                    .append(keyId == null ? "" : "  kid " + Escaping.escape(keyId)).append('\n');
            line(sb, "iss", issuer());
            line(sb, "sub", subject());
            line(sb, "aud", audience().isEmpty() ? null : String.join(", ", audience()));
            line(sb, "azp", authorizedParty());
            line(sb, "email", email());
            line(sb, "iat", relative(issuedAt()));
            line(sb, "nbf", relative(notBefore()));
            line(sb, "exp", relative(expiresAt()));
            line(sb, "namespace", kubernetesNamespace());
            line(sb, "service account", kubernetesServiceAccount());
            line(sb, "pod", kubernetesPod());
        }
        if (findings.isEmpty()) {
            sb.append("No problems found.\n");
        }
        for (Finding f : findings) {
            sb.append(f.severity()).append(' ').append(f.code()).append(": ").append(f.message()).append('\n')
                    .append("  fix: ").append(f.fix()).append('\n');
        }
        return sb.toString();
    }

    /**
     * The report as a JSON object: kind, header, claims, findings, signature status. Never the token.
     *
     * @return the JSON text
     */
    public String toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("kind", kind.name());
        json.put("length", length);
        json.put("signatureVerified", signatureVerified);
        json.put("inspectedAt", inspectedAt.toString());
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", algorithm);
        header.put("kid", keyId);
        json.put("header", header);
        json.put("claims", claims.asMap());
        List<Object> list = new ArrayList<>();
        for (Finding f : findings) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("severity", f.severity().name());
            m.put("code", f.code());
            m.put("message", f.message());
            m.put("fix", f.fix());
            list.add(m);
        }
        json.put("findings", list);
        return Json.write(json);
    }

    /** The human-readable report. */
    @Override
    public String toString() {
        return toText();
    }

    private String describeKind() {
        switch (kind) {
            case GKE_PROJECTED_SERVICE_ACCOUNT:
                return "GKE projected service-account token";
            case GOOGLE_SERVICE_ACCOUNT:
                return "Google service-account identity token";
            case OTHER_OIDC:
                return "OIDC token";
            default:
                return "not a JWT";
        }
    }

    private String relative(Instant instant) {
        if (instant == null) {
            return null;
        }
        Duration d = Duration.between(inspectedAt, instant);
        long minutes = Math.abs(d.toMinutes());
        String amount = minutes >= 120 ? (minutes / 60) + " h" : minutes >= 1 ? minutes + " min"
                : Math.abs(d.toSeconds()) + " s";
        return instant + (d.isNegative() ? " (" + amount + " ago)" : " (in " + amount + ")");
    }

    /** A claim's line: the value escaped, since the claims of an unverified token are anyone's text. */
    private static void line(StringBuilder sb, String name, String value) {
        if (value != null) {
            sb.append("  ").append(name).append("  ").append(Escaping.escape(value)).append('\n');
        }
    }
}
