package dev.keyless.diagnostics;

/** What issued a token, as far as its claims tell. */
public enum TokenKind {
    /** A GKE projected service-account token: {@code iss} is the cluster's issuer (path A). */
    GKE_PROJECTED_SERVICE_ACCOUNT,
    /** A Google service account's identity token: {@code iss} is {@code https://accounts.google.com} (path B). */
    GOOGLE_SERVICE_ACCOUNT,
    /** Any other OIDC issuer. */
    OTHER_OIDC,
    /** Not a JWT at all. */
    NOT_A_JWT
}
