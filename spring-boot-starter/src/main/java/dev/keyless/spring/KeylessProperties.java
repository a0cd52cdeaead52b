package dev.keyless.spring;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code keyless.*} settings of the auto-configured {@link dev.keyless.WebIdentityCredentialsProvider}.
 * Only {@code keyless.role-arn} (or {@code AWS_ROLE_ARN}) is required; everything else has a default that fits
 * GKE. {@code keyless.chain[N].*} assumes further roles after the first, {@code keyless.providers.NAME.*} adds
 * providers for further roles, {@code keyless.clients.*} gives them to Spring Cloud AWS's clients.
 *
 * <p>Not thread-safe: Spring binds it once at startup.
 */
@ConfigurationProperties("keyless")
public class KeylessProperties extends KeylessProviderProperties {

    /**
     * Whether Keyless provides the application's AWS credentials. When false, nothing of Keyless is
     * configured and Spring Cloud AWS (or the application) chooses the credentials as before.
     */
    private boolean enabled = true;

    /**
     * Whether to get credentials during startup, so that an application whose role cannot be assumed
     * fails to start with the diagnosis instead of failing on its first AWS call. By default, credentials
     * are fetched on first use.
     */
    private boolean failFast;

    /**
     * The profile of the AWS shared config file (AWS_CONFIG_FILE, else ~/.aws/config) that configures the main
     * provider: a web identity profile (role_arn with web_identity_token_file or keyless_token_source), or one
     * chained from it (role_arn with source_profile, and external_id, role_session_name, duration_seconds). Its
     * values are the last fallback of each setting, after keyless.*, the aws.* system properties and the AWS_*
     * variables; a profile that is missing, loops or is incomplete stops startup. By default, aws.profile or
     * AWS_PROFILE, else the profile named default if it configures web identity.
     */
    private String profile;

    /**
     * Further providers, each assuming a role of its own, by name (letters, digits, - and _; not "default"):
     * keyless.providers.NAME.role-arn (required) and the same settings as the main provider (token-source,
     * token-file, audience, role-session-name, session-duration, region, sts-endpoint, refresh.prefetch,
     * refresh.stale, chain), with the same defaults; nothing is inherited from the main provider's keyless.*
     * settings. Each is a bean named keylessNAMECredentialsProvider (NAME in camel case), not injected by type,
     * and is given to Spring Cloud AWS clients with keyless.clients.
     */
    private final Map<String, KeylessProviderProperties> providers = new LinkedHashMap<>();

    /**
     * Which named provider (keyless.providers.NAME) signs each Spring Cloud AWS client, for example
     * keyless.clients.s3=exports. Clients: s3, sqs, sns, dynamodb, ses, secrets-manager, parameter-store,
     * cloudwatch. Clients not listed use the main provider.
     */
    private final Map<String, String> clients = new LinkedHashMap<>();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public boolean isFailFast() {
        return failFast;
    }

    public void setFailFast(boolean failFast) {
        this.failFast = failFast;
    }

    public String getProfile() {
        return profile;
    }

    public void setProfile(String profile) {
        this.profile = profile;
    }

    public Map<String, KeylessProviderProperties> getProviders() {
        return providers;
    }

    public Map<String, String> getClients() {
        return clients;
    }

    /** The kinds of token source {@code keyless.token-source} can name. */
    public enum TokenSourceKind {
        /** The token file if one is configured, else whichever source fits the environment. */
        AUTO,
        /** A token file: keyless.token-file, else AWS_WEB_IDENTITY_TOKEN_FILE. */
        FILE,
        /** The Google service account's identity token from the GCE/GKE metadata server. */
        METADATA_SERVER,
        /** Google Application Default Credentials (needs google-auth-library-oauth2-http). */
        GOOGLE_CREDENTIALS
    }

    /**
     * {@code keyless.chain[N].*}: one role assumed with {@code sts:AssumeRole} after the first, mapped onto
     * core's {@link dev.keyless.ChainedRole}, which checks the values when the provider is built.
     */
    public static class Hop {

