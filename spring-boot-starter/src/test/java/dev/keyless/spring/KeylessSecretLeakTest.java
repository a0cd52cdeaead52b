package dev.keyless.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import dev.keyless.WebIdentityCredentialsProvider;
import dev.keyless.testing.StsStub;
import dev.keyless.testing.TraceCapture;
import dev.keyless.testing.TestTokens;
import dev.keyless.testing.TokenEchoes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;

/**
 * Every flow of the starter, success and failure, with every logger at TRACE (java.util.logging bridged too):
 * no token, secret key or session token in any log line, health detail, endpoint response, meter, exception
 * or startup failure that Spring Boot reports.
 */
class KeylessSecretLeakTest {

    private static final String LOGGING_SYSTEM = "org.springframework.boot.logging.LoggingSystem";

    @TempDir
    Path dir;

    private final List<String> seen = new ArrayList<>();
    private TraceCapture capture;
    private StsStub sts;
    private Path tokenFile;
    private String token;

    @BeforeEach
    void captureEverything() throws IOException {
        capture = TraceCapture.start();
        // SpringApplication would reset logback (and drop the appender) when it starts its logging system.
        System.setProperty(LOGGING_SYSTEM, "none");

        sts = new StsStub();
        token = TestTokens.gke(Instant.now(), Duration.ofHours(1));
        tokenFile = Files.writeString(dir.resolve("token"), token, StandardCharsets.UTF_8);
    }

    @AfterEach
    void restore() {
        sts.close();
        System.clearProperty(LOGGING_SYSTEM);
        capture.close();
    }

    @Test
    void everyFlowAtTrace_noTokenSecretKeyOrSessionTokenAnywhere() throws IOException {
        ApplicationContextRunner runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(KeylessAutoConfiguration.class,
                        KeylessHealthAutoConfiguration.class, KeylessEndpointAutoConfiguration.class,
                        KeylessMetricsAutoConfiguration.class))
                .withPropertyValues("management.endpoints.web.exposure.include=keyless",
                        "keyless.role-arn=" + StsStub.ROLE_ARN, "keyless.token-file=" + tokenFile,
                        "keyless.sts-endpoint=" + sts.endpoint());

        // Success, with everything an operator or an application might print.
        sts.succeed(Instant.now().plus(Duration.ofHours(1)));
        runner.run(context -> {
            WebIdentityCredentialsProvider provider = context.getBean(WebIdentityCredentialsProvider.class);
            seen.add(provider.resolveCredentials().toString());
            seen.add(provider.toString());
            report(context);
        });

        // Every STS refusal: health DOWN, the endpoint, the exception, the fail-fast startup failure.
        for (String[] e : new String[][] {
            {"403", "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"},
            {"400", "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider"},
            {"400", "ExpiredTokenException", "Token expired"},
            {"400", "IDPRejectedClaim", "Rejected"},
            {"503", "ServiceUnavailable", "Service unavailable"},
            // An STS (or a proxy before it) that echoes the token: the starter's STS client must redact it
            // before the SDK's own exception and DEBUG log see it, as core's does.
            {"400", "InvalidIdentityToken", "The token " + token + " is not valid"},
            {"503", "ServiceUnavailable", "Upstream rejected " + token},
        }) {
            sts.fail(Integer.parseInt(e[0]), e[1], e[2]);
            runner.run(context -> {
                expectFailure(context.getBean(WebIdentityCredentialsProvider.class)::resolveCredentials);
                report(context);
            });
            runner.withPropertyValues("keyless.fail-fast=true").run(context -> {
                assertThat(context).hasFailed();
                chain(context.getStartupFailure());
            });
        }

        // A token STS would refuse (truncated: no signature) and no token at all.
        Files.writeString(tokenFile, token.substring(0, token.lastIndexOf('.')), StandardCharsets.UTF_8);
        runner.run(this::report);
        Files.delete(tokenFile);
        runner.run(context -> {
            expectFailure(context.getBean(WebIdentityCredentialsProvider.class)::resolveCredentials);
            report(context);
        });

