package dev.censorsim.proxy;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.net.SocketAddress;

import static org.assertj.core.api.Assertions.assertThat;

/** The client filter on a connection whose client left before its address was known (io_uring after a reset). */
class ClientFilterHandlerTest {

    @Test
    void aClientWithNoAddressShouldBeClosedAsGoneWithoutAnError() throws Exception {
        long goneBefore = ClientFilterHandler.GONE_BEFORE_ADDRESS.sum();
        EmbeddedChannel channel = new EmbeddedChannel(false, false) {
            @Override
            protected SocketAddress remoteAddress0() {
                return null; // what io_uring reports for a client that reset before the accept had its address
            }
        };
        channel.pipeline().addLast(new ClientFilterHandler(ClientAllowList.LOOPBACK));
        channel.register();

        channel.checkException(); // Netty's filter threw "cannot determine to accept or reject a channel" here
        assertThat(channel.isOpen()).isFalse();
        assertThat(ClientFilterHandler.GONE_BEFORE_ADDRESS.sum() - goneBefore).isEqualTo(1);
    }
}
