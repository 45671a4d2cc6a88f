package dev.censorsim.proxy;

import dev.censorsim.testing.ProcessResult;
import dev.censorsim.testing.Processes;
import dev.censorsim.testing.Tools;
import io.netty.util.NetUtil;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

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

    /** Send-Q of a listening socket is its accept-queue limit (the backlog after the kernel's cap). */
    private static int kernelBacklog(int port) throws Exception {
        Tools.require("ss", "apt-get install -y iproute2");
        ProcessResult ss = Processes.run(List.of("ss", "-H", "-ltn", "sport = :" + port), Duration.ofSeconds(10));
        assertThat(ss.exitCode()).as("%s", ss).isZero();
        List<String> lines = ss.stdout().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as("one listener on port %d", port).hasSize(1);
        // State Recv-Q Send-Q Local Peer
        return Integer.parseInt(lines.get(0).trim().split("\\s+")[2]);
    }
}
