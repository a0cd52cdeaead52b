/**
 * Spring Boot auto-configuration for Keyless: set {@code keyless.role-arn} (or {@code AWS_ROLE_ARN}) and every
 * AWS SDK client the application configures through Spring (Spring Cloud AWS included) gets federated
 * credentials. Properties: {@link dev.keyless.spring.KeylessProperties}.
 */
package dev.keyless.spring;
