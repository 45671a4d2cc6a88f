package dev.censorsim.messenger;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.net.PortUnreachableException;
import java.nio.channels.ClosedChannelException;

import static org.assertj.core.api.Assertions.assertThat;

/** What the last handler of a QUIC socket or connection does with an exception: ends it, closing only for a bug. */
class QuicSocketEndHandlerTest {

    @Test
    void ioErrorsShouldEndHereAndLeaveTheSocketToTheTransport() {
        EmbeddedChannel channel = new EmbeddedChannel(QuicSocketEndHandler.INSTANCE);
        long before = QuicSocketEndHandler.UNEXPECTED_ERRORS.sum();

        channel.pipeline().fireExceptionCaught(new ClosedChannelException());
        channel.pipeline().fireExceptionCaught(new PortUnreachableException("ICMP port unreachable"));

        channel.checkException(); // EmbeddedChannel rethrows what reached its tail
        assertThat(channel.isOpen()).as("an ICMP error does not end a QUIC connection").isTrue();
        assertThat(QuicSocketEndHandler.UNEXPECTED_ERRORS.sum()).isEqualTo(before);
    }

    @Test
    void anUnexpectedExceptionShouldBeCountedAndCloseTheChannel() {
        EmbeddedChannel channel = new EmbeddedChannel(QuicSocketEndHandler.INSTANCE);
        long before = QuicSocketEndHandler.UNEXPECTED_ERRORS.sum();

        channel.pipeline().fireExceptionCaught(new IllegalStateException("a bug"));

        channel.checkException();
        assertThat(channel.isOpen()).isFalse();
        assertThat(QuicSocketEndHandler.UNEXPECTED_ERRORS.sum()).isEqualTo(before + 1);
    }
}
