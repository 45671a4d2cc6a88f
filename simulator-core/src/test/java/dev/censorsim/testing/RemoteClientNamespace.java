package dev.censorsim.testing;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A network namespace joined to this host by a veth pair, so a test can have a client that is <em>not</em> on
 * loopback: the client runs inside the namespace ({@link #exec}) and reaches the host side's address over the veth.
 * Names carry the prefix {@code cshost-} (namespace {@code cshost-PID-SEQ}, links {@code cshPID-SEQh} on the host and
 * {@code cshPID-SEQn} inside), so parallel runs and other tests' namespaces are never touched. The addresses are a
 * /30 of 198.18.0.0/15 (RFC 2544, benchmarking) not already on this host. {@link #close()} removes both, also after a
 * failed set-up. Needs root and iproute2 (CI runs as root).
 */
public final class RemoteClientNamespace implements AutoCloseable {

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final String name;
    private final String hostLink;
    private final InetAddress hostAddress;
    private final InetAddress clientAddress;

    private RemoteClientNamespace(String name, String hostLink, InetAddress hostAddress, InetAddress clientAddress) {
        this.name = name;
        this.hostLink = hostLink;
        this.hostAddress = hostAddress;
        this.clientAddress = clientAddress;
    }

    /** Creates the namespace and the veth pair, both ends up and addressed; removes what it made if a step fails. */
    public static RemoteClientNamespace create() throws Exception {
        Tools.require("ip", "apt-get install iproute2");
        assertThat(run("id", "-u").stdout().strip()).as("a network namespace needs root (CI runs as root)")
                .isEqualTo("0");
        long pid = ProcessHandle.current().pid() % 10_000_000;
        int seq = SEQUENCE.incrementAndGet() % 100;
        String name = "cshost-" + pid + "-" + seq;
        String hostLink = "csh" + pid + "-" + seq + "h";
        String clientLink = "csh" + pid + "-" + seq + "n";
        String usedAddresses = run("ip", "-4", "-o", "addr", "show").stdout();
        int third = (int) (pid % 256);
        int fourth = seq * 4 % 256;
        String prefix = "198.19." + third + ".";
        while (usedAddresses.contains(prefix + (fourth + 1) + "/") || usedAddresses.contains(prefix + (fourth + 2) + "/")) {
            fourth = (fourth + 4) % 256;
        }
        RemoteClientNamespace ns = new RemoteClientNamespace(name, hostLink,
                InetAddress.getByName(prefix + (fourth + 1)), InetAddress.getByName(prefix + (fourth + 2)));
        try {
            check(run("ip", "netns", "add", name));
            check(run("ip", "link", "add", hostLink, "type", "veth", "peer", "name", clientLink, "netns", name));
            check(run("ip", "addr", "add", prefix + (fourth + 1) + "/30", "dev", hostLink));
            check(run("ip", "link", "set", hostLink, "up"));
            check(run("ip", "-n", name, "addr", "add", prefix + (fourth + 2) + "/30", "dev", clientLink));
            check(run("ip", "-n", name, "link", "set", clientLink, "up"));
            check(run("ip", "-n", name, "link", "set", "lo", "up"));
        } catch (Exception | AssertionError e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    /** The host side of the veth: where a server for the namespace's client listens. */
    public InetAddress hostAddress() {
        return hostAddress;
    }

    /** The client's address inside the namespace, as the host sees it: not loopback. */
    public InetAddress clientAddress() {
        return clientAddress;
    }

    /** Runs {@code command} inside the namespace with a hard timeout. */
    public ProcessResult exec(List<String> command, Duration timeout) throws Exception {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(command);
        return Processes.run(full, timeout);
    }

    /** Deletes the namespace (which takes the veth pair with it) and the host link if it outlived it. */
    @Override
    public void close() throws Exception {
        if (run("ip", "link", "show", hostLink).exitCode() == 0) {
            run("ip", "link", "del", hostLink);
        }
        run("ip", "netns", "del", name);
        assertThat(run("ip", "netns", "list").stdout()).as("namespace %s left behind", name)
                .doesNotContainPattern("(?m)^" + name + "( |$)");
        assertThat(run("ip", "link", "show", hostLink).exitCode()).as("link %s left behind", hostLink).isNotZero();
    }

    private static ProcessResult run(String... command) throws Exception {
        return Processes.run(List.of(command), Duration.ofSeconds(30));
    }

    private static void check(ProcessResult result) {
        assertThat(result.exitCode()).as("%s", result).isZero();
    }
}
