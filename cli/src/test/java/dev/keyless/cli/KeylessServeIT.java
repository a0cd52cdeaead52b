package dev.keyless.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.keyless.testing.MotoServer;
import dev.keyless.testing.TestTokens;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keyless serve} from the packaged jar, as a process, with real clients that know nothing of Keyless and
 * are given only {@code AWS_CONTAINER_CREDENTIALS_FULL_URI} and {@code AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE}: the
 * AWS CLI, the AWS SDK for Java v2's default chain in a JVM without Keyless, and boto3 when it is importable. Their
 * calls go to {@code moto_server} with request authentication enforced, so only the credentials serve handed out
 * (for a role whose policy allows the calls) get through.
 */
@ExtendWith(MotoServer.class)
class KeylessServeIT {

    private static final String JAVA = ProcessHandle.current().info().command().orElse("java");
    private static final String JAR = System.getProperty("keyless.jar", "target/keyless.jar");
    private static final Pattern URI_LINE = Pattern.compile("AWS_CONTAINER_CREDENTIALS_FULL_URI=(\\S+)");

    private final MotoServer moto;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String roleName = "keyless-serve-" + UUID.randomUUID().toString().substring(0, 8);

    @TempDir
    Path dir;

    private String webIdentityToken;
    private Path authorizationFile;
    private Process serve;
    private URI credentialsUri;
    private boolean authEnforced;

    KeylessServeIT(MotoServer moto) {
        this.moto = moto;
    }

    @BeforeEach
    void roleAndServe() throws Exception {
        webIdentityToken = TestTokens.gke(Instant.now(), Duration.ofHours(1));
        Files.writeString(dir.resolve("web-identity-token"), webIdentityToken);
        // The role the credentials are for, with the permissions the clients' calls need: moto checks them once
        // authentication is enforced.
        Run role = run(adminEnvironment(), aws("iam", "create-role", "--role-name", roleName,
                "--assume-role-policy-document", "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                        + "\"Principal\":{\"Federated\":\"container.googleapis.com\"},"
                        + "\"Action\":\"sts:AssumeRoleWithWebIdentity\"}]}"));
        assertThat(role.exit()).as(role.err()).isZero();
        Run policy = run(adminEnvironment(), aws("iam", "put-role-policy", "--role-name", roleName,
                "--policy-name", "serve-it", "--policy-document", "{\"Version\":\"2012-10-17\",\"Statement\":[{"
                        + "\"Effect\":\"Allow\",\"Action\":[\"s3:*\",\"sts:GetCallerIdentity\"],\"Resource\":\"*\"}]}"));
        assertThat(policy.exit()).as(policy.err()).isZero();

        authorizationFile = dir.resolve("shared").resolve("authorization-token");
        Files.createDirectories(authorizationFile.getParent());
        serve = new ProcessBuilder(JAVA, "-Dorg.slf4j.simpleLogger.defaultLogLevel=trace", "-jar", JAR, "serve",
                "--port", "0", "--role-arn", roleArn(), "--sts-endpoint", moto.endpoint().toString(),
                "--token-file", dir.resolve("web-identity-token").toString(),
                "--authorization-token-file", authorizationFile.toString())
                .redirectOutput(dir.resolve("serve.out").toFile())
                .redirectError(dir.resolve("serve.err").toFile())
                .start();
        credentialsUri = awaitStarted();
        awaitHealthy();
        // From here on moto refuses any request not signed with credentials it issued or knows.
        motoAuth("0");
        authEnforced = true;
    }

    @AfterEach
    void stop() throws Exception {
        if (authEnforced) {
            motoAuth("inf");
        }
        if (serve != null && serve.isAlive()) {
            serve.destroyForcibly();
        }
    }

    private String roleArn() {
        return "arn:aws:iam::" + MotoServer.ACCOUNT_ID + ":role/" + roleName;
    }

