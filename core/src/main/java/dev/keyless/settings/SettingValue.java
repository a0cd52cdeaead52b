package dev.keyless.settings;

/**
 * A resolved setting and where it came from, for messages.
 *
 * @param setting the setting
 * @param value the value, as given
 * @param origin {@code null} if it was set in code, else for example {@code system property aws.roleArn}
 */
public record SettingValue(Setting setting, String value, String origin) {

    /**
     * Where the value came from, as a phrase for messages.
     *
     * @return for example {@code "roleArn"} or {@code "environment variable AWS_ROLE_ARN"}
     */
    public String describeOrigin() {
        return origin == null ? setting.builderName() : origin;
    }
}
