/**
 * Every setting of Keyless, and the one place that resolves those that can come from outside the code:
 * the builder's value first, then the system property, then the environment variable, in the AWS SDK's own
 * precedence ({@code SdkSystemSetting}). Core, the Spring Boot starter and the CLI all resolve through
 * {@link dev.keyless.settings.Settings}, and a wrong value is an
 * {@link dev.keyless.settings.InvalidSettingException} that names the {@link dev.keyless.settings.Setting}.
 */
package dev.keyless.settings;
