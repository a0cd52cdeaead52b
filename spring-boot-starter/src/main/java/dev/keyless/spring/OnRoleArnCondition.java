package dev.keyless.spring;

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
 * property or the {@code AWS_ROLE_ARN} variable. Without one, Keyless has nothing to assume and leaves the credentials to others.
 */
final class OnRoleArnCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        ConditionMessage.Builder message = ConditionMessage.forCondition("Keyless role ARN");
        String property = context.getEnvironment().getProperty(KeylessFederation.ROLE_ARN_PROPERTY);
        if (StringUtils.hasText(property)) {
            return ConditionOutcome.match(message.foundExactly(KeylessFederation.ROLE_ARN_PROPERTY));
        }
        SettingValue fromEnvironment = KeylessFederation.settings(context.getEnvironment())
                .resolve(Setting.ROLE_ARN, null);
        if (fromEnvironment != null) {
            return ConditionOutcome.match(message.foundExactly(fromEnvironment.origin()));
        }
        return ConditionOutcome.noMatch(message.didNotFind("keyless.role-arn or AWS_ROLE_ARN").atAll());
    }
}
