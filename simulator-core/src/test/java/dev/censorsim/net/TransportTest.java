package dev.censorsim.net;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@code -Dcensorsim.transport} setting. Needs Netty's native epoll and io_uring (Linux x86_64, io_uring allowed),
 * as the CI machine has.
 */
class TransportTest {

    @Test
    void unsetPropertyShouldChooseEpollWhereItLoads() {
        assertThat(Epoll.isAvailable()).as("epoll: %s", Epoll.unavailabilityCause()).isTrue();
        assertThat(Transport.choose(null)).isEqualTo(Transport.EPOLL);
        assertThat(Transport.choose(" Auto ")).isEqualTo(Transport.EPOLL);
    }

    @Test
    void nioShouldStayAvailableAsAnExplicitChoice() {
        assertThat(Transport.choose("nio")).isEqualTo(Transport.NIO);
        assertThat(Transport.choose("epoll")).isEqualTo(Transport.EPOLL);
    }

    @Test
    void ioUringShouldBeAnExplicitChoiceThatAutoNeverPicks() {
        assertThat(IoUring.isAvailable()).as("io_uring: %s", IoUring.unavailabilityCause()).isTrue();
        assertThat(Transport.choose("io_uring")).isEqualTo(Transport.IO_URING);
        assertThat(Transport.choose("IoUring")).isEqualTo(Transport.IO_URING);
        assertThat(Transport.choose("auto")).isNotEqualTo(Transport.IO_URING);
    }

    @Test
    void unknownSettingShouldNameTheChoices() {
        assertThatThrownBy(() -> Transport.choose("kqueue")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("-Dcensorsim.transport=kqueue: expected auto, epoll, io_uring or nio");
    }
}
