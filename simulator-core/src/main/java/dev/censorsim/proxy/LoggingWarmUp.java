package dev.censorsim.proxy;

import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.TimeZone;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Loads, at start-up, everything the first log line will need, so that logging can never fail for want of a file
 * descriptor. Measured: when a proxy ran out of descriptors, Netty's acceptor logged the EMFILE through JUL; JUL's
 * first record formats a date, which opens {@code lib/tzdb.dat}; that open failed with EMFILE, class initialisation of
 * {@code ZoneInfoFile} failed with it, and the {@code NoClassDefFoundError} killed the event-loop thread, so the
 * listener never accepted again. Loaded here, the zone rules, the handlers and the formatters are in memory for good.
 */
public final class LoggingWarmUp {

    private static volatile boolean done;

    private LoggingWarmUp() {
    }

    /** Idempotent and cheap after the first call; call before any listener binds. */
    public static void run() {
        if (done) {
            return;
        }
        synchronized (LoggingWarmUp.class) {
            if (done) {
                return;
            }
            // Both zone caches: java.util's (sun.util.calendar.ZoneInfoFile) and java.time's (TzdbZoneRulesProvider).
            TimeZone.getDefault().getRawOffset();
            ZoneId.systemDefault().getRules();
            ZonedDateTime.now().toString();
            // A record as Netty's JDK logger sends it, with a throwable, through every handler's formatter, which
            // initialises the root handlers (read lazily from the logging configuration) and their formatter classes.
            LogRecord record = new LogRecord(Level.WARNING, "warm-up {0}");
            record.setParameters(new Object[] {"x"});
            record.setThrown(new java.io.IOException("warm-up"));
            new SimpleFormatter().format(record);
            for (Handler handler : Logger.getLogger("").getHandlers()) {
                if (handler.getFormatter() != null) {
                    handler.getFormatter().format(record);
                }
            }
            io.netty.util.internal.logging.InternalLoggerFactory.getInstance(LoggingWarmUp.class).isWarnEnabled();
            done = true;
        }
    }
}
