package dev.censorsim.transparent;

import dev.censorsim.proxy.TransparentRoute;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code censorsim gateway}: the interception of {@link TransparentRun} for traffic arriving on an existing interface,
 * so a VM, a container or an Android emulator whose default route points at this host is censored. Every TCP and UDP
 * flow arriving on the interface goes to its original destination under the policy; what has no listener (a family
 * the interface has no address of) is rejected, and nothing from the interface is forwarded.
 *
 * <p>The listeners bind to the interface's own first address of each family: TPROXY hands a flow over only to a
 * socket on an address the packet could be delivered to there (a loopback listener does not receive it). A client
 * that dials a listener directly is reset, so a gateway is never an open relay. Needs root, iproute2 and nftables.
 *
 * <p>A caller that must be able to tear down from a shutdown hook while set-up is still under way uses
 * {@link #prepare} and registers the hook before {@link #open()}.
 */
public final class Gateway implements AutoCloseable {

    private static final Pattern ADDRESS = Pattern.compile("\\binet6? ([0-9a-fA-F.:]+)/\\d+ .*?scope (\\w+)");

    private final GatewayOptions options;
    /** Guarded by {@code this}, as the rest: {@code null} until {@link #open()} has swept and picked the names. */
    private InterceptionId id;
    private final List<AutoCloseable> services = new ArrayList<>();
    private final List<String> teardownErrors = new ArrayList<>();
    private final InetSocketAddress[] listeners = new InetSocketAddress[4];
    private boolean opened;
    private boolean installed;
    private boolean closed;

    private Gateway(GatewayOptions options) {
        this.options = options;
    }

    /**
     * Fails, saying what is missing and what to run instead, unless this process can intercept an interface (root,
     * iproute2, nftables, util-linux); for a caller that wants to know before it opens files (a {@code --pcap} it
     * would truncate).
     */
    public static void checkRequirements() throws InterceptionUnavailableException {
        try {
            requireTools();
        } catch (InterceptionUnavailableException e) {
            throw e;
        } catch (IOException e) {
            throw new InterceptionUnavailableException(e.getMessage());
        }
    }

    private static void requireTools() throws IOException {
        NamespaceInterception.requireTools("needs root (CAP_NET_ADMIN) to add nftables TPROXY rules and policy "
                + "routes for an interface: run it with sudo");
    }

    /**
     * Sweeps leftovers of crashed runs, starts the listeners on the interface's addresses and installs the rules.
     *
     * @throws IOException naming what is missing (root, a tool, the interface, an address on it)
     */
    public static Gateway start(GatewayOptions options) throws IOException {
        Gateway gateway = prepare(options);
        gateway.open();
        return gateway;
    }

    /**
     * A gateway that has made nothing yet, for {@link #open()}. {@link #close()} may be called on it from any thread at
     * any time, before, during or after {@link #open()}.
     */
    public static Gateway prepare(GatewayOptions options) {
        return new Gateway(options);
    }

    /**
     * Does what {@link #start} describes. A {@link #close()} from another thread meanwhile (a shutdown hook) waits for
     * the {@code ip} and {@code nft} processes of the rules' installation if it has begun, then removes what was made;
     * a step after the close fails instead of making more. Everything made is removed again when a step fails.
     *
     * @throws IOException naming what is missing (root, a tool, the interface, an address on it), or saying the
     *                     gateway was closed
     */
    public void open() throws IOException {
        synchronized (this) {
            if (opened) {
                throw new IllegalStateException("already opened");
            }
            opened = true;
        }
        requireTools();
        Commands.Result link = Commands.tryRun("ip", "-o", "addr", "show", "dev", options.iface());
        if (!link.ok()) {
            throw new IOException("no interface " + options.iface() + ": " + link.stderr().strip());
        }
        InetAddress v4 = null;
        InetAddress v6 = null;
        Matcher m = ADDRESS.matcher(link.stdout());
        while (m.find()) {
            InetAddress address = InetAddress.getByName(m.group(1));
            if (address instanceof Inet4Address && v4 == null) {
                v4 = address;
            } else if (address instanceof Inet6Address && v6 == null && "global".equals(m.group(2))) {
                v6 = address;
            }
        }
        if (v4 == null && v6 == null) {
            throw new IOException("interface " + options.iface() + " has no IPv4 or global IPv6 address to intercept on"
                    + " (the VM's default route should point at one)");
        }
        LeftoverSweep.sweep(NamespaceInterception.ETC_NETNS);
        synchronized (this) {
            refuseIfClosed();
            id = InterceptionId.next();
        }
        try {
            startServices(v4, v6);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private void startServices(InetAddress v4, InetAddress v6) throws IOException {
        // Anyone the interface delivers may use the listeners; a direct dial of a listener is reset, not relayed.
        TransparentListeners.Settings settings = new TransparentListeners.Settings(
                TransparentRoute.ORIGINAL_DESTINATION, List.of("0.0.0.0/0", "::/0"), options.policy(),
                options.tcpListener(), options.udpListener(), options.idleTimeout(), options.udpIdleTimeout(),
                // Marked only towards loopback, which a gateway's clients on other hosts cannot name as a destination.
                options.capture(), true);
        InetAddress[] binds = {v4, v6};
        for (int family = 0; family < 2; family++) {
            if (binds[family] != null) {
                TransparentListeners started = TransparentListeners.start(binds[family], settings);
                synchronized (this) {
                    if (closed) {
                        started.close(); // closed while they started: close() did not see them
                        refuseIfClosed();
                    }
                    services.add(started);
                    listeners[2 * family] = started.tcpAddress();
                    listeners[2 * family + 1] = started.udpAddress();
                }
            }
        }
        // Under the monitor: a close() meanwhile waits for ip and nft to end (each is killed after Commands' timeout)
        // and then removes what they made, instead of an nft table appearing after the teardown.
        synchronized (this) {
            refuseIfClosed();
            installed = true;
            TproxyRules.install(id, options.iface(), List.of(), listeners[0], listeners[1], listeners[2],
                    listeners[3]);
        }
    }

    private void refuseIfClosed() throws IOException {
        if (closed) {
            throw new IOException("set-up stopped: the gateway was closed");
        }
    }

    /** The listeners' addresses: TCP and UDP, IPv4 then IPv6; {@code null} for a family not intercepted. */
    public synchronized List<InetSocketAddress> listenAddresses() {
        return java.util.Arrays.asList(listeners.clone());
    }

    /** The nftables table the gateway installed (inet family), for the log. */
    public synchronized String nftTable() {
        return id.nftTable();
    }

    /** Errors met while tearing down (empty when all went). */
    public synchronized List<String> teardownErrors() {
        return List.copyOf(teardownErrors);
    }

    /** Removes the rules, routes and table, then stops the listeners. Idempotent; safe from a shutdown hook. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (installed) {
            TproxyRules.remove(id, teardownErrors);
        }
        for (int i = services.size() - 1; i >= 0; i--) {
            try {
                services.get(i).close();
            } catch (Exception ignored) {
                // stopping anyway
            }
        }
        if (id != null) {
            id.release();
        }
    }
}
