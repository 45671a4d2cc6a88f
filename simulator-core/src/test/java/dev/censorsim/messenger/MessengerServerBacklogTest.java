package dev.censorsim.messenger;

import dev.censorsim.proxy.ProxyOptions;
import io.netty.util.NetUtil;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.censorsim.testing.Listeners.kernelBacklog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The messenger server's accept queue is what its options say, as the kernel reports it; the proxy's by default. */
class MessengerServerBacklogTest {

    @Test
    void serverShouldQueueAsManyConnectsAsConfigured() throws Exception {
        try (MessengerServer server = MessengerServer.start(MessengerServerOptions.builder()
                .names(List.of("g.whatsapp.net")).backlog(300).build())) {
            assertThat(kernelBacklog(server.address().getPort())).isEqualTo(300);
        }
    }

    @Test
    void defaultBacklogShouldBeTheProxysOrTheKernelCap() throws Exception {
        assertThat(MessengerServerOptions.DEFAULT_BACKLOG).as("the same default as the proxy front ends")
                .isEqualTo(ProxyOptions.DEFAULT_BACKLOG);
        try (MessengerServer server = MessengerServer.start(MessengerServerOptions.builder()
                .names(List.of("g.whatsapp.net")).build())) {
            assertThat(kernelBacklog(server.address().getPort()))
                    .as("4096, truncated by listen(2) to net.core.somaxconn = %d", NetUtil.SOMAXCONN)
                    .isEqualTo(Math.min(MessengerServerOptions.DEFAULT_BACKLOG, NetUtil.SOMAXCONN));
        }
    }

    @Test
    void backlogBelowOneShouldBeRejected() {
        assertThatThrownBy(() -> MessengerServerOptions.builder().names(List.of("g.whatsapp.net")).backlog(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("backlog must be >= 1, was 0");
    }
}
