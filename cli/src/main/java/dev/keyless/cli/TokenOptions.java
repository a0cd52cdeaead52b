package dev.keyless.cli;

import dev.keyless.internal.io.BoundedRead;
import dev.keyless.settings.Setting;
import dev.keyless.settings.SettingValue;
import dev.keyless.token.TokenSource;
import dev.keyless.token.TokenSources;
import dev.keyless.token.WebIdentityToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Where a command reads its token: a file, the metadata server, or standard input ({@code -}); by default
 * {@code AWS_WEB_IDENTITY_TOKEN_FILE} when set, else what {@link TokenSources#detect(String)} finds.
 */
final class TokenOptions {

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Where where = new Where();

    @Option(names = "--audience", paramLabel = "AUD",
            description = "The aud to ask the metadata server or Google credentials for (path B: your Google "
                    + "service account's numeric unique id, or the audience your trust policy names). "
                    + "Default: the --profile's keyless_audience, else sts.amazonaws.com.")
    String audience;

    static final class Where {
        @Option(names = "--token-file", paramLabel = "FILE",
                description = "Read the token from FILE (path A: the projected token, e.g. "
                        + "/var/run/secrets/aws/sts.amazonaws.com/serviceaccount/token).")
        Path tokenFile;

        @Option(names = "--metadata", description = "Fetch a Google service-account identity token from the GKE or "
                + "GCE metadata server (path B); honours GCE_METADATA_HOST.")
        boolean metadata;

        @Parameters(arity = "0..1", paramLabel = "-", description = "Read the token from standard input.")
        String stdin;
    }

    /** {@code --audience}, else the web identity profile's {@code keyless_audience}, else sts.amazonaws.com. */
    private String audience(Keyless cli) {
        SettingValue resolved = cli.settings().resolve(Setting.AUDIENCE, audience);
        return resolved == null ? TokenSources.STS_AUDIENCE : resolved.value();
    }

    /**
     * The token as text, exactly as found: not validated, so that {@code inspect} can say what is wrong with
     * it. Read up to {@link BoundedRead#TOKEN_LIMIT} bytes of UTF-8: a larger input or a binary one fails
     * with its size and the limit, or with what is wrong with it. A missing or unreadable file is explained
     * by the file source.
     */
    String readRaw(Keyless cli) throws IOException {
        if (where.stdin != null) {
            return BoundedRead.utf8(cli.stdin(), BoundedRead.TOKEN_LIMIT, "Standard input").strip();
        }
        Path file = file(cli);
        if (file != null) {
            if (Files.isReadable(file) && !Files.isDirectory(file)) {
                return BoundedRead.utf8(file, BoundedRead.TOKEN_LIMIT, "Token file " + file).strip();
            }
            return TokenSources.file(file).fetchToken().value();
        }
        return source(cli).fetchToken().value();
    }

    /** The token source a provider would use with these options. */
    TokenSource source(Keyless cli) throws IOException {
        if (where.stdin != null) {
            WebIdentityToken token = WebIdentityToken.of(readRaw(cli), "standard input");
            return () -> token;
        }
        Path file = file(cli);
        if (file != null) {
            return TokenSources.file(file);
        }
        if (where.metadata) {
            return TokenSources.metadataServer(audience(cli));
        }
        // Through the CLI's settings, so that --profile (or AWS_PROFILE) can name the source.
        return audience == null ? TokenSources.detect(cli.settings()) : TokenSources.detect(audience, cli.settings());
    }

    private Path file(Keyless cli) {
        if (where.tokenFile != null) {
            return where.tokenFile;
        }
        if (where.metadata) {
            return null;
        }
        SettingValue fromEnvironment = cli.settings().webIdentityTokenFile(null);
        return fromEnvironment == null ? null : Path.of(fromEnvironment.value().strip());
    }

    /** The token option given on the command line, or {@code null}: for commands that may need no token. */
    String given() {
        return where.tokenFile != null ? "--token-file" : where.metadata ? "--metadata" : where.stdin != null ? "-"
                : audience != null ? "--audience" : null;
    }

    void validate(picocli.CommandLine.Model.CommandSpec spec) {
        if (where.stdin != null && !where.stdin.equals("-")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "Unexpected argument (" + where.stdin.length() + " characters); to pass a token, pipe it in "
                            + "and use '-', or use --token-file.");
        }
    }
}
