package dev.keyless.spring;

import dev.keyless.settings.InvalidSettingException;
import dev.keyless.settings.Setting;
import dev.keyless.settings.SettingValue;
import org.springframework.boot.autoconfigure.condition.ConditionMessage;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.StringUtils;

/**
 * Matches when a role ARN is configured: {@code keyless.role-arn}, else the {@code aws.roleArn} system
 * property or the {@code AWS_ROLE_ARN} variable, else the web identity profile ({@code keyless.profile},
 * {@code AWS_PROFILE}). Without one, Keyless has nothing to assume and leaves the credentials to others. A profile
 * named but unusable matches, so that the provider's creation says what is wrong with it.
 */
final class OnRoleArnCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        ConditionMessage.Builder message = ConditionMessage.forCondition("Keyless role ARN");
        String property = context.getEnvironment().getProperty(KeylessFederation.ROLE_ARN_PROPERTY);
        if (StringUtils.hasText(property)) {
            return ConditionOutcome.match(message.foundExactly(KeylessFederation.ROLE_ARN_PROPERTY));
        }
        SettingValue fromEnvironment;
        try {
            fromEnvironment = KeylessFederation.settings(context.getEnvironment())
                    .withProfile(context.getEnvironment().getProperty("keyless.profile"))
                    .resolve(Setting.ROLE_ARN, null);
        } catch (InvalidSettingException e) {
            return ConditionOutcome.match(message.because("a profile is named that Keyless cannot use yet: "
                    + e.getMessage()));
        }
        if (fromEnvironment != null) {
            return ConditionOutcome.match(message.foundExactly(fromEnvironment.origin()));
        }
        return ConditionOutcome.noMatch(message.didNotFind("keyless.role-arn, AWS_ROLE_ARN or a web identity profile")
                .atAll());
    }
}
