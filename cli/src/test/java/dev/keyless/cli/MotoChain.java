package dev.keyless.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyless.testing.MotoServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Two roles in moto for a chain, made with the AWS CLI while moto still accepts any keys: a landing role for
 * the web identity call, allowed only to assume the orders role; and the orders role, which trusts the landing
 * role when the external ID matches and may use S3 and SQS. With authentication enforced moto checks the
 * AssumeRole call's signature, the landing role's permission and the orders role's trust policy, external ID
 * condition included.
 *
 * @param landing the landing role's name
 * @param orders the orders role's name
 * @param session the session name the chain must use: moto matches {@code Principal.AWS} with the exact session
 *     ARN, where AWS matches the role's ARN, so the trust policy names both
 * @param externalId the external ID the orders role requires
 */
record MotoChain(String landing, String orders, String session, String externalId) {

    /** Roles of their own (moto's state is shared by the JVM's tests), created in {@code moto}. */
    static MotoChain create(MotoServer moto, Path dir) throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        MotoChain chain = new MotoChain("chain-landing-" + suffix, "chain-orders-" + suffix, "chain-cli",
                "orders-prod-" + suffix);
        aws(moto, dir, "iam", "create-role", "--role-name", chain.landing, "--assume-role-policy-document",
                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                + "\"Principal\":{\"Federated\":\"container.googleapis.com\"},"
                + "\"Action\":\"sts:AssumeRoleWithWebIdentity\"}]}");
        aws(moto, dir, "iam", "put-role-policy", "--role-name", chain.landing, "--policy-name", "assume-orders",
                "--policy-document", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                + "\"Action\":\"sts:AssumeRole\",\"Resource\":\"" + chain.ordersArn() + "\"}]}");
        aws(moto, dir, "iam", "create-role", "--role-name", chain.orders, "--assume-role-policy-document",
                "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                + "\"Principal\":{\"AWS\":[\"" + chain.landingArn() + "\",\"" + chain.landingSession() + "\"]},"
                + "\"Action\":\"sts:AssumeRole\","
                + "\"Condition\":{\"StringEquals\":{\"sts:ExternalId\":\"" + chain.externalId + "\"}}}]}");
        aws(moto, dir, "iam", "put-role-policy", "--role-name", chain.orders, "--policy-name", "orders-data",
                "--policy-document", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                + "\"Action\":[\"s3:*\",\"sqs:*\"],\"Resource\":\"*\"}]}");
        return chain;
    }

    String landingArn() {
        return "arn:aws:iam::" + MotoServer.ACCOUNT_ID + ":role/" + landing;
    }

    String ordersArn() {
        return "arn:aws:iam::" + MotoServer.ACCOUNT_ID + ":role/" + orders;
    }

    /** The landing role's session: the caller at hop 2. */
    String landingSession() {
        return "arn:aws:sts::" + MotoServer.ACCOUNT_ID + ":assumed-role/" + landing + "/" + session;
    }

    /** The orders role's session: who the chain's credentials are. */
    String ordersSession() {
        return "arn:aws:sts::" + MotoServer.ACCOUNT_ID + ":assumed-role/" + orders + "/" + session;
    }

    /** The AWS CLI against moto with throwaway keys and no configuration of the machine's. */
    static void aws(MotoServer moto, Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("aws", "--endpoint-url", moto.endpoint().toString(),
                "--output", "json"));
        command.addAll(List.of(args));
        Path out = dir.resolve(UUID.randomUUID() + ".out");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
        builder.environment().keySet().removeIf(n -> n.startsWith("AWS_"));
        builder.environment().put("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE");
        builder.environment().put("AWS_SECRET_ACCESS_KEY", "setup-only");
        builder.environment().put("AWS_DEFAULT_REGION", "us-east-1");
        builder.environment().put("AWS_CONFIG_FILE", dir.resolve("no-config").toString());
        builder.environment().put("AWS_SHARED_CREDENTIALS_FILE", dir.resolve("no-credentials").toString());
        Process process = builder.start();
        assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
        assertThat(process.exitValue()).as("%s: %s", command, Files.readString(out)).isZero();
    }
}
