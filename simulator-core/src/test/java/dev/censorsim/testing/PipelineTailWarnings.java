package dev.censorsim.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Counts Netty's "An exceptionCaught() event was fired, and it reached at the tail of the pipeline" warnings while
 * open: each one is an exception no handler of ours ended, which the house rule forbids. Netty logs them through
 * {@code java.util.logging} in these tests (no SLF4J binding on the test class path), on the logger of
 * {@code DefaultChannelPipeline}. Counts every channel of the JVM, so use it around code that runs alone.
 */
public final class PipelineTailWarnings implements AutoCloseable {

    private static final String LOGGER = "io.netty.channel.DefaultChannelPipeline";

    private final Logger logger = Logger.getLogger(LOGGER);
    private final List<String> seen = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue() && record.getMessage() != null
                    && record.getMessage().contains("tail of the pipeline")) {
                synchronized (seen) {
                    seen.add(String.valueOf(record.getThrown()));
                }
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private PipelineTailWarnings() {
        capture.setLevel(Level.ALL);
        logger.addHandler(capture);
    }

    /** Starts counting. */
    public static PipelineTailWarnings capture() {
        return new PipelineTailWarnings();
    }

    /** The exceptions that reached a pipeline's tail so far, as {@code toString()}, oldest first. */
    public List<String> exceptions() {
        synchronized (seen) {
            return List.copyOf(seen);
        }
    }

    @Override
    public void close() {
        logger.removeHandler(capture);
    }
}
