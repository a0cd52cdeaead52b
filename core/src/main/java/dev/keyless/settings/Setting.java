package dev.keyless.settings;

import software.amazon.awssdk.core.SdkSystemSetting;
import software.amazon.awssdk.profiles.ProfileFileSystemSetting;
import software.amazon.awssdk.utils.SystemSetting;

/**
 * A setting of a Keyless provider: its name on the builder and, for those the environment can give, the
 * system property and environment variable that give it (the AWS SDK's names where the SDK has one).
 */
public enum Setting {
    /** The IAM role to assume. */
    ROLE_ARN("roleArn", SdkSystemSetting.AWS_ROLE_ARN),
    /** The role session name. */
    ROLE_SESSION_NAME("roleSessionName", SdkSystemSetting.AWS_ROLE_SESSION_NAME),
    /** The web identity token file. */
    WEB_IDENTITY_TOKEN_FILE("tokenFile", SdkSystemSetting.AWS_WEB_IDENTITY_TOKEN_FILE),
    /** The region whose STS endpoint is called. */
    REGION("region", SdkSystemSetting.AWS_REGION),
    /** The host (and port) of the Google metadata server, as google-auth-library reads it. */
    METADATA_HOST("metadataHost", "GCE_METADATA_HOST", "GCE_METADATA_HOST"),
    /** The audience a token is requested for. */
    AUDIENCE("audience"),
    /** The token source. */
    TOKEN_SOURCE("tokenSource"),
    /** The session duration. */
    SESSION_DURATION("sessionDuration"),
    /** The inline session policy. */
    POLICY("policy"),
    /** The managed session policies. */
    POLICY_ARNS("policyArns"),
    /** The STS endpoint that replaces the region's. */
    STS_ENDPOINT("stsEndpoint"),
    /** A caller-supplied STS client. */
    STS_CLIENT("stsClient"),
    /** How long before expiry the background refresh starts. */
    PREFETCH_TIME("prefetchTime"),
    /** How long before expiry credentials stop being handed out. */
    STALE_TIME("staleTime"),
    /** The roles assumed with {@code sts:AssumeRole} after the first ("role chaining"). */
    CHAINED_ROLES("chainedRoles"),
    /** The profile of the AWS shared config file that configures the provider. */
    PROFILE("profile", ProfileFileSystemSetting.AWS_PROFILE),
    /** The AWS shared config file. */
    CONFIG_FILE("configFile", ProfileFileSystemSetting.AWS_CONFIG_FILE),
    /** The AWS shared credentials file, read with the config file as the AWS SDKs do. */
    CREDENTIALS_FILE("credentialsFile", ProfileFileSystemSetting.AWS_SHARED_CREDENTIALS_FILE);

    private final String builderName;
    private final String systemProperty;
    private final String environmentVariable;

    Setting(String builderName) {
        this(builderName, null, null);
    }

    Setting(String builderName, SystemSetting sdk) {
        this(builderName, sdk.property(), sdk.environmentVariable());
    }

    Setting(String builderName, String systemProperty, String environmentVariable) {
        this.builderName = builderName;
        this.systemProperty = systemProperty;
        this.environmentVariable = environmentVariable;
    }

    /**
     * The setting's name on {@code WebIdentityCredentialsProvider.Builder}.
     *
     * @return for example {@code roleArn}
     */
    public String builderName() {
        return builderName;
    }

    /**
     * The system property that gives this setting.
     *
     * @return for example {@code aws.roleArn}, or {@code null} if only code sets it
     */
    public String systemProperty() {
        return systemProperty;
    }

    /**
     * The environment variable that gives this setting.
     *
     * @return for example {@code AWS_ROLE_ARN}, or {@code null} if only code sets it
     */
    public String environmentVariable() {
        return environmentVariable;
    }
}
