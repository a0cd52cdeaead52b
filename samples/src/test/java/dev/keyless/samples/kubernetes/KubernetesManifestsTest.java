package dev.keyless.samples.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.diagnostics.AssumeRoleCall;
import dev.keyless.diagnostics.PolicyVerdict;
import dev.keyless.diagnostics.TrustPolicies;
import dev.keyless.diagnostics.TrustPolicyEvaluator;
import dev.keyless.samples.clients.SampleSettings;
import dev.keyless.settings.Settings;
import dev.keyless.testing.TestTokens;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import software.amazon.awssdk.policybuilder.iam.IamPolicy;
import software.amazon.awssdk.policybuilder.iam.IamPolicyReader;
import software.amazon.awssdk.policybuilder.iam.IamStatement;

/**
 * The files in {@code samples/kubernetes/}, after {@code envsubst} with test values: the manifests parse and
 * wire the token, audience and environment each path needs, and the trust policies admit exactly the tokens
 * they are for, as Keyless's {@link TrustPolicyEvaluator} decides.
 */
class KubernetesManifestsTest {

    private static final Path DIR = Path.of("kubernetes");
    private static final String ACCOUNT = "123456789012";
    private static final String ROLE_ARN = "arn:aws:iam::" + ACCOUNT + ":role/checkout-s3-writer";
    private static final String TOKEN_FILE = "/var/run/secrets/aws/sts.amazonaws.com/serviceaccount/token";
    private static final String SUBJECT = "system:serviceaccount:" + TestTokens.NAMESPACE + ":" + TestTokens.KSA;
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z0-9_]+)}");

    /** What the README's commands export, with values matching the test tokens. */
    private static final String CENTRAL_ACCOUNT = "111111111111";
    private static final String LANDING_ROLE_ARN = "arn:aws:iam::" + CENTRAL_ACCOUNT + ":role/gke-landing";
    private static final String EXTERNAL_ID = "checkout-orders-7f3a";
    private static final Map<String, String> ENV = Map.ofEntries(
            Map.entry("CENTRAL_ACCOUNT_ID", CENTRAL_ACCOUNT),
            Map.entry("EXTERNAL_ID", EXTERNAL_ID),
            Map.entry("AWS_ACCOUNT_ID", ACCOUNT),
            Map.entry("AWS_REGION", "eu-west-1"),
            Map.entry("BUCKET", "checkout-exports"),
            Map.entry("QUEUE", "checkout-orders"),
            Map.entry("IMAGE", "europe-west1-docker.pkg.dev/checkout-prod/samples/keyless-s3-sample:0.1.0"),
            Map.entry("PROJECT_ID", "checkout-prod"),
            Map.entry("ISSUER_HOST", TestTokens.GKE_ISSUER.substring("https://".length())),
            Map.entry("GSA_UNIQUE_ID", TestTokens.GSA_UNIQUE_ID),
            Map.entry("KEYLESS_IMAGE", "europe-west1-docker.pkg.dev/checkout-prod/tools/keyless:0.1.0"),
            Map.entry("APP_IMAGE", "europe-west1-docker.pkg.dev/checkout-prod/reports/reports-api:1.4.2"));

    private final Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));

    @Test
    void pathA_deployment_projectsAnStsAudienceTokenIntoTheFileTheEnvironmentNames() throws IOException {
        Map<String, Object> pod = podSpec(manifest("path-a/deployment.yaml", "Deployment"));
        Map<String, Object> container = onlyContainer(pod);

        assertThat(pod.get("serviceAccountName")).isEqualTo(serviceAccountName("path-a"));
        assertThat(pod.get("hostNetwork")).isNotEqualTo(true);
        Map<String, Object> tokenVolume = null;
        for (Map<String, Object> volume : list(pod.get("volumes"))) {
            Map<String, Object> projected = map(volume.get("projected"));
            for (Map<String, Object> source : projected == null ? List.<Map<String, Object>>of() : list(projected.get("sources"))) {
                if (source.containsKey("serviceAccountToken")) {
                    tokenVolume = volume;
                    Map<String, Object> token = map(source.get("serviceAccountToken"));
                    assertThat(token.get("audience")).isEqualTo("sts.amazonaws.com");
                    assertThat((Integer) token.get("expirationSeconds")).isBetween(600, 86_400);
                    assertThat(token.get("path")).isEqualTo("token");
                }
            }
        }
        assertThat(tokenVolume).as("a projected serviceAccountToken volume").isNotNull();
        Object volumeName = tokenVolume.get("name");

        Map<String, Object> mount = list(container.get("volumeMounts")).stream()
                .filter(m -> volumeName.equals(m.get("name")))
                .findFirst().orElseThrow();
        assertThat(mount).as("mounted as a directory: a subPath mount never sees rotations")
                .doesNotContainKey("subPath");
        assertThat(mount.get("mountPath") + "/token").isEqualTo(TOKEN_FILE);

        Map<String, String> env = environment(container, configMap("path-a"));
        assertThat(env).containsEntry("AWS_WEB_IDENTITY_TOKEN_FILE", TOKEN_FILE)
                .containsEntry("AWS_ROLE_ARN", ROLE_ARN)
                .doesNotContainKey(SampleSettings.TOKEN_AUDIENCE);
        assertThat(envVar(container, "AWS_ROLE_ARN")).as("AWS_ROLE_ARN comes from the ConfigMap")
                .containsKey("valueFrom");

        SampleSettings settings = SampleSettings.from(env);
        assertThat(settings.tokenSource()).hasToString("file " + TOKEN_FILE);
        assertThat(settings.repeatEvery()).isNotNull();
    }

    @Test
    void serve_deployment_keylessServeIsANativeSidecar_andTheAppGetsOnlyTheTwoContainerVariables() throws IOException {
        Map<String, Object> pod = podSpec(manifest("serve/deployment.yaml", "Deployment"));
        Map<String, Object> app = onlyContainer(pod);
        List<Map<String, Object>> sidecars = list(pod.get("initContainers"));
        assertThat(sidecars).hasSize(1);
        Map<String, Object> keyless = sidecars.get(0);

        assertThat(pod.get("serviceAccountName")).isEqualTo(serviceAccountName("path-a"));
        assertThat(pod.get("hostNetwork")).as("loopback must be the pod's own").isNotEqualTo(true);
        assertThat(keyless.get("restartPolicy")).as("a native sidecar").isEqualTo("Always");
        Map<String, String> args = new HashMap<>();
        List<String> argv = strings(keyless.get("args"));
        assertThat(argv.get(0)).isEqualTo("serve");
        for (String arg : argv.subList(1, argv.size())) {
            assertThat(arg).as("--option=value").matches("--[a-z-]+=.+");
            args.put(arg.substring(0, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        assertThat(args).doesNotContainKey("--bind").containsKeys("--port", "--authorization-token-file",
                "--health-port");

        for (String probe : List.of("startupProbe", "readinessProbe")) {
            Map<String, Object> httpGet = map(map(keyless.get(probe)).get("httpGet"));
            assertThat(httpGet).as(probe).containsEntry("path", "/healthz")
                    .containsEntry("port", Integer.valueOf(args.get("--health-port")))
                    .as(probe + " goes to the pod's IP, not to a host").doesNotContainKey("host");
        }

        Map<String, String> sidecarEnv = environment(keyless, configMap("path-a"));
        assertThat(sidecarEnv).containsEntry("AWS_ROLE_ARN", ROLE_ARN).containsEntry("AWS_WEB_IDENTITY_TOKEN_FILE",
                TOKEN_FILE);
        assertThat(mountPath(pod, keyless, "serviceAccountToken") + "/token").isEqualTo(TOKEN_FILE);

        Map<String, String> appEnv = environment(app, configMap("path-a"));
        assertThat(appEnv).containsEntry("AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "http://127.0.0.1:" + args.get("--port") + "/credentials")
                .containsEntry("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", args.get("--authorization-token-file"))
                .as("the app never sees the web identity token or assumes the role itself")
                .doesNotContainKeys("AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ACCESS_KEY_ID");
        assertThat(mountPath(pod, app, "serviceAccountToken")).isNull();

        String tokenFile = args.get("--authorization-token-file");
        Map<String, Object> shared = list(pod.get("volumes")).stream()
                .filter(v -> v.containsKey("emptyDir"))
                .filter(v -> list(app.get("volumeMounts")).stream().anyMatch(m -> v.get("name").equals(m.get("name"))))
                .findFirst().orElseThrow();
        assertThat(map(shared.get("emptyDir"))).as("the token lives in memory only").containsEntry("medium", "Memory");
        for (Map<String, Object> container : List.of(keyless, app)) {
            Map<String, Object> mount = list(container.get("volumeMounts")).stream()
                    .filter(m -> shared.get("name").equals(m.get("name"))).findFirst().orElseThrow();
            assertThat(mount.get("mountPath") + "/" + tokenFile.substring(tokenFile.lastIndexOf('/') + 1))
                    .as(container.get("name") + " sees the authorization token file").isEqualTo(tokenFile);
        }
    }

    /** Where {@code container} mounts the pod's volume whose definition has {@code kind}, or null. */
    private static String mountPath(Map<String, Object> pod, Map<String, Object> container, String kind) {
        for (Map<String, Object> mount : list(container.get("volumeMounts"))) {
            Map<String, Object> volume = list(pod.get("volumes")).stream()
                    .filter(v -> v.get("name").equals(mount.get("name"))).findFirst().orElseThrow();
            if (volume.containsKey(kind) || String.valueOf(volume.get("projected")).contains(kind)) {
                assertThat(mount).as("mounted as a directory").doesNotContainKey("subPath");
                return (String) mount.get("mountPath");
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static List<String> strings(Object o) {
        return (List<String>) o;
    }

    @Test
    void pathA_serviceAccount_mountsNoKubernetesApiToken() throws IOException {
        Map<String, Object> sa = manifest("path-a/serviceaccount.yaml", "ServiceAccount");

        assertThat(sa.get("automountServiceAccountToken")).isEqualTo(false);
        assertThat(map(sa.get("metadata"))).containsEntry("namespace", TestTokens.NAMESPACE)
                .containsEntry("name", TestTokens.KSA);
    }

    @Test
    void pathB_deployment_usesTheMetadataServerForTheGsaUniqueId_withoutHostNetworkOrTokenFile() throws IOException {
        Map<String, Object> pod = podSpec(manifest("path-b/deployment.yaml", "Deployment"));
        Map<String, Object> container = onlyContainer(pod);

        assertThat(pod.get("serviceAccountName")).isEqualTo(serviceAccountName("path-b"));
        assertThat(pod.get("hostNetwork")).isNotEqualTo(true);
        assertThat(map(pod.get("nodeSelector"))).containsEntry("iam.gke.io/gke-metadata-server-enabled", "true");
        assertThat(list(pod.get("volumes"))).noneMatch(v -> String.valueOf(v.get("projected")).contains("serviceAccountToken"));

        Map<String, String> env = environment(container, configMap("path-b"));
        assertThat(env).containsEntry("AWS_ROLE_ARN", ROLE_ARN)
                .containsEntry(SampleSettings.TOKEN_AUDIENCE, TestTokens.GSA_UNIQUE_ID)
                .as("a token file would select path A").doesNotContainKey("AWS_WEB_IDENTITY_TOKEN_FILE");
        assertThat(envVar(container, "AWS_ROLE_ARN")).containsKey("valueFrom");

        SampleSettings settings = SampleSettings.from(env);
        assertThat(settings.tokenSource().toString()).startsWith("metadata server ")
                .endsWith("(audience " + TestTokens.GSA_UNIQUE_ID + ")");
    }

    @Test
    void pathB_serviceAccount_namesTheGoogleServiceAccount() throws IOException {
        Map<String, Object> sa = manifest("path-b/serviceaccount.yaml", "ServiceAccount");

        assertThat(map(map(sa.get("metadata")).get("annotations")))
                .containsEntry("iam.gke.io/gcp-service-account", "checkout-aws@checkout-prod.iam.gserviceaccount.com");
    }

    @Test
    void pathA_trustPolicy_admitsTheKsaOfThisClusterOnly() throws IOException {
        String policy = file("path-a/trust-policy.json");

        PolicyVerdict admitted = TrustPolicyEvaluator.evaluate(policy,
                TestTokens.gke(Instant.now(), Duration.ofHours(1)), ROLE_ARN);
        assertThat(admitted.admitted()).as(admitted.describe()).isTrue();
        assertThat(admitted.warnings()).as("the policy admits no more than it should").isEmpty();

        PolicyVerdict otherKsa = TrustPolicyEvaluator.evaluate(policy, TestTokens.sign(TestTokens.gkeClaims(
                Instant.now(), Duration.ofHours(1)).subject("system:serviceaccount:payments:payments-api").build()),
                ROLE_ARN);
        assertThat(otherKsa.admitted()).isFalse();
        assertThat(otherKsa.reasons()).anySatisfy(r -> assertThat(r).contains(":sub"));

        PolicyVerdict kubernetesAudience = TrustPolicyEvaluator.evaluate(policy, TestTokens.sign(TestTokens.gkeClaims(
                Instant.now(), Duration.ofHours(1)).audience(TestTokens.GKE_ISSUER).build()), ROLE_ARN);
        assertThat(kubernetesAudience.admitted()).isFalse();

        PolicyVerdict otherCluster = TrustPolicyEvaluator.evaluate(policy, TestTokens.sign(TestTokens.gkeClaims(
                Instant.now(), Duration.ofHours(1)).issuer(TestTokens.GKE_ISSUER.replace("prod-1", "dev-1"))
                .build()), ROLE_ARN);
        assertThat(otherCluster.admitted()).isFalse();
    }

    @Test
    void pathB_trustPolicy_admitsTheGsaAskingForItsUniqueIdOnly() throws IOException {
        String policy = file("path-b/trust-policy.json");

        PolicyVerdict admitted = TrustPolicyEvaluator.evaluate(policy,
                TestTokens.google(Instant.now(), TestTokens.GSA_UNIQUE_ID), ROLE_ARN);
        assertThat(admitted.admitted()).as(admitted.describe()).isTrue();
        assertThat(admitted.warnings()).as("the policy admits no more than it should").isEmpty();

        String otherGsa = "998877665544332211000";
        PolicyVerdict otherSub = TrustPolicyEvaluator.evaluate(policy, TestTokens.sign(TestTokens.googleClaims(
                Instant.now(), TestTokens.GSA_UNIQUE_ID).subject(otherGsa).claim("azp", otherGsa).build()), ROLE_ARN);
        assertThat(otherSub.admitted()).isFalse();
        assertThat(otherSub.reasons()).anySatisfy(r -> assertThat(r).contains("accounts.google.com:sub"));

        PolicyVerdict stsAudience = TrustPolicyEvaluator.evaluate(policy,
                TestTokens.google(Instant.now(), "sts.amazonaws.com"), ROLE_ARN);
        assertThat(stsAudience.admitted()).isFalse();
        assertThat(stsAudience.reasons()).anySatisfy(r -> assertThat(r).contains("accounts.google.com:oaud"));
    }

    @Test
    void permissionsPolicy_namesOneBucketPrefixAndOneQueue_noWildcardActions() throws IOException {
        IamPolicy policy = IamPolicyReader.create().read(file("permissions-policy.json"));

        List<String> actions = new ArrayList<>();
        List<String> resources = new ArrayList<>();
        for (IamStatement statement : policy.statements()) {
            statement.actions().forEach(a -> actions.add(a.value()));
            statement.resources().forEach(r -> resources.add(r.value()));
        }
        assertThat(actions).containsExactlyInAnyOrder("s3:PutObject", "s3:GetObject", "sqs:SendMessage",
                "sqs:ReceiveMessage", "sqs:DeleteMessage");
        assertThat(resources).containsExactlyInAnyOrder("arn:aws:s3:::checkout-exports/keyless-sample/*",
                "arn:aws:sqs:eu-west-1:" + ACCOUNT + ":checkout-orders");
    }

    @Test
    void readme_exportsEveryPlaceholderTheFilesUse() throws IOException {
        String readme = Files.readString(DIR.resolve("README.md"), StandardCharsets.UTF_8);
        List<String> used = new ArrayList<>();
        try (var files = Files.walk(DIR)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().equals("README.md"))::iterator) {
                Matcher m = PLACEHOLDER.matcher(Files.readString(f, StandardCharsets.UTF_8));
                while (m.find()) {
                    used.add(m.group(1));
                }
            }
        }
        assertThat(used).isNotEmpty();
        for (String name : used) {
            assertThat(readme).as("README sets " + name).containsPattern("(export |\\s)" + name + "=");
        }
    }

    @Test
    void chained_configMapProfile_chainsTheLandingRoleIntoTheProductRole(@TempDir Path dir) throws IOException {
        Map<String, Object> pod = podSpec(manifest("chained/deployment.yaml", "Deployment"));
        Map<String, Object> container = onlyContainer(pod);
        Map<String, Object> configMap = configMap("chained");
        Map<String, String> env = environment(container, configMap);

        assertThat(pod.get("serviceAccountName")).isEqualTo(serviceAccountName("path-a"));
        assertThat(env).containsEntry("AWS_PROFILE", "orders").containsEntry("AWS_CONFIG_FILE", "/etc/aws/config")
                .as("either would win over the profile").doesNotContainKeys("AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE");
        assertThat(list(container.get("volumeMounts"))).anySatisfy(m -> assertThat(m)
                .containsEntry("name", "aws-config").containsEntry("mountPath", "/etc/aws"));
        assertThat(list(container.get("volumeMounts"))).anySatisfy(m -> assertThat(m)
                .containsEntry("mountPath", TOKEN_FILE.substring(0, TOKEN_FILE.lastIndexOf('/'))));

        // What Keyless reads from that file, through the same lookups a pod's environment would give it.
        Path config = dir.resolve("config");
        Files.writeString(config, (String) map(configMap.get("data")).get("config"), StandardCharsets.UTF_8);
        Map<String, String> podEnv = new HashMap<>(env);
        podEnv.put("AWS_CONFIG_FILE", config.toString());
        podEnv.put("AWS_SHARED_CREDENTIALS_FILE", dir.resolve("no-credentials").toString());
        Settings settings = Settings.from(property -> null, podEnv::get);
        assertThat(settings.profile().webIdentityTokenFile()).isEqualTo(TOKEN_FILE);
        try (WebIdentityCredentialsProvider provider = WebIdentityCredentialsProvider.builder()
                .settings(settings)
                .build()) {
            assertThat(provider.roleArn()).isEqualTo(LANDING_ROLE_ARN);
            assertThat(provider.chainedRoles()).singleElement().satisfies(hop -> {
                assertThat(hop.roleArn()).isEqualTo(ROLE_ARN);
                assertThat(hop.externalId()).isEqualTo(EXTERNAL_ID);
                assertThat(hop.sessionDuration()).isEqualTo(Duration.ofHours(1));
            });
            assertThat(provider.targetRoleArn()).isEqualTo(ROLE_ARN);
        }
        assertThat(SampleSettings.from(env).profile()).isEqualTo("orders");
    }

    @Test
    void chained_policies_theProductRoleTrustsTheLandingRoleWithTheExternalIdOnly() throws IOException {
        String trust = file("chained/trust-policy.json");
        AssumeRoleCall landing = new AssumeRoleCall(LANDING_ROLE_ARN, ROLE_ARN, EXTERNAL_ID, null, null, null);

        PolicyVerdict admitted = TrustPolicyEvaluator.evaluate(trust, landing);
        assertThat(admitted.passes()).as(admitted.describe()).isTrue();
        assertThat(TrustPolicyEvaluator.evaluate(trust, new AssumeRoleCall(LANDING_ROLE_ARN, ROLE_ARN,
                "another-external-id", null, null, null)).admitted()).isFalse();
        assertThat(TrustPolicyEvaluator.evaluate(trust, new AssumeRoleCall(LANDING_ROLE_ARN, ROLE_ARN, null, null,
                null, null)).admitted()).isFalse();
        assertThat(TrustPolicyEvaluator.evaluate(trust, new AssumeRoleCall(
                "arn:aws:iam::" + CENTRAL_ACCOUNT + ":role/other-landing", ROLE_ARN, EXTERNAL_ID, null, null, null))
                .admitted()).isFalse();

        PolicyVerdict landingTrust = TrustPolicyEvaluator.evaluate(file("chained/landing-trust-policy.json"),
                TestTokens.gke(Instant.now(), Duration.ofHours(1)), LANDING_ROLE_ARN);
        assertThat(landingTrust.admitted()).as(landingTrust.describe()).isTrue();
        assertThat(landingTrust.warnings()).isEmpty();

        IamPolicy permissions = IamPolicyReader.create().read(file("chained/landing-permissions-policy.json"));
        assertThat(permissions.statements()).singleElement().satisfies(statement -> {
            assertThat(statement.actions()).extracting(a -> a.value()).containsExactly("sts:AssumeRole");
            assertThat(statement.resources()).extracting(r -> r.value()).containsExactly(ROLE_ARN);
        });
        assertThat(file("chained/landing-permissions-policy.json")).as("what keyless trust-policy writes")
                .isEqualToIgnoringWhitespace(TrustPolicies.callerPermissionsJson(AssumeRoleCall.of(LANDING_ROLE_ARN,
                        ROLE_ARN), true));
        assertThat(trust).isEqualToIgnoringWhitespace(TrustPolicies.trustPolicyJson(landing, true));
    }

    // ---- helpers

    /** A file with its placeholders replaced, as envsubst would; an unknown placeholder fails the test. */
    private static String file(String name) throws IOException {
        String text = Files.readString(DIR.resolve(name), StandardCharsets.UTF_8);
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String value = ENV.get(m.group(1));
            assertThat(value).as("test value for ${" + m.group(1) + "} in " + name).isNotNull();
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private Map<String, Object> manifest(String name, String kind) throws IOException {
        Map<String, Object> doc = map(yaml.load(file(name)));
        assertThat(doc).as(name).containsEntry("kind", kind);
        assertThat(map(doc.get("metadata"))).as(name + " metadata").containsEntry("namespace", TestTokens.NAMESPACE);
        return doc;
    }

    private String serviceAccountName(String path) throws IOException {
        return (String) map(manifest(path + "/serviceaccount.yaml", "ServiceAccount").get("metadata")).get("name");
    }

    private Map<String, Object> configMap(String path) throws IOException {
        Map<String, Object> configMap = manifest(path + "/configmap.yaml", "ConfigMap");
        // Kubernetes refuses a ConfigMap whose data holds numbers or booleans: a GSA id must be quoted.
        assertThat(map(configMap.get("data")).values()).as(path + "/configmap.yaml data values")
                .allSatisfy(v -> assertThat(v).isInstanceOf(String.class));
        return configMap;
    }

    private static Map<String, Object> podSpec(Map<String, Object> deployment) {
        return map(map(map(deployment.get("spec")).get("template")).get("spec"));
    }

    private static Map<String, Object> onlyContainer(Map<String, Object> pod) {
        List<Map<String, Object>> containers = list(pod.get("containers"));
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    private static Map<String, Object> envVar(Map<String, Object> container, String name) {
        return list(container.get("env")).stream().filter(e -> name.equals(e.get("name"))).findFirst().orElseThrow();
    }

    /** The container's environment as the kubelet would set it, resolving ConfigMap references. */
    private static Map<String, String> environment(Map<String, Object> container, Map<String, Object> configMap) {
        String configMapName = (String) map(configMap.get("metadata")).get("name");
        Map<String, Object> data = map(configMap.get("data"));
        Map<String, String> env = new LinkedHashMap<>();
        for (Map<String, Object> var : list(container.get("env"))) {
            String name = (String) var.get("name");
            if (var.containsKey("value")) {
                env.put(name, String.valueOf(var.get("value")));
            } else {
                Map<String, Object> ref = map(map(var.get("valueFrom")).get("configMapKeyRef"));
                assertThat(ref).as(name + " valueFrom").isNotNull();
                assertThat(ref.get("name")).as(name + "'s ConfigMap").isEqualTo(configMapName);
                assertThat(data).as("ConfigMap " + configMapName).containsKey((String) ref.get("key"));
                env.put(name, String.valueOf(data.get(ref.get("key"))));
            }
        }
        return new HashMap<>(env);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object o) {
        return o == null ? List.of() : (List<Map<String, Object>>) o;
    }
}
