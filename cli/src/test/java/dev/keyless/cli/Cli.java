package dev.keyless.cli;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import picocli.CommandLine;

/** Runs {@code keyless} in this JVM with the environment and standard input a test gives it. */
record Cli(int exit, String out, String err) {

    static Cli run(Map<String, String> env, String stdin, String... args) {
        return run(env, stdin.getBytes(StandardCharsets.UTF_8), args);
    }

    static Cli run(Map<String, String> env, byte[] stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Keyless.commandLine(env::get, new ByteArrayInputStream(stdin));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Cli(exit, out.toString(), err.toString());
    }

    static Cli run(String... args) {
        return run(Map.of(), "", args);
    }

    String all() {
        return out + err;
    }
}