    private void motoAuth(String initialNoAuthActionCount) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(moto.endpoint().resolve("/moto-api/reset-auth"))
                .POST(HttpRequest.BodyPublishers.ofString(initialNoAuthActionCount)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    /** Waits for serve to print its two variables; the deadline only bounds a broken run. */
    private URI awaitStarted() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Matcher m = URI_LINE.matcher(Files.readString(dir.resolve("serve.out")));
            if (m.find()) {
                return URI.create(m.group(1));
            }
            assertThat(serve.isAlive()).as("serve is running: " + Files.readString(dir.resolve("serve.err"))).isTrue();
            Thread.sleep(100);
        }
        throw new AssertionError("serve did not start: " + Files.readString(dir.resolve("serve.err")));
    }

    private void awaitHealthy() throws Exception {
        URI health = credentialsUri.resolve("/healthz");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (http.send(HttpRequest.newBuilder(health).GET().build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode() == 200) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("serve never became healthy: " + Files.readString(dir.resolve("serve.err")));
    }

    private record Run(int exit, String out, String err) {
    }

    private Run run(Map<String, String> env, List<String> command) throws Exception {
        String name = UUID.randomUUID().toString();
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(dir.resolve(name + ".out").toFile())
                .redirectError(dir.resolve(name + ".err").toFile());
        builder.environment().keySet().removeIf(n -> n.startsWith("AWS_") || n.startsWith("GCE_"));
        builder.environment().put("AWS_CONFIG_FILE", dir.resolve("no-config").toString());
        builder.environment().put("AWS_SHARED_CREDENTIALS_FILE", dir.resolve("no-credentials").toString());
        builder.environment().put("AWS_EC2_METADATA_DISABLED", "true");
        builder.environment().put("AWS_DEFAULT_REGION", "us-east-1");
        builder.environment().put("AWS_REGION", "us-east-1");
        builder.environment().putAll(env);
        Process process = builder.start();
        assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
        return new Run(process.exitValue(), Files.readString(dir.resolve(name + ".out")),
                Files.readString(dir.resolve(name + ".err")));
    }

    /** Moto before authentication is enforced accepts any keys: for setting up the role only. */
    private static Map<String, String> adminEnvironment() {
        return Map.of("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY", "setup-only");
    }

    /** All a client is given: where serve is and where its token is. */
    private Map<String, String> serveEnvironment() {
        return Map.of("AWS_CONTAINER_CREDENTIALS_FULL_URI", credentialsUri.toString(),
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", authorizationFile.toString());
    }

    private List<String> aws(String... args) {
        List<String> command = new ArrayList<>(List.of("aws", "--endpoint-url", moto.endpoint().toString(), "--output",
                "json"));
        command.addAll(List.of(args));
        return command;
    }

    @Test
    void awsCli_stsAndS3_withOnlyTheContainerVariables_againstMotoEnforcingAuthentication() throws Exception {
        Run forged = run(Map.of("AWS_ACCESS_KEY_ID", "ASIAFORGEDFORGED0000", "AWS_SECRET_ACCESS_KEY", "forged"),
                aws("sts", "get-caller-identity"));
        assertThat(forged.exit()).as("moto refuses forged keys: authentication is enforced").isNotZero();

        Run identity = run(serveEnvironment(), aws("sts", "get-caller-identity"));
        assertThat(identity.exit()).as(identity.err()).isZero();
        assertThat(identity.out()).contains("arn:aws:sts::" + MotoServer.ACCOUNT_ID + ":assumed-role/" + roleName + "/");

        String bucket = roleName + "-bucket";
        Run made = run(serveEnvironment(), aws("s3api", "create-bucket", "--bucket", bucket));
        assertThat(made.exit()).as(made.err()).isZero();
        Files.writeString(dir.resolve("object.txt"), "served by keyless");
        Run put = run(serveEnvironment(), aws("s3", "cp", dir.resolve("object.txt").toString(),
                "s3://" + bucket + "/object.txt"));
        assertThat(put.exit()).as(put.err()).isZero();
        Run get = run(serveEnvironment(), aws("s3", "cp", "s3://" + bucket + "/object.txt", "-"));
        assertThat(get.exit()).as(get.err()).isZero();
        assertThat(get.out()).isEqualTo("served by keyless");
        assertThat(identity.err() + made.err() + put.err() + get.err()).doesNotContain("eyJ");
    }

    @Test
    void awsSdkForJavaDefaultChain_inAJvmWithoutKeyless_usesServe() throws Exception {
        Path child = dir.resolve("DefaultChainClient.java");
        Files.writeString(child, String.join("\n",
                "import software.amazon.awssdk.auth.credentials.*;",
                "import software.amazon.awssdk.regions.Region;",
                "import software.amazon.awssdk.services.sts.StsClient;",
                "public class DefaultChainClient {",
                "  public static void main(String[] args) throws Exception {",
                "    try { Class.forName(\"dev.keyless.WebIdentityCredentialsProvider\"); System.out.println(\"KEYLESS ON CLASS PATH\"); }",
                "    catch (ClassNotFoundException expected) { }",
                "    AwsCredentialsProvider chain = DefaultCredentialsProvider.builder().build();",
                "    String fromChain = chain.resolveCredentials().accessKeyId();",
                "    String fromContainer = ContainerCredentialsProvider.builder().build().resolveCredentials().accessKeyId();",
                "    System.out.println(\"chain found the container endpoint: \" + fromChain.equals(fromContainer));",
                "    try (StsClient sts = StsClient.builder().credentialsProvider(chain).region(Region.US_EAST_1)",
                "        .endpointOverride(java.net.URI.create(args[0])).build()) {",
                "      System.out.println(\"arn \" + sts.getCallerIdentity().arn());",
                "    }",
                "  }",
                "}"));
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String sdkOnly = List.of(classPath.split(File.pathSeparator)).stream()
                .filter(entry -> entry.endsWith(".jar"))
                .filter(entry -> !entry.contains(File.separator + "keyless") && !entry.contains("dev" + File.separator
                        + "keyless"))
                .collect(Collectors.joining(File.pathSeparator));

        Run run = run(serveEnvironment(), List.of(JAVA, "-cp", sdkOnly, child.toString(), moto.endpoint().toString()));

        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).doesNotContain("KEYLESS ON CLASS PATH")
                .contains("chain found the container endpoint: true",
                        "arn arn:aws:sts::" + MotoServer.ACCOUNT_ID + ":assumed-role/" + roleName + "/");
    }

    @Test
    void boto3_withOnlyTheContainerVariables_usesServe() throws Exception {
        Run importable = run(Map.of(), List.of("python3", "-c", "import boto3"));
        assumeThat(importable.exit()).as("boto3 importable here").isZero();

        Run run = run(serveEnvironment(), List.of("python3", "-c", String.join("\n",
                "import boto3, sys",
                "session = boto3.Session()",
                "print('method', session.get_credentials().method)",
                "sts = session.client('sts', endpoint_url=sys.argv[1])",
                "print('arn', sts.get_caller_identity()['Arn'])"), moto.endpoint().toString()));

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("method container-role",
                "arn arn:aws:sts::" + MotoServer.ACCOUNT_ID + ":assumed-role/" + roleName + "/");
    }

    @Test
    void traceRun_nothingSecretPrintedLoggedOrAnsweredUnauthorised_andSigtermStopsCleanly() throws Exception {
        String authorization = Files.readString(authorizationFile);
        HttpResponse<String> granted = send(credentialsUri, authorization, "GET");
        assertThat(granted.statusCode()).isEqualTo(200);
        Map<String, Object> credentials = JSONObjectUtils.parse(granted.body());
        String secretKey = (String) credentials.get("SecretAccessKey");
        String sessionToken = (String) credentials.get("Token");
        assertThat(secretKey).isNotBlank();
        assertThat(sessionToken).isNotBlank();

        Path otherFile = Files.writeString(dir.resolve("another-serve-token"), "x".repeat(43));
        List<HttpResponse<String>> refused = List.of(
                send(credentialsUri, null, "GET"),
                send(credentialsUri, "Bearer " + authorization, "GET"),
                send(credentialsUri, Files.readString(otherFile), "GET"),
                send(credentialsUri, webIdentityToken, "GET"),
                send(credentialsUri, authorization, "POST"),
                send(credentialsUri.resolve("/credentials/../secrets"), authorization, "GET"),
                send(credentialsUri.resolve("/healthz"), null, "GET"),
                send(credentialsUri.resolve("/healthz"), authorization, "GET"));
        assertThat(refused).extracting(HttpResponse::statusCode).containsExactly(401, 403, 403, 403, 405, 404, 200, 200);

        serve.destroy();
        assertThat(serve.waitFor(30, TimeUnit.SECONDS)).as("serve stops on SIGTERM").isTrue();
        String out = Files.readString(dir.resolve("serve.out"));
        String err = Files.readString(dir.resolve("serve.err"));
        assertThat(err).as("TRACE logging is on").contains("TRACE", "DEBUG").contains("keyless serve stopped");
        assertThat(err.lines().filter(line -> line.contains("Refreshed credentials for ")))
                .as("one log line for the one refresh, with the role and the expiry").singleElement().asString()
                .contains("arn:aws:iam::", "expire at ", "next refresh at ");
        assertThat(out).contains("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=" + authorizationFile);
        assertThat(authorizationFile).as("the token serve wrote is gone with it").doesNotExist();

        Map<String, String> seen = new HashMap<>();
        seen.put("standard output", out);
        seen.put("standard error", err);
        for (HttpResponse<String> r : refused) {
            seen.put(r.request().method() + " " + r.uri() + " (" + r.statusCode() + ")", r.body());
        }
        assertThat(seen).allSatisfy((where, text) -> assertThat(text).as(where)
                .doesNotContain(webIdentityToken).doesNotContain("eyJ")
                .doesNotContain(secretKey).doesNotContain(sessionToken)
                .doesNotContain(authorization));
    }

    private HttpResponse<String> send(URI uri, String authorization, String method) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }
}
