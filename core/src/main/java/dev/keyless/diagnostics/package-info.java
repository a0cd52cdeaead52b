/**
 * Explains federation offline, from the token itself: {@link dev.keyless.diagnostics.TokenInspector}
 * reports a token's claims and what is wrong with them, {@link dev.keyless.diagnostics.TrustPolicies}
 * writes the trust policy that admits exactly that identity, and
 * {@link dev.keyless.diagnostics.TrustPolicyEvaluator} decides whether a given trust policy admits it.
 * Nothing here ever shows the token itself.
 */
package dev.keyless.diagnostics;