        /**
         * The role to assume at this hop, arn:aws:iam::ACCOUNT:role/NAME. Required. Its trust policy must name
         * the role before it in Principal.AWS and allow sts:AssumeRole; that role's permissions must allow
         * sts:AssumeRole on it.
         */
        private String roleArn;

        /**
         * The role session name CloudTrail records for this hop, 2 to 64 characters of letters, digits and
         * +=,.@_-. By default, the first role's session name.
         */
        private String roleSessionName;

        /**
         * The external ID this role's trust policy requires in its sts:ExternalId condition. Health and the
         * keyless endpoint never show it. By default, none.
         */
        private String externalId;

        /**
         * Session tags to send, at most 50, for example session-tags.team=orders (a key with dots or other
         * special characters in brackets: session-tags[cost.center]=42). This role's trust policy must allow
         * sts:TagSession. Health and the keyless endpoint never show their values. By default, none.
         */
        private Map<String, String> sessionTags = new LinkedHashMap<>();

        /**
         * The keys of session-tags that pass on to the later hops' sessions. By default, none.
         */
        private List<String> transitiveTagKeys = new ArrayList<>();

        /**
         * The source identity CloudTrail records for this and every later session, 2 to 64 characters of
         * letters, digits and +=,.@-. This role's trust policy must allow sts:SetSourceIdentity. By default, none.
         */
        private String sourceIdentity;

        /**
         * How long this hop's credentials last, 15 minutes to one hour: AWS caps the session of a chained role
         * at one hour, whatever its maximum session duration. By default, STS's default of one hour.
         */
        private Duration sessionDuration;

        /**
         * An inline session policy (JSON, at most 2048 characters) that narrows this role's permissions. By
         * default, none.
         */
        private String policy;

        /**
         * Managed policies (at most 10 ARNs) that narrow this role's permissions. By default, none.
         */
        private List<String> policyArns = new ArrayList<>();

        public String getRoleArn() {
            return roleArn;
        }

        public void setRoleArn(String roleArn) {
            this.roleArn = roleArn;
        }

        public String getRoleSessionName() {
            return roleSessionName;
        }

        public void setRoleSessionName(String roleSessionName) {
            this.roleSessionName = roleSessionName;
        }

        public String getExternalId() {
            return externalId;
        }

        public void setExternalId(String externalId) {
            this.externalId = externalId;
        }

        public Map<String, String> getSessionTags() {
            return sessionTags;
        }

        public void setSessionTags(Map<String, String> sessionTags) {
            this.sessionTags = sessionTags;
        }

        public List<String> getTransitiveTagKeys() {
            return transitiveTagKeys;
        }

        public void setTransitiveTagKeys(List<String> transitiveTagKeys) {
            this.transitiveTagKeys = transitiveTagKeys;
        }

        public String getSourceIdentity() {
            return sourceIdentity;
        }

        public void setSourceIdentity(String sourceIdentity) {
            this.sourceIdentity = sourceIdentity;
        }

        public Duration getSessionDuration() {
            return sessionDuration;
        }

        public void setSessionDuration(Duration sessionDuration) {
            this.sessionDuration = sessionDuration;
        }

        public String getPolicy() {
            return policy;
        }

        public void setPolicy(String policy) {
            this.policy = policy;
        }

        public List<String> getPolicyArns() {
            return policyArns;
        }

        public void setPolicyArns(List<String> policyArns) {
            this.policyArns = policyArns;
        }
    }

    /** {@code keyless.refresh.*}: when credentials are refreshed. */
    public static class Refresh {

        /**
         * How long before expiry the background refresh starts (less a random jitter of up to half of
         * it). By default, 5 minutes.
         */
        private Duration prefetch = Duration.ofMinutes(5);

        /**
         * How long before expiry credentials stop being handed out; at most keyless.refresh.prefetch. By
         * default, 1 minute.
         */
        private Duration stale = Duration.ofMinutes(1);

        public Duration getPrefetch() {
            return prefetch;
        }

        public void setPrefetch(Duration prefetch) {
            this.prefetch = prefetch;
        }

        public Duration getStale() {
            return stale;
        }

        public void setStale(Duration stale) {
            this.stale = stale;
        }
    }
}
