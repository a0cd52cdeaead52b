package dev.keyless.cli;

import dev.keyless.internal.text.Escaping;
import dev.keyless.internal.text.Redaction;
import dev.keyless.settings.InvalidSettingException;
import dev.keyless.settings.Setting;
import dev.keyless.settings.Settings;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * The {@code keyless} command. Exit codes: 0 success (token sane, policy admits, doctor passed),
 * 1 the check failed or federation is broken, 2 the command line is wrong (no command, an unknown option, an
 * option value out of range).
 *
 * <p>Whatever the input, a command prints messages, never a stack trace, and never a raw control character:
 * values from tokens, policies and servers are escaped ({@link Escaping}) and tokens redacted.
 *
 * <p>No token, secret access key or session token is ever printed, except the credentials
 * {@code credential-process} exists to print on standard output and {@code serve} to answer its authorised
 * clients with.
 */
@Command(name = "keyless", mixinStandardHelpOptions = true, versionProvider = Keyless.Version.class,
        description = "Google-to-AWS web identity federation: inspect tokens, write and check trust policies, "
                + "diagnose a pod, and serve credentials to non-JVM tools (credential_process, serve).",
        subcommands = {InspectCommand.class, TrustPolicyCommand.class, CheckPolicyCommand.class, DoctorCommand.class,
                CredentialProcessCommand.class, ServeCommand.class, CommandLine.HelpCommand.class},
        footerHeading = "%nExit codes:%n",
        footer = {"  0  success", "  1  the check failed, or federation is broken", "  2  wrong command line"})
public final class Keyless implements Callable<Integer> {

    /** Exit code when a check fails or federation is broken. */
    static final int FAILED = 1;
    /** Exit code when the command line is wrong. */
    static final int USAGE = 2;

    private final Function<String, String> environment;
    private final InputStream stdin;
    private String profile;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Log what Keyless does (never tokens or keys) to standard error.")
    void verbose(boolean verbose) {
        if (verbose) {
            System.setProperty("org.slf4j.simpleLogger.log.dev.keyless", "debug");
            // simplelogger.properties keeps the provider's failure WARN quiet (the command prints it); a system
            // property for the same logger wins over the file.
            System.setProperty("org.slf4j.simpleLogger.log.dev.keyless.WebIdentityCredentialsProvider", "debug");
        }
    }

    Keyless(Function<String, String> environment, InputStream stdin) {
        this.environment = environment;
        this.stdin = stdin;
    }

    /**
     * Runs the command line and exits with its code.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        int exit;
        try {
            exit = commandLine(System::getenv, System.in).execute(args);
        } catch (Throwable e) {
            // Last resort: a bug must still end with a message and exit code 1, not a stack trace.
            System.err.println("keyless: internal error (" + e.getClass().getSimpleName() + "): "
                    + Escaping.escape(Redaction.scrub(String.valueOf(e.getMessage()))));
            exit = FAILED;
        }
        System.exit(exit);
    }

    /** The command line, with the environment and standard input it reads (tests pass their own). */
    static CommandLine commandLine(Function<String, String> environment, InputStream stdin) {
        CommandLine cli = new CommandLine(new Keyless(environment, stdin));
        cli.setParameterExceptionHandler((e, args) -> {
            PrintWriter err = SafeOutput.wrap(e.getCommandLine().getErr());
            err.println("keyless: " + Escaping.escape(Redaction.scrub(e.getMessage())));
            err.println("Run '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
            return USAGE;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof InvalidSettingException) {
                // Named as the user sets it. A malformed value is a wrong command line (2); a missing one means
                // federation is not configured here (1), as for any other failed check.
                InvalidSettingException invalid = (InvalidSettingException) e;
                SafeOutput.wrap(commandLine.getErr()).println("keyless: "
                        + Escaping.escape(Redaction.scrub(invalid.describe(Keyless::optionName))));
                return invalid.value() == null ? FAILED : 2;
            }
            SafeOutput.wrap(commandLine.getErr()).println("keyless: " + Escaping.escape(Redaction.scrub(
                    e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())));
            return FAILED;
        });
        return cli;
    }

    String env(String name) {
        return environment.apply(name);
    }

    /**
     * Core's settings resolver over this JVM's system properties and the environment the CLI was given, with the
     * command's {@code --profile}.
     */
    Settings settings() {
        return Settings.from(System::getProperty, environment).withProfile(profile);
    }

    /** The profile a command's {@code --profile} names, or {@code null}. */
    void profile(String name) {
        this.profile = name;
    }

    /** The option that sets a setting of core's, for messages. */
    static String optionName(Setting setting) {
        switch (setting) {
            case ROLE_ARN:
                return "--role-arn";
            case REGION:
                return "--region";
            case STS_ENDPOINT:
                return "--sts-endpoint";
            case ROLE_SESSION_NAME:
                return "--role-session-name";
            case SESSION_DURATION:
                return "--duration";
            case WEB_IDENTITY_TOKEN_FILE:
                return "--token-file";
            case AUDIENCE:
                return "--audience";
            case CHAINED_ROLES:
                return "--chain-role-arn";
            case PROFILE:
                return "--profile";
            default:
                return setting.builderName();
        }
    }

    InputStream stdin() {
        return stdin;
    }

    /** Without a command there is nothing to do: that is a wrong command line. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }

    /** The version in the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Keyless.class.getPackage().getImplementationVersion();
            return new String[] {"keyless " + (version == null ? "(development build)" : version)};
        }
    }
}