        // A whole application that fails fast, as Spring Boot reports it (KeylessFailureAnalyzer's report at
        // ERROR, the stack trace at DEBUG).
        Files.writeString(tokenFile, token, StandardCharsets.UTF_8);
        sts.fail(403, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
        SpringApplication application = new SpringApplication(App.class);
        application.setWebApplicationType(WebApplicationType.NONE);
        chain(catchThrowable(() -> application.run("--keyless.role-arn=" + StsStub.ROLE_ARN,
                "--keyless.token-file=" + tokenFile, "--keyless.sts-endpoint=" + sts.endpoint(),
                "--keyless.fail-fast=true", "--spring.cloud.aws.region.static=us-east-1")));

        for (ILoggingEvent event : capture.events()) {
            seen.add(event.getLoggerName() + " " + event.getFormattedMessage());
            for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                seen.add(t.getClassName() + ": " + t.getMessage());
            }
        }
        assertThat(capture.events()).as("TRACE logging was captured").hasSizeGreaterThan(100);
        assertThat(seen).as("Spring Boot's failure report, with Keyless's analysis").anySatisfy(text -> assertThat(text)
                .contains("APPLICATION FAILED TO START").contains("keyless.fail-fast=false"));
        for (String text : seen) {
            assertThat(text).doesNotContain("eyJ").doesNotContain(token)
                    .doesNotContain(StsStub.SECRET_PREFIX).doesNotContain(StsStub.SESSION_TOKEN_PREFIX);
        }
    }

    /*
     * Passes once KeylessFederation builds its STS client with RedactErrorResponses (through
     * StsClients.webIdentity(region, endpoint, null, refreshes)): today its client has no redaction, so the
     * SDK's exceptions carry whatever STS echoed, and only Redaction's token-free patterns apply to them.
     * KeylessFederation is being reworked on another branch; checked there with that one-line change.
     */
    @Test
    void stsEchoesEverySegmentInEveryWay_noPieceOfTheTokenAnywhere() {
        ApplicationContextRunner runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(KeylessAutoConfiguration.class,
                        KeylessHealthAutoConfiguration.class, KeylessEndpointAutoConfiguration.class,
                        KeylessMetricsAutoConfiguration.class))
                .withPropertyValues("management.endpoints.web.exposure.include=keyless",
                        "keyless.role-arn=" + StsStub.ROLE_ARN, "keyless.token-file=" + tokenFile,
                        "keyless.sts-endpoint=" + sts.endpoint());
        for (String code : new String[] {"AccessDenied", "InvalidIdentityToken", "IDPCommunicationError"}) {
            sts.fail(code.equals("AccessDenied") ? 403 : 400, code, TokenEchoes.message(token));
            runner.run(context -> {
                expectFailure(context.getBean(WebIdentityCredentialsProvider.class)::resolveCredentials);
                report(context);
            });
            runner.withPropertyValues("keyless.fail-fast=true").run(context -> chain(context.getStartupFailure()));
        }
        for (ILoggingEvent event : capture.events()) {
            seen.add(event.getLoggerName() + " " + event.getFormattedMessage());
            for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                seen.add(t.getClassName() + ": " + t.getMessage());
            }
        }
        assertThat(seen).anySatisfy(text -> assertThat(text).contains("[token redacted]"));
        for (String text : seen) {
            TokenEchoes.assertNoPiece(text, token);
        }
    }

    /** Health, the endpoint and the meters, as the actuator would render them. */
    private void report(ApplicationContext context) {
        seen.add(context.getBean(KeylessHealthIndicator.class).health().toString());
        seen.add(context.getBean(KeylessEndpoint.class).keyless().toString());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        context.getBean(KeylessMetrics.class).bindTo(registry);
        try {
            context.getBean(WebIdentityCredentialsProvider.class).resolveCredentials();
        } catch (RuntimeException expected) {
            chain(expected);
        }
        seen.add(registry.getMetersAsString());
    }

    private void expectFailure(Runnable call) {
        Throwable failure = catchThrowable(call::run);
        assertThat(failure).as("expected a failure").isNotNull();
        chain(failure);
    }

    private void chain(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            seen.add(t.toString());
            for (Throwable s : t.getSuppressed()) {
                seen.add(s.toString());
            }
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
    }
}
