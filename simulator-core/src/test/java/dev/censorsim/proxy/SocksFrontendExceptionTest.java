package dev.censorsim.proxy;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.DecoderException;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/** What {@link SocksFrontendHandler} does with an exception: close, and say so at the level the cause deserves. */
class SocksFrontendExceptionTest {

    private static final ProxyRuntime RUNTIME = new ProxyRuntime(ProxyOptions.socks().build(),
            new DefaultChannelGroup("test", GlobalEventExecutor.INSTANCE));

    private final Logger logger = Logger.getLogger(SocksFrontendHandler.class.getName());
    private final List<LogRecord> records = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            synchronized (records) {
                records.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private Level levelBefore;

    @BeforeEach
    void captureLog() {
        levelBefore = logger.getLevel();
        logger.setLevel(Level.FINE);
        capture.setLevel(Level.ALL);
        logger.addHandler(capture);
    }

    @AfterEach
    void restoreLog() {
        logger.removeHandler(capture);
        logger.setLevel(levelBefore);
    }

    @Test
    void clientResetShouldCloseAndBeLoggedAtDebugWithTheClient() {
        EmbeddedChannel channel = new EmbeddedChannel(new SocksFrontendHandler(RUNTIME));
        long unexpectedBefore = SocksFrontendHandler.UNEXPECTED_ERRORS.sum();

        channel.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));

        assertThat(channel.isOpen()).isFalse();
        assertThat(SocksFrontendHandler.UNEXPECTED_ERRORS.sum()).as("a reset is no bug").isEqualTo(unexpectedBefore);
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.getLevel()).isEqualTo(Level.FINE);
            assertThat(r.getMessage()).contains("SOCKS client " + channel.remoteAddress())
                    .contains("during the handshake").contains("Connection reset by peer");
        });
    }

    @Test
    void malformedInputShouldAlsoStayAtDebug() {
        EmbeddedChannel channel = new EmbeddedChannel(new SocksFrontendHandler(RUNTIME));

        channel.pipeline().fireExceptionCaught(new DecoderException("unsupported version: 9"));

        assertThat(channel.isOpen()).isFalse();
        assertThat(records).extracting(LogRecord::getLevel).containsOnly(Level.FINE);
    }

    @Test
    void unexpectedExceptionShouldCloseBeCountedAndWarnedAboutWithItsStackTraceAtDebug() {
        EmbeddedChannel channel = new EmbeddedChannel(new SocksFrontendHandler(RUNTIME));
        long unexpectedBefore = SocksFrontendHandler.UNEXPECTED_ERRORS.sum();
        IllegalStateException bug = new IllegalStateException("a bug");

        channel.pipeline().fireExceptionCaught(bug);

        assertThat(channel.isOpen()).isFalse();
        assertThat(SocksFrontendHandler.UNEXPECTED_ERRORS.sum()).isEqualTo(unexpectedBefore + 1);
        assertThat(records).filteredOn(r -> r.getLevel() == Level.FINE).singleElement()
                .satisfies(r -> assertThat(r.getThrown()).isSameAs(bug));
        // The warning is rate-limited process-wide (one line per 10 s); the first one in this JVM is written.
        assertThat(records).filteredOn(r -> r.getLevel() == Level.WARNING)
                .allSatisfy(r -> assertThat(r.getMessage()).contains("unexpected").contains("a bug"));
    }
}
