package dev.censorsim.proxy;

import io.netty.util.NetUtil;
import org.junit.jupiter.api.Test;

import static dev.censorsim.testing.Listeners.kernelBacklog;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The listener's accept queue is what the options say, as the kernel reports it (ss's Send-Q of a listener). */
class ListenBacklogTest {

    @Test
    void listenerShouldQueueAsManyConnectsAsConfigured() throws Exception {
        try (CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().backlog(300).build())) {
            assertThat(kernelBacklog(proxy.localAddress().getPort())).isEqualTo(300);
        }
    }

    @Test
    void defaultBacklogShouldBeFourThousandNinetySixOrTheKernelCap() throws Exception {
        try (CensorProxy proxy = CensorProxy.start(ProxyOptions.socks().build())) {
            assertThat(kernelBacklog(proxy.localAddress().getPort()))
                    .as("4096, truncated by listen(2) to net.core.somaxconn = %d", NetUtil.SOMAXCONN)
                    .isEqualTo(Math.min(ProxyOptions.DEFAULT_BACKLOG, NetUtil.SOMAXCONN));
        }
    }

    @Test
    void backlogBelowOneShouldBeRejected() {
        assertThatThrownBy(() -> ProxyOptions.socks().backlog(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("backlog must be >= 1, was 0");
    }
}
