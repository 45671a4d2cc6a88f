package dev.censorsim.cli;

import org.junit.jupiter.api.Test;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

import static org.assertj.core.api.Assertions.assertThat;

class ProxyLoopOptionTest {

    @Test
    void upstreamEqualToTheListenAddressShouldBeABadInputOnOneLine() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        CliRun run = CliRun.of("proxy", "--listen", "127.0.0.1:" + port, "--upstream", "127.0.0.1:" + port);

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err().lines().count()).isEqualTo(1);
        assertThat(run.err()).contains("own listen address").doesNotContain("\tat ");
    }

    @Test
    void udpUpstreamEqualToTheListenAddressShouldBeABadInputOnOneLine() throws Exception {
        int port;
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            port = s.getLocalPort();
        }
        CliRun run = CliRun.of("proxy", "--udp", "--listen", "127.0.0.1:" + port, "--upstream",
                "127.0.0.1:" + port);

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err().lines().count()).isEqualTo(1);
        assertThat(run.err()).contains("own listen address").contains("127.0.0.1:" + port).doesNotContain("\tat ");
    }
}
