package dev.keyless.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Every logger at TRACE (java.util.logging bridged in), every event kept, for the secret-leak tests; WireMock's
 * and Jetty's own request logs stay at WARN, since they belong to the fake peer. {@link #close()} puts the
 * levels back.
 */
public final class TraceCapture implements AutoCloseable {

    private static final String[] PEER_LOGGERS = {"wiremock", "org.eclipse.jetty", "org.wiremock"};

    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    private final Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Logger keyless = context.getLogger("dev.keyless");
    private final Level rootLevel = root.getLevel();
    private final Level keylessLevel = keyless.getLevel();
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private TraceCapture() {
        root.setLevel(Level.TRACE);
        keyless.setLevel(Level.TRACE);
        for (String name : PEER_LOGGERS) {
            context.getLogger(name).setLevel(Level.WARN);
        }
        appender.setContext(context);
        appender.start();
        root.addAppender(appender);
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.FINEST);
    }

    /** Starts capturing. */
    public static TraceCapture start() {
        return new TraceCapture();
    }

    /** The events captured so far (a live list). */
    public List<ILoggingEvent> events() {
        return appender.list;
    }

    /**
     * Everything a log line could show, per event: logger and formatted message, structured key-value pairs
     * (google-auth-library logs payloads there), the MDC, the raw arguments, and every throwable's class and
     * message down the cause chain.
     */
    public List<String> texts() {
        List<String> texts = new ArrayList<>();
        for (ILoggingEvent event : List.copyOf(appender.list)) {
            texts.add(event.getLoggerName() + " " + event.getFormattedMessage());
            texts.add(String.valueOf(event.getKeyValuePairs()));
            texts.add(String.valueOf(event.getMDCPropertyMap()));
            texts.add(Arrays.deepToString(event.getArgumentArray()));
            for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                texts.add(t.getClassName() + ": " + t.getMessage());
            }
        }
        return texts;
    }

    /** The distinct names of the loggers that logged, to prove a capture reached a library's logs. */
    public List<String> loggerNames() {
        return List.copyOf(appender.list).stream().map(ILoggingEvent::getLoggerName).distinct().toList();
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        root.setLevel(rootLevel);
        keyless.setLevel(keylessLevel);
        SLF4JBridgeHandler.uninstall();
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.INFO);
    }
}
