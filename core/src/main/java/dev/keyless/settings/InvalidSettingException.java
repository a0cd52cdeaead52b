package dev.keyless.settings;

import java.util.Objects;

/**
 * A setting whose value is missing or wrong, with the setting and the value as data, so that a framework
 * can name its own property for it (the Spring Boot starter does) without reading the message. The message
 * says what is wrong and how to fix it. Values of settings are never secret.
 */
public final class InvalidSettingException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final Setting setting;
    private final String value;
    private final String origin;

    /**
     * Creates the exception.
     *
     * @param setting the setting
     * @param value the value as text, or {@code null} if it is missing
     * @param origin where the value came from ({@link SettingValue#origin()}), or {@code null} for the builder
     * @param message what is wrong and how to fix it
     */
    public InvalidSettingException(Setting setting, String value, String origin, String message) {
        super(message);
        this.setting = Objects.requireNonNull(setting, "setting");
        this.value = value;
        this.origin = origin;
    }

    /**
     * The setting that is wrong.
     *
     * @return the setting
     */
    public Setting setting() {
        return setting;
    }

    /**
     * The value that is wrong.
     *
     * @return the value as text, or {@code null} if the setting is missing
     */
    public String value() {
        return value;
    }

    /**
     * Where the value came from.
     *
     * @return for example {@code environment variable AWS_ROLE_ARN}, or {@code null} if it was set in code
     */
    public String origin() {
        return origin;
    }
}
