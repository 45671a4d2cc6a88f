package dev.censorsim.testing;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What the kernel says about a test's listening sockets. */
public final class Listeners {

    private Listeners() {
    }

    /**
     * The accept-queue limit of the TCP listener on {@code port} (the {@code listen(2)} backlog after the kernel's
     * {@code net.core.somaxconn} cap): {@code ss}'s Send-Q of a listening socket.
     */
    public static int kernelBacklog(int port) throws Exception {
        Tools.require("ss", "apt-get install -y iproute2");
        ProcessResult ss = Processes.run(List.of("ss", "-H", "-ltn", "sport = :" + port), Duration.ofSeconds(10));
        assertThat(ss.exitCode()).as("%s", ss).isZero();
        List<String> lines = ss.stdout().lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines).as("one listener on port %d", port).hasSize(1);
        // State Recv-Q Send-Q Local Peer
        return Integer.parseInt(lines.get(0).trim().split("\\s+")[2]);
    }
}
