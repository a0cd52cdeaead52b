package dev.keyless.cli;

import dev.keyless.RefreshListener;
import dev.keyless.WebIdentityCredentialsProvider;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve the role's credentials to every process in the pod, in any language, on the "
                + "container-credentials endpoint every AWS SDK and the AWS CLI already look for.",
                "Set in the application's environment (serve prints both at start; the token file is written "
                        + "with mode 0600):",
                "  AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:9911/credentials",
                "  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=<the --authorization-token-file>",
                "Listens on loopback only: containers of one pod share it, nothing else can reach it. "
                        + "GET /healthz answers 200 while valid credentials are cached, 503 otherwise; "
                        + "--health-port answers it (only it) on the pod's IP for the kubelet's probes. "
                        + "Runs until SIGTERM; exit code 1 when it cannot start (port taken, no role), 2 for a "
                        + "wrong command line."})
final class ServeCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

    /** Clients cache what they get until their own refresh window: botocore's starts 15 minutes before expiry. */
    private static final Duration PREFETCH = Duration.ofMinutes(40);

    @ParentCommand
    private Keyless cli;

    @Spec
    private CommandSpec spec;

    @Mixin
    private TokenOptions tokens;

    @Mixin
    private StsOptions sts;

    @Mixin
    private ChainOptions chain;

    @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "The loopback address to listen on: 127.0.0.1 or ::1. Default: ${DEFAULT-VALUE}.")
    private String bind;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "9911",
            description = "The port to listen on; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
    private int port;

    @Option(names = "--path", paramLabel = "PATH", defaultValue = "/credentials",
            description = "The credentials path. Default: ${DEFAULT-VALUE}.")
    private String path;

    @Option(names = "--health-path", paramLabel = "PATH", defaultValue = "/healthz",
            description = "The health path for probes. Default: ${DEFAULT-VALUE}.")
    private String healthPath;

    @Option(names = "--authorization-token-file", paramLabel = "FILE",
            description = "The token clients must send: read from FILE if it exists, else a random one is written "
                    + "there (mode 0600) and removed at exit. On Kubernetes, a file on an emptyDir volume shared "
                    + "with the application. Default: a new file in a new private temporary directory.")
    private Path authorizationTokenFile;

    @Option(names = "--health-port", paramLabel = "PORT",
            description = "Also answer the health path, and nothing else, on PORT on every address: the kubelet's "
                    + "httpGet probes come from the node to the pod's IP and cannot reach loopback. Default: none.")
    private Integer healthPort;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "4",
            description = "Request-handling threads (1 to 64). Default: ${DEFAULT-VALUE}.")
    private int threads;

    @Override
    public Integer call() throws Exception {
        tokens.validate(spec);
        InetSocketAddress address = new InetSocketAddress(loopback(), port);
        validate();

        WebIdentityCredentialsProvider.Builder builder = chain.applyTo(sts.provider(cli, tokens.source(cli)));
        // Answers always leave clients at least PREFETCH / 2 (the provider's jitter) before expiry, so that SDKs
        // refreshing 15 minutes before expiry are not sent the same credentials again and again. With a chain,
        // clients get the last hop's credentials, and the first hop's session must still outlive the prefetch time.
        // A duration under STS's 900 s minimum is left to core, which refuses it naming the option or the hop.
        Duration prefetch = PREFETCH;
        for (Integer seconds : new Integer[] {sts.durationSeconds, chain.lastDurationSeconds()}) {
            if (seconds != null && seconds >= 900) {
                prefetch = min(prefetch, Duration.ofSeconds(seconds / 2));
            }
        }
        builder.prefetchTime(prefetch);
        // One line per refresh. A failed one is already logged by the provider, with its diagnosis.
        builder.refreshListener(new RefreshListener() {
            @Override
            public void refreshSucceeded(RefreshListener.Succeeded event) {
                log.info("Refreshed credentials for {}: they expire at {}, next refresh at {} (took {} ms)",
                        event.roleArn(), event.expiration(), event.nextRefresh(), event.duration().toMillis());
            }
        });
        WebIdentityCredentialsProvider provider = builder.build();

        // Written only once the provider is known good, so that a wrong setting leaves no token file behind.
        Path temporaryDirectory;
        AuthorizationToken authorization;
        try {
            temporaryDirectory = authorizationTokenFile == null ? Files.createTempDirectory("keyless-serve-") : null;
        } catch (IOException | RuntimeException e) {
            provider.close();
            throw e;
        }
        try {
            authorization = AuthorizationToken.readOrCreate(
                    temporaryDirectory == null ? authorizationTokenFile : temporaryDirectory.resolve("token"));
        } catch (IOException | RuntimeException e) {
            provider.close();
            if (temporaryDirectory != null) {
                Files.deleteIfExists(temporaryDirectory);
            }
            throw e;
        }

        CredentialsServer server;
        try {
            server = CredentialsServer.start(provider, address, path, healthPath, authorization.value(), threads,
                    CredentialsServer.DEFAULT_WAIT, healthPort == null ? null : new InetSocketAddress(healthPort));
        } catch (BindException e) {
            provider.close();
            cleanUp(authorization, temporaryDirectory);
            throw new IllegalStateException("Port " + port + " on " + bind
                    + (healthPort == null ? "" : " or health port " + healthPort) + " is already in use ("
                    + e.getMessage() + "): another keyless serve, or another process in this pod (the containers "
                    + "of a pod share one network namespace). Stop it, or choose another port with --port"
                    + (healthPort == null ? "" : " or --health-port") + ".", e);
        } catch (IOException | RuntimeException e) {
            provider.close();
            cleanUp(authorization, temporaryDirectory);
            throw e;
        }
        // The first refresh starts now rather than with the first client; health turns UP when it is done.
        provider.resolveIdentity();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            provider.close();
            cleanUp(authorization, temporaryDirectory);
            log.info("keyless serve stopped");
            stopped.countDown();
        }, "keyless-serve-shutdown"));

        PrintWriter out = spec.commandLine().getOut();
        out.println("keyless serve: credentials for " + provider.targetRoleArn() + " at " + server.credentialsUri()
                + " (health: " + server.healthUri() + (server.healthAddress() == null ? ""
                        : ", and " + healthPath + " on port " + server.healthAddress().getPort() + " for probes") + ")");
        out.println("Set in the application's environment:");
        out.println("  AWS_CONTAINER_CREDENTIALS_FULL_URI=" + server.credentialsUri());
        out.println("  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=" + authorization.file().toAbsolutePath());
        out.flush();
        stopped.await();
        return 0;
    }

    private InetAddress loopback() {
        InetAddress address;
        try {
            address = InetAddress.getByName(bind.strip());
        } catch (UnknownHostException e) {
            throw new ParameterException(spec.commandLine(), "--bind " + bind + " is not an address (" + e.getMessage()
                    + "). Use 127.0.0.1 (the default) or ::1.");
        }
        if (!address.isLoopbackAddress()) {
            throw new ParameterException(spec.commandLine(), "--bind " + bind + " is not a loopback address, and "
                    + "keyless serve listens on loopback only: anyone who can reach the port and holds the token "
                    + "gets the role's credentials. The containers of a pod share the loopback interface, so "
                    + "127.0.0.1 (the default) or ::1 reaches every process in the pod and nothing outside it.");
        }
        return address;
    }

    private void validate() {
        if (port < 0 || port > 65_535) {
            throw new ParameterException(spec.commandLine(), "--port " + port + " is not a port (0 to 65535).");
        }
        if (healthPort != null && (healthPort < 1 || healthPort > 65_535 || healthPort == port)) {
            throw new ParameterException(spec.commandLine(), "--health-port " + healthPort + " must be a port (1 to "
                    + "65535) other than --port.");
        }
        if (threads < 1 || threads > 64) {
            throw new ParameterException(spec.commandLine(), "--threads " + threads + " must be between 1 and 64.");
        }
        for (String p : new String[] {path, healthPath}) {
            if (!p.startsWith("/") || p.contains("?") || p.contains("#")) {
                throw new ParameterException(spec.commandLine(), "Path '" + p + "' must start with / and have no "
                        + "query or fragment.");
            }
        }
        if (path.equals(healthPath)) {
            throw new ParameterException(spec.commandLine(), "--path and --health-path are both " + path
                    + "; health must never serve credentials.");
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static void cleanUp(AuthorizationToken authorization, Path temporaryDirectory) {
        authorization.deleteIfCreated();
        if (temporaryDirectory != null) {
            try {
                Files.deleteIfExists(temporaryDirectory);
            } catch (IOException e) {
                // Best effort at shutdown.
            }
        }
    }
}
