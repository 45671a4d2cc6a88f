package dev.censorsim.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/** A front end's exceptions before its flow starts stop at the front end ({@link PendingClientInput#failed}). */
class PendingClientInputTest {

    private static EmbeddedChannel frontEnd(PendingClientInput pending) {
        return new EmbeddedChannel(new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                pending.failed(ctx, cause);
            }
        });
    }

    @Test
    void aClientResetBeforeTheFlowShouldStopAtTheFrontEndAndBeKept() {
        PendingClientInput pending = new PendingClientInput();
        EmbeddedChannel channel = frontEnd(pending);
        long before = PendingClientInput.UNEXPECTED_ERRORS.sum();

        channel.pipeline().fireExceptionCaught(new IOException("recvAddress(..) failed: Connection reset by peer"));

        channel.checkException(); // EmbeddedChannel rethrows what reached its tail
        assertThat(channel.isOpen()).as("kept for the flow, which passes the RST on").isTrue();
        assertThat(PendingClientInput.UNEXPECTED_ERRORS.sum()).isEqualTo(before);
    }

    @Test
    void anUnexpectedExceptionShouldBeCountedAndCloseTheClient() {
        EmbeddedChannel channel = frontEnd(new PendingClientInput());
        long before = PendingClientInput.UNEXPECTED_ERRORS.sum();

        channel.pipeline().fireExceptionCaught(new IllegalStateException("a bug"));

        channel.checkException();
        assertThat(channel.isOpen()).isFalse();
        assertThat(PendingClientInput.UNEXPECTED_ERRORS.sum()).isEqualTo(before + 1);
    }
}
