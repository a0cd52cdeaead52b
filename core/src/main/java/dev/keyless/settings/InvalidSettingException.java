package dev.keyless.settings;

import java.util.Objects;
import java.util.function.Function;

/**
 * A setting whose value is missing or wrong, with the setting and the value as data, so that a framework
 * can name its own property for it (the Spring Boot starter does) without reading the message. The message
 * says what is wrong and how to fix it, naming settings by their builder names; {@link #describe(Function)}
 * writes the same message with the framework's names. Values of settings are never secret.
 */
public final class InvalidSettingException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final Setting setting;
    private final String value;
    private final String origin;
    private final transient Function<Function<Setting, String>, String> message;

    /**
     * Creates the exception.
     *
     * @param setting the setting
     * @param value the value as text, or {@code null} if it is missing
     * @param origin where the value came from ({@link SettingValue#origin()}), or {@code null} for the builder
     * @param message what is wrong and how to fix it
     */
    public InvalidSettingException(Setting setting, String value, String origin, String message) {
        this(setting, value, origin, names -> message);
    }

    /**
     * Creates the exception with a message that names settings through the function it is given, for
     * example {@code names -> names.apply(STALE_TIME) + " must not exceed " + names.apply(PREFETCH_TIME)}.
     *
     * @param setting the setting
     * @param value the value as text, or {@code null} if it is missing
     * @param origin where the value came from, or {@code null} for the builder
     * @param message writes what is wrong and how to fix it, given the names to use for settings
     */
    public InvalidSettingException(Setting setting, String value, String origin,
            Function<Function<Setting, String>, String> message) {
        super(message.apply(Setting::builderName));
        this.setting = Objects.requireNonNull(setting, "setting");
        this.value = value;
        this.origin = origin;
        this.message = message;
    }

    /**
     * The message, with settings named by {@code names} instead of their builder names.
     *
     * @param names a setting's name where the user set it, for example {@code keyless.refresh.stale}
     * @return the message
     */
    public String describe(Function<Setting, String> names) {
        return message == null ? getMessage() : message.apply(names);
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
