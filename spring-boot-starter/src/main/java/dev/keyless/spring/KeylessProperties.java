package dev.keyless.spring;

import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code keyless.*} settings of the auto-configured {@link dev.keyless.WebIdentityCredentialsProvider}.
 * Only {@code keyless.role-arn} (or {@code AWS_ROLE_ARN}) is required; everything else has a default that fits
 * GKE.
 *
 * <p>Not thread-safe: Spring binds it once at startup.
 */
@ConfigurationProperties("keyless")
public class KeylessProperties {

    /**
     * Whether Keyless provides the application's AWS credentials. When false, nothing of Keyless is
     * configured and Spring Cloud AWS (or the application) chooses the credentials as before.
     */
    private boolean enabled = true;

    /**
     * The IAM role to assume, arn:aws:iam::ACCOUNT:role/NAME. By default, the AWS_ROLE_ARN environment
     * variable (or the aws.roleArn system property). Without a role ARN Keyless configures no credentials
     * provider.
     */
    private String roleArn;

    /**
     * Where the Google-issued OIDC token comes from. AUTO reads keyless.token-file if it is set, else
     * picks on the first fetch: the AWS_WEB_IDENTITY_TOKEN_FILE file, the metadata server on Google Cloud,
     * or Application Default Credentials.
     */
    private TokenSourceKind tokenSource = TokenSourceKind.AUTO;

    /**
     * The path of the token file (a GKE projected service-account token), re-read for every STS call. By
     * default, the AWS_WEB_IDENTITY_TOKEN_FILE environment variable; token-source FILE needs one or the other.
     */
    // A String, not a Path: Spring converts a Path through the context's resource loader, whose protocol
    // resolvers (Spring Cloud AWS's s3://) need the AWS clients that need this provider: a bean cycle.
    private String tokenFile;

    /**
     * The audience Keyless asks the metadata server or Google credentials to put in the token: the
     * trust policy's accounts.google.com:oaud. Not used for token files, whose audience the projected
     * volume sets.
     */
    private String audience = "sts.amazonaws.com";

    /**
     * The role session name CloudTrail records, 2 to 64 characters of letters, digits and +=,.@_-. By
     * default, AWS_ROLE_SESSION_NAME if set, else derived from the token (the pod, the Kubernetes or Google
     * service account).
     */
    private String roleSessionName;

    /**
     * How long the credentials last, 15 minutes to 12 hours and at most the role's maximum session
     * duration. By default, STS's default of one hour.
     */
    private Duration sessionDuration;

    /**
     * The region whose STS endpoint Keyless calls, for example eu-west-1. By default, the AWS_REGION
     * environment variable (or the aws.region system property), else us-east-1.
     */
    private String region;

    /**
     * An STS endpoint to call instead of the region's, for example a VPC endpoint. By default, the
     * regional endpoint.
     */
    private URI stsEndpoint;

    /**
     * When credentials are refreshed.
     */
    private final Refresh refresh = new Refresh();

    /**
     * Whether to get credentials during startup, so that an application whose role cannot be assumed
     * fails to start with the diagnosis instead of failing on its first AWS call. By default, credentials
     * are fetched on first use.
     */
    private boolean failFast;

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public String getRoleArn() {
        return roleArn;
    }

    public void setRoleArn(String roleArn) {
        this.roleArn = roleArn;
    }

    public TokenSourceKind getTokenSource() {
        return tokenSource;
    }

    public void setTokenSource(TokenSourceKind tokenSource) {
        this.tokenSource = tokenSource;
    }

    public String getTokenFile() {
        return tokenFile;
    }

    public void setTokenFile(String tokenFile) {
        this.tokenFile = tokenFile;
    }

    public String getAudience() {
        return audience;
    }

    public void setAudience(String audience) {
        this.audience = audience;
    }

    public String getRoleSessionName() {
        return roleSessionName;
    }

    public void setRoleSessionName(String roleSessionName) {
        this.roleSessionName = roleSessionName;
    }

    public Duration getSessionDuration() {
        return sessionDuration;
    }

    public void setSessionDuration(Duration sessionDuration) {
        this.sessionDuration = sessionDuration;
    }

    public String getRegion() {
        return region;
    }

    public void setRegion(String region) {
        this.region = region;
    }

    public URI getStsEndpoint() {
        return stsEndpoint;
    }

    public void setStsEndpoint(URI stsEndpoint) {
        this.stsEndpoint = stsEndpoint;
    }

    public Refresh getRefresh() {
        return refresh;
    }

    public boolean isFailFast() {
        return failFast;
    }

    public void setFailFast(boolean failFast) {
        this.failFast = failFast;
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
