package dev.censorsim.transparent;

import io.netty.util.NetUtil;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A fresh network namespace whose every TCP and UDP flow the kernel hands to censorsim (root path: {@code ip} and
 * {@code nft} run directly).
 *
 * <p>Layout: a veth pair joins the namespace to the host. In the host, an nftables table matches everything arriving
 * from the pair, sets the interception's firewall mark and TPROXYs it to censorsim's transparent listeners on the host
 * side of the link; an {@code ip rule} sends marked packets to a routing table whose only route is {@code local}, so
 * they are delivered to those sockets whatever their destination. DNS to the host side's port 53 is let through
 * unmarked to censorsim's DNS server, which the namespace's resolv.conf names.
 *
 * <p>Fails closed as {@link TproxyRules} describes: with censorsim gone the namespace's flows are refused, never
 * routed around the censor.
 */
final class NamespaceInterception implements AutoCloseable {

    /** Where {@code ip netns exec} finds the files it bind-mounts over {@code /etc} inside the namespace. */
    static final Path ETC_NETNS = Path.of("/etc/netns");

    /** The whole answer for a user without root: why, and what to run instead. */
    static final String NEEDS_ROOT = "needs root (CAP_NET_ADMIN in the host's network namespace) to create a network "
            + "namespace, a veth pair and nftables TPROXY rules: run it with sudo (the command itself still runs as "
            + "you, from SUDO_UID/SUDO_GID). Without root, 'unshare -Urnm' is no way round (censorsim would lose the "
            + "route to the host's network and loopback); instead point the app at 'censorsim serve' (SOCKS5 and "
            + "HTTP proxy: HTTPS_PROXY, ALL_PROXY) or 'censorsim socks', which need no root";

    private final InterceptionId id;
    private final Subnet subnet;
    private final List<String> teardownErrors = new ArrayList<>();
    private boolean linking;
    private boolean intercepting;
    private boolean closed;

    private NamespaceInterception(InterceptionId id, Subnet subnet) {
        this.id = id;
        this.subnet = subnet;
    }

