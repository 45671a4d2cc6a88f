package dev.censorsim.proxy;

import dev.censorsim.net.Transport;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link GracefulClose} goes on every epoll channel, including those of front ends that run on epoll whatever the
 * default transport (transparent interception), and never on NIO's. Needs Netty's native epoll (Linux x86_64).
 */
class GracefulCloseTest {

    @Test
    void epollChannelShouldGetTheFinBeforeCloseWhateverTheDefaultTransport() {
        assertThat(Epoll.isAvailable()).as("epoll: %s", Epoll.unavailabilityCause()).isTrue();
        EpollSocketChannel epoll = new EpollSocketChannel();
        try {
            GracefulClose.install(epoll);
            assertThat(epoll.pipeline().get(GracefulClose.NAME)).as("default transport %s", Transport.current())
                    .isNotNull();
        } finally {
            epoll.unsafe().closeForcibly();
        }
    }

    @Test
    void nioChannelShouldBeLeftAloneAsTheJdkSendsTheFinItself() {
        NioSocketChannel nio = new NioSocketChannel();
        try {
            GracefulClose.install(nio);
            assertThat(nio.pipeline().get(GracefulClose.NAME)).isNull();
        } finally {
            nio.unsafe().closeForcibly();
        }
    }
}
