package dev.keyless.spring;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The settings of one {@link dev.keyless.WebIdentityCredentialsProvider}: the main provider's under
 * {@code keyless.*} ({@link KeylessProperties}, which adds the switches that apply to all of Keyless), a named
 * provider's under {@code keyless.providers.NAME.*}. Each is mapped onto core's builder as it is; what is not
 * set keeps core's default or its {@code AWS_*} environment fallback.
 *
 * <p>Not thread-safe: Spring binds it once at startup.
 */
public class KeylessProviderProperties {

    /**
     * The IAM role to assume, arn:aws:iam::ACCOUNT:role/NAME. For the main provider (keyless.role-arn), by
     * default the AWS_ROLE_ARN environment variable (or the aws.roleArn system property), and without a role
     * ARN Keyless configures no main provider; a named provider (keyless.providers.NAME.role-arn) needs its own.
     */
    private String roleArn;

    /**
     * Where the Google-issued OIDC token comes from. AUTO reads keyless.token-file if it is set, else
     * picks on the first fetch: the AWS_WEB_IDENTITY_TOKEN_FILE file, the metadata server on Google Cloud,
     * or Application Default Credentials.
     */
    private KeylessProperties.TokenSourceKind tokenSource = KeylessProperties.TokenSourceKind.AUTO;

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
    private final KeylessProperties.Refresh refresh = new KeylessProperties.Refresh();

    /**
     * Roles to assume after the role above, in order, each with sts:AssumeRole signed with the credentials of
     * the role before it (role chaining); the application gets the last role's credentials. Each entry:
     * role-arn (required), role-session-name, external-id, session-tags, transitive-tag-keys, source-identity,
     * session-duration (at most one hour, AWS's cap for a chained role), policy, policy-arns. By default, none.
     */
    private List<KeylessProperties.Hop> chain = new ArrayList<>();

    /** For Spring's binder. */
    public KeylessProviderProperties() {
    }

    public String getRoleArn() {
        return roleArn;
    }

    public void setRoleArn(String roleArn) {
        this.roleArn = roleArn;
    }

    public KeylessProperties.TokenSourceKind getTokenSource() {
        return tokenSource;
    }

    public void setTokenSource(KeylessProperties.TokenSourceKind tokenSource) {
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

    public KeylessProperties.Refresh getRefresh() {
        return refresh;
    }

    public List<KeylessProperties.Hop> getChain() {
        return chain;
    }

    public void setChain(List<KeylessProperties.Hop> chain) {
        this.chain = chain;
    }

}