    /**
     * Sweeps leftovers of crashed runs, then creates the namespace, the veth pair and the addresses (one pair of
     * made-up server addresses per {@code --host} name). Undoes what it did when a step fails.
     */
    static NamespaceInterception create(int hostNames) throws IOException {
        NamespaceInterception ns = allocate();
        try {
            ns.createLink(hostNames);
        } catch (IOException | RuntimeException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    /**
     * Sweeps leftovers of crashed runs and picks the names and the subnet, creating nothing yet: the caller can hand
     * the result to whoever may have to {@link #close()} it (a shutdown hook) before {@link #createLink} makes the
     * first kernel object.
     */
    static NamespaceInterception allocate() throws IOException {
        requireTools();
        LeftoverSweep.sweep(ETC_NETNS);
        InterceptionId id = InterceptionId.next();
        Subnet subnet;
        try {
            String inUse = Commands.run("ip", "-o", "addr", "show");
            subnet = Subnet.firstFree((int) (id.pid() * 7 + id.seq()), inUse);
        } catch (IOException | RuntimeException e) {
            id.release();
            throw e;
        }
        return new NamespaceInterception(id, subnet);
    }

    /**
     * Fails with what is missing: root (CAP_NET_ADMIN), iproute2, nftables, util-linux.
     *
     * <p>Without root there is no working fallback, measured as {@code nobody} on Linux 6.18 with user namespaces
     * enabled: inside {@code unshare -Urnm} censorsim is root of a new user and network namespace and can build the
     * command's namespace, the veth pair, the TPROXY rules and the listeners (after a tmpfs over {@code /run/netns}),
     * but every upstream connect then fails with "Network is unreachable": that namespace has a loopback of its own and
     * no route out, so neither real destinations nor a {@code --host} backend on the host's 127.0.0.1 can be reached.
     * Making it work needs a process left in the host's namespace that opens the upstream sockets and hands them in
     * (SCM_RIGHTS), which the relays' connect path does not support. Hence one line saying what to run instead.
     */
    static void requireTools() throws IOException {
        requireTools(NEEDS_ROOT);
    }

    /** As {@link #requireTools()}, with {@code needsRoot} as the message for a user without root. */
    static void requireTools(String needsRoot) throws IOException {
        if (!"0".equals(effectiveUid())) {
            throw new InterceptionUnavailableException(needsRoot);
        }
        for (String tool : List.of("ip", "nft", "setpriv")) {
            if (!Commands.available(tool)) {
                throw new InterceptionUnavailableException("'" + tool + "' not found: install "
                        + Commands.packageOf(tool));
            }
        }
        Commands.Result probe = Commands.tryRun("nft", "list", "tables");
        if (!probe.ok()) {
            throw new InterceptionUnavailableException("cannot manage nftables (" + probe.stderr().strip()
                    + "): needs root (CAP_NET_ADMIN); try sudo");
        }
    }

    /**
     * Creates the namespace, the veth pair and the addresses. Holds this object's monitor, as {@link #intercept} does:
     * a {@link #close()} from another thread (SIGTERM during set-up) waits for the {@code ip} processes of a step in
     * progress to end (each is killed after {@link Commands}' timeout) and so undoes all of it, and a step that would
     * begin after the close refuses, so nothing is made once the teardown has run.
     */
    synchronized void createLink(int hostNames) throws IOException {
        refuseIfClosed();
        linking = true;
        String ns = id.namespace();
        String host = id.hostLink();
        String peer = id.namespaceLink();
        // Two processes (the host's side, then the namespace's) instead of one per step; IPv6 by the addresses.
        List<String> hostSide = new ArrayList<>(List.of(
                "netns add " + ns,
                "link add " + host + " type veth peer name " + peer + " netns " + ns,
                "addr add " + ip(subnet.hostV4()) + "/24 dev " + host,
                "addr add " + ip(subnet.hostV6()) + "/64 dev " + host + " nodad"));
        for (int i = 0; i < hostNames; i++) {
            // On the host side of the link so the namespace's ARP/ND for them is answered; TPROXY still takes the
            // flows before they could reach any host socket.
            hostSide.add("addr add " + ip(subnet.serverV4(i)) + "/32 dev " + host);
            hostSide.add("addr add " + ip(subnet.serverV6(i)) + "/128 dev " + host + " nodad");
        }
        hostSide.add("link set " + host + " up");
        Commands.ipBatch(List.of(), hostSide);
        Commands.ipBatch(List.of("-n", ns), List.of(
                "link set lo up",
                "addr add " + ip(subnet.namespaceV4()) + "/24 dev " + peer,
                "addr add " + ip(subnet.namespaceV6()) + "/64 dev " + peer + " nodad",
                "link set " + peer + " up",
                "route add default via " + ip(subnet.hostV4()),
                "route add default via " + ip(subnet.hostV6())));
    }

    /**
     * Turns interception on: TCP and UDP of each family to the given transparent listeners, DNS on port 53 of the
     * host side (both families) to the DNS server, and the namespace's resolv.conf naming it.
     */
    synchronized void intercept(InetSocketAddress tcp4, InetSocketAddress udp4, InetSocketAddress tcp6,
                                InetSocketAddress udp6) throws IOException {
        refuseIfClosed();
        intercepting = true;
        TproxyRules.install(id, id.hostLink(), List.of(
                "ip daddr " + ip(subnet.hostV4()) + " meta l4proto { tcp, udp } th dport 53",
                "ip6 daddr " + ip(subnet.hostV6()) + " meta l4proto { tcp, udp } th dport 53"),
                tcp4, udp4, tcp6, udp6);
        Path dir = ETC_NETNS.resolve(id.namespace());
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("resolv.conf"), "# censorsim run: DNS goes to censorsim's DNS server\n"
                + "nameserver " + ip(subnet.hostV4()) + "\n"
                + "nameserver " + ip(subnet.hostV6()) + "\n"
                + "options timeout:2 attempts:2\n", StandardCharsets.US_ASCII);
    }

    /** The effective uid from /proc/self/status ("Uid: real effective saved fs"), or null when unreadable. */
    private static String effectiveUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("Uid:")) {
                    String[] ids = line.substring(4).trim().split("\\s+");
                    return ids.length > 1 ? ids[1] : null;
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

    InterceptionId id() {
        return id;
    }

    Subnet subnet() {
        return subnet;
    }

    /** {@code ip netns exec NS}: what runs a command inside; the mount namespace brings the resolv.conf. */
    List<String> execPrefix() {
        return List.of("ip", "netns", "exec", id.namespace());
    }

    /** Errors met while tearing down, for a warning; empty when everything went. */
    synchronized List<String> teardownErrors() {
        return List.copyOf(teardownErrors);
    }

    /** Removes everything this interception made; idempotent, every step attempted even when one fails. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!linking) {
            id.release(); // closed before the first kernel object: nothing to remove
            return;
        }
        // The command first, so nothing inside sends while the rules go; then one ip process for the rest.
        killProcessesIn(id.namespace());
        List<String> batch = new ArrayList<>();
        if (intercepting) {
            quietly("nft", "delete", "table", "inet", id.nftTable());
            TproxyRules.removeIpv6Rule(id, teardownErrors);
            batch.addAll(TproxyRules.removalLines(id));
        }
        batch.add("link del " + id.hostLink());
        batch.add("netns del " + id.namespace());
        Commands.ipBatchForce(batch, teardownErrors);
        try {
            LeftoverSweep.deleteTree(ETC_NETNS.resolve(id.namespace()));
        } catch (IOException e) {
            teardownErrors.add(e.getMessage());
        }
        id.release();
    }

    /** A set-up step that comes after {@link #close()} (a signal's teardown) fails instead of making anything. */
    private void refuseIfClosed() throws IOException {
        if (closed) {
            throw new IOException("set-up stopped: the interception was closed");
        }
    }

    /**
     * Kills whatever still runs in the namespace (a daemon the command left behind): a namespace with processes in
     * it outlives {@code ip netns del}.
     */
    static void killProcessesIn(String namespace) {
        try {
            for (String pid : Commands.tryRun("ip", "netns", "pids", namespace).stdout().split("\\s+")) {
                if (!pid.isBlank()) {
                    ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // nothing to kill, or nothing we can read: the namespace goes when its last process does
        }
    }

    private void quietly(String... command) {
        TproxyRules.quietly(teardownErrors, command);
    }

    static String ip(InetAddress address) {
        return NetUtil.toAddressString(address);
    }
}
