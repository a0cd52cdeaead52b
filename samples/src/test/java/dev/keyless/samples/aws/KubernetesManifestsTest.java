package dev.keyless.samples.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyless.diagnostics.PolicyVerdict;
import dev.keyless.diagnostics.TrustPolicyEvaluator;
import dev.keyless.testing.TestTokens;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** The manifests and trust policies in samples/kubernetes are what they claim to be. */
class KubernetesManifestsTest {

    private static final Path DIR = Path.of("kubernetes");
    private static final String ROLE = "arn:aws:iam::123456789012:role/checkout-s3-writer";

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> documents(String file) throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (Reader reader = Files.newBufferedReader(DIR.resolve(file))) {
            for (Object doc : new Yaml().loadAll(reader)) {
                docs.add((Map<String, Object>) doc);
            }
        }
        return docs;
    }

    private static Map<String, Object> kind(List<Map<String, Object>> docs, String kind) {
        return docs.stream().filter(d -> kind.equals(d.get("kind"))).findFirst().orElseThrow();
    }

    @SuppressWarnings("unchecked")
    private static <T> T at(Object node, Object... path) {
        Object current = node;
        for (Object key : path) {
            current = key instanceof Integer ? ((List<Object>) current).get((Integer) key) : ((Map<String, Object>) current).get(key);
        }
        return (T) current;
    }

    @Test
    void pathA_projectsAnStsTokenIntoADirectoryAndNamesItInTheEnvironment() throws IOException {
        List<Map<String, Object>> docs = documents("path-a/checkout-api.yaml");
        Map<String, Object> pod = at(kind(docs, "Deployment"), "spec", "template", "spec");
        assertThat((String) at(pod, "serviceAccountName")).isEqualTo(at(kind(docs, "ServiceAccount"), "metadata", "name"));

        Map<String, Object> token = at(pod, "volumes", 0, "projected", "sources", 0, "serviceAccountToken");
        assertThat(token).containsEntry("audience", "sts.amazonaws.com").containsEntry("path", "token");
        assertThat((Integer) token.get("expirationSeconds")).isGreaterThanOrEqualTo(600);

        Map<String, Object> container = at(pod, "containers", 0);
        Map<String, Object> mount = at(container, "volumeMounts", 0);
        assertThat(mount).containsEntry("name", at(pod, "volumes", 0, "name")).doesNotContainKey("subPath");
        List<Map<String, Object>> env = at(container, "env");
        assertThat(env).anySatisfy(e -> {
            assertThat(e).containsEntry("name", "AWS_WEB_IDENTITY_TOKEN_FILE");
            assertThat((String) e.get("value")).isEqualTo(mount.get("mountPath") + "/" + token.get("path"));
        });
        assertThat(env).anySatisfy(e -> {
            assertThat(e).containsEntry("name", "AWS_ROLE_ARN");
            assertThat((String) at(e, "valueFrom", "configMapKeyRef", "name"))
                    .isEqualTo(at(kind(docs, "ConfigMap"), "metadata", "name"));
        });
        assertThat((String) at(kind(docs, "ConfigMap"), "data", "AWS_ROLE_ARN")).isEqualTo(ROLE);
    }

    @Test
    void pathB_annotatesTheServiceAccountAndConfiguresTheAudience() throws IOException {
        List<Map<String, Object>> docs = documents("path-b/checkout-api.yaml");
        assertThat((String) at(kind(docs, "ServiceAccount"), "metadata", "annotations", "iam.gke.io/gcp-service-account"))
                .isEqualTo(TestTokens.GSA_EMAIL);
        Map<String, Object> pod = at(kind(docs, "Deployment"), "spec", "template", "spec");
        assertThat(pod).containsEntry("hostNetwork", false);
        assertThat((String) at(kind(docs, "ConfigMap"), "data", "KEYLESS_AUDIENCE")).isEqualTo(TestTokens.GSA_UNIQUE_ID);
        assertThat((String) at(pod, "containers", 0, "envFrom", 0, "configMapRef", "name"))
                .isEqualTo(at(kind(docs, "ConfigMap"), "metadata", "name"));
    }

    @Test
    void pathA_trustPolicy_admitsThePodAndNoOtherServiceAccount() throws IOException {
        String policy = Files.readString(DIR.resolve("path-a/trust-policy.json"));

        PolicyVerdict pod = TrustPolicyEvaluator.evaluate(policy, TestTokens.gke(Instant.now(), Duration.ofHours(1)), ROLE);
        assertThat(pod.admitted()).as(pod.describe()).isTrue();
        assertThat(pod.warnings()).isEmpty();

        String other = TestTokens.sign(TestTokens.gkeClaims(Instant.now(), Duration.ofHours(1))
                .subject("system:serviceaccount:payments:payments-api").build());
        assertThat(TrustPolicyEvaluator.evaluate(policy, other, ROLE).admitted()).isFalse();
        String otherAudience = TestTokens.sign(TestTokens.gkeClaims(Instant.now(), Duration.ofHours(1))
                .audience(TestTokens.GKE_ISSUER).build());
        assertThat(TrustPolicyEvaluator.evaluate(policy, otherAudience, ROLE).admitted()).isFalse();
    }

    @Test
    void pathB_trustPolicy_admitsTheGoogleServiceAccountAndNoOther() throws IOException {
        String policy = Files.readString(DIR.resolve("path-b/trust-policy.json"));

        PolicyVerdict gsa = TrustPolicyEvaluator.evaluate(policy, TestTokens.google(Instant.now(), TestTokens.GSA_UNIQUE_ID), ROLE);
        assertThat(gsa.admitted()).as(gsa.describe()).isTrue();
        assertThat(gsa.warnings()).isEmpty();

        String other = TestTokens.sign(TestTokens.googleClaims(Instant.now(), TestTokens.GSA_UNIQUE_ID)
                .subject("998877665544332211000").claim("azp", "998877665544332211000").build());
        assertThat(TrustPolicyEvaluator.evaluate(policy, other, ROLE).admitted()).isFalse();
    }
}
