package dev.censorsim.proxy;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Loop detection across every proxy and relay of this process: two proxies whose upstreams name each other, or a
 * SOCKS/CONNECT chain that comes back to a listener it already passed, would otherwise open connections until
 * descriptors run out (one curl, ~10 k connections in 2 s).
 *
 * <p>Every upstream socket this process opens towards a local address (loopback or an address of this host, the only
 * targets through which a connection can come back) binds its source port <em>before</em> connecting and is
 * remembered here, port to {@link Path}, until it closes. A listener that accepts a connection (or a first datagram)
 * from a local address looks the source port up: a hit means the connection is this process's own, and its path says
 * which listeners it already went through. If the path contains the accepting listener, the connection is a loop and
 * is refused; otherwise the listener passes the path, extended by itself, to its own upstream. A legitimate chain
 * (SOCKS front end into a port-forward censor in the same process) is therefore allowed; only a cycle is refused,
 * at its second visit to a listener.
 *
 * <p>Why the source identifies the socket: a socket bound to port 0 on the wildcard address gets a port no other
 * socket of its protocol on this host holds (no {@code SO_REUSEADDR} on upstream sockets), so a connection from a
 * local address with that source port can only be that socket's; a socket bound to a specific address (a marked
 * loopback address, below, or a UDP flow's loopback source) is known by address and port, which only it holds.
 * Binding before connecting means the entry exists
 * before the SYN leaves, so the accepting listener, on whatever thread, cannot look before it is written. TCP and
 * UDP ports are separate spaces and have separate tables.
 *
 * <p><b>Loops between processes</b> (two censorsim processes whose upstreams name each other) are invisible to the
 * tables above, since each process sees only its own sockets. For those a hop count travels in the source address,
 * like an IP TTL or HTTP's {@code Max-Forwards}: Linux routes all of 127.0.0.0/8 to the loopback interface, so an
 * upstream socket (TCP, or a UDP relay's flow socket) towards an IPv4 loopback target binds {@code 127.67.83.h}
 * ({@code 67.83} is "CS"), where {@code h} is one more than the hop count of the connection it relays (0 for a
 * connection from an unmarked address). A listener refuses a connection (a relay drops a datagram) whose source
 * carries {@value #MAX_HOPS} hops or more: one request through a cycle of processes then opens {@value #MAX_HOPS}
 * upstream connections and stops, instead of running the host out of descriptors. A chain of fewer than
 * {@value #MAX_HOPS} censorsim hops on one host is unaffected. Not marked, so bounded only by the flow cap
 * ({@code --max-flows}): IPv6 targets ({@code ::1} is the only IPv6 loopback address), targets named by a
 * non-loopback address of this host, and hosts where binding {@code 127.67.83.1} fails (macOS configures only
 * 127.0.0.1 on {@code lo0}); the first loopback upstream connection logs that last case once.
 */
public final class LoopGuard {

    /** The path of an accepted client channel, set by its listener's initialiser. */
    static final AttributeKey<Path> PATH = AttributeKey.valueOf("censorsim.loopPath");

    /**
     * Hop count at which a connection from a marked loopback address is refused. Eight leaves room for any sensible
     * chain of censorsim processes on one host and bounds a cycle to eight upstream connections per request.
     */
    public static final int MAX_HOPS = 8;

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(LoopGuard.class);
    /** Second and third bytes of a marked loopback source address, 127.67.83.h ("CS"). */
    private static final int MARK_1 = 67;
    private static final int MARK_2 = 83;
    /** Whether binding a marked address works here; probed once, at the first loopback upstream connection. */
    private static volatile Boolean marking;
    /** Whether {@link #announceMarking} has logged its line in this process. */
    private static final AtomicBoolean ANNOUNCED = new AtomicBoolean();

    /**
     * Keyed by source port for sockets bound to the wildcard (the port is then theirs on every address), by source
     * address and port for sockets bound to a marked address (the port alone may also be used on another address).
     */
    private static final ConcurrentHashMap<Object, Path> TCP = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<Object, Path> UDP = new ConcurrentHashMap<>();
    /**
     * How long the snapshot of this host's interface addresses is trusted. Enumerating them costs from about 75 µs
     * (four interfaces) to milliseconds on hosts with hundreds (container hosts' veth pairs), so it is not done on
     * an event loop once the first snapshot exists: see {@link #isLocal}.
     */
    static final long LOCAL_ADDRESSES_TTL_NANOS = 10_000_000_000L;
    private static volatile Set<InetAddress> localAddresses;
    private static volatile long localAddressesReadNanos;
    /** Set while a refresh of the snapshot is queued or running, so stale callers queue one refresh, not one each. */
    private static final AtomicBoolean REFRESHING = new AtomicBoolean();
    /** Refreshes run since the process started (for tests: the executor's task count is only approximate). */
    private static final AtomicLong REFRESHES = new AtomicLong();
    /** The thread that refreshes the snapshot: one at most, ended after a minute idle. */
    private static final ThreadPoolExecutor REFRESHER = new ThreadPoolExecutor(0, 1, 60, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), task -> {
                Thread thread = new Thread(task, "censorsim-local-addresses");
                thread.setDaemon(true);
                return thread;
            });

    private LoopGuard() {
    }

    /** The listeners a connection or datagram flow went through, oldest first. Immutable. */
    public static final class Path {

        /** A connection from outside this process. */
        public static final Path EMPTY = new Path(new Object[0], new String[0], 0);

        private final Object[] listeners;
        private final String[] names;
        private final int hops;

        private Path(Object[] listeners, String[] names, int hops) {
            this.listeners = listeners;
            this.names = names;
            this.hops = hops;
        }

        /**
         * How many censorsim upstream connections on this host, in any process, the connection came through before
         * it reached the listener that made this path: the hop count of its source address, 0 when unmarked.
         */
        public int hops() {
            return hops;
        }

        Path withHops(int count) {
            return count == hops ? this : new Path(listeners, names, count);
        }

        /** Whether {@code listener} (compared by identity) is already on this path. */
        public boolean contains(Object listener) {
            for (Object seen : listeners) {
                if (seen == listener) {
                    return true;
                }
            }
            return false;
        }

        /** This path followed by {@code listener}, named {@code name} in log lines. */
        public Path then(Object listener, String name) {
            Object[] l = Arrays.copyOf(listeners, listeners.length + 1);
            String[] n = Arrays.copyOf(names, names.length + 1);
            l[listeners.length] = listener;
            n[names.length] = name;
            return new Path(l, n, hops);
        }

        /** The listeners' names joined by arrows, e.g. {@code 127.0.0.1:1080 -> 127.0.0.1:8080}. */
        public String describe() {
            return String.join(" -> ", names);
        }

        /** Number of listeners on the path. */
        public int length() {
            return listeners.length;
        }
    }

    /**
     * The source address an upstream socket to {@code target}, relaying a connection that came along {@code path},
     * must bind before connecting, or {@code null} when the target is not on this host and the socket may be
     * connected directly (the kernel then shares source ports between destinations, which a bind would not). Towards
     * an IPv4 loopback target it is the marked address {@code 127.67.83.(hops + 1)} (see the class comment), so a
     * listener of another process on this host can count the hop; towards other local targets the wildcard.
     */
    public static InetSocketAddress sourceFor(InetSocketAddress target, Path path) {
        return sourceFor(target, path, true);
    }

    /**
     * {@link #sourceFor(InetSocketAddress, Path)}, or with {@code mark} {@code false} ({@code --no-loop-mark}) the
     * wildcard towards every local target, loopback included, as before hop counting: the kernel then picks the
     * source a plain client gets ({@code 127.0.0.1} towards {@code 127.0.0.1}). The port is still bound and
     * remembered, so loops within this process are still refused.
     */
    public static InetSocketAddress sourceFor(InetSocketAddress target, Path path, boolean mark) {
        if (target.isUnresolved() || !isLocal(target.getAddress())) {
            return null;
        }
        InetSocketAddress marked = mark ? markedSourceFor(target, path) : null;
        return marked != null ? marked : new InetSocketAddress(wildcardFor(target.getAddress()), 0);
    }

    /**
     * The marked source {@code 127.67.83.(hops + 1)}, port 0, for an upstream socket towards an IPv4 loopback
     * {@code target} relaying what came along {@code path}; {@code null} for any other target, or where marked
     * addresses cannot be bound.
     */
    public static InetSocketAddress markedSourceFor(InetSocketAddress target, Path path) {
        InetAddress address = target.getAddress();
        if (address instanceof Inet4Address && address.isLoopbackAddress() && markingWorks()) {
            return new InetSocketAddress(marked(Math.min(path.hops() + 1, 255)), 0);
        }
        return null;
    }

    /**
     * Logs once per process, at the start of a proxy or relay whose options keep marking on, that its upstream
     * connections towards IPv4 loopback come from {@code 127.67.83.x} and how to turn that off: a backend that admits
     * only {@code 127.0.0.1} (PostgreSQL's default {@code pg_hba.conf}, Redis protected mode, nginx
     * {@code allow 127.0.0.1}) refuses such connections without saying why, and this line is where its user finds
     * the cause. Nothing is logged when {@code upstream} is fixed and not IPv4 loopback (no marked connection will be
     * made), nor where marked addresses cannot be bound (the probe warns instead).
     *
     * @param upstream the fixed upstream of a port-forward or UDP relay, or {@code null} when targets vary (SOCKS,
     *                 HTTP, transparent)
     */
    public static void announceMarking(InetSocketAddress upstream) {
        if (upstream != null && (upstream.isUnresolved() || !(upstream.getAddress() instanceof Inet4Address)
                || !upstream.getAddress().isLoopbackAddress())) {
            return;
        }
        if (markingWorks() && ANNOUNCED.compareAndSet(false, true)) {
            // Debug, not info: a line before a front end's banner is noise for everyone whose backend takes any
            // loopback source; --help and the README say it for those whose backend does not.
            LOG.debug("upstream connections to 127.0.0.0/8 come from {}.x (a hop count that stops loops between "
                    + "censorsim processes); a backend admitting only 127.0.0.1 refuses them: start with "
                    + "--no-loop-mark (API: loopMark(false)) to connect from the target's own loopback address",
                    "127." + MARK_1 + "." + MARK_2);
        }
    }

    /** The hop count carried by {@code source}: {@code h} for 127.67.83.h, 0 for any other address. */
    public static int hopsOf(InetAddress source) {
        if (!(source instanceof Inet4Address)) {
            return 0;
        }
        byte[] b = source.getAddress();
        return b[0] == 127 && b[1] == MARK_1 && b[2] == MARK_2 ? b[3] & 0xff : 0;
    }

    /** Whether a connection that came along {@code path} must be refused as a loop between processes. */
    public static boolean tooManyHops(Path path) {
        return path.hops() >= MAX_HOPS;
    }

    private static InetAddress marked(int hops) {
        try {
            return InetAddress.getByAddress(new byte[] {127, MARK_1, MARK_2, (byte) hops});
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean markingWorks() {
        Boolean known = marking;
        if (known != null) {
            return known;
        }
        synchronized (LoopGuard.class) {
            if (marking == null) {
                // One bind system call, once per process; a plain socket, so it needs no event loop.
                try (java.net.Socket probe = new java.net.Socket()) {
                    probe.bind(new InetSocketAddress(marked(1), 0));
                    marking = true;
                } catch (IOException | RuntimeException e) {
                    marking = false;
                    LOG.warn("cannot bind {} ({}): upstream connections to loopback carry no hop count here, so a "
                            + "loop between two processes is bounded only by --max-flows",
                            marked(1).getHostAddress(), e.getMessage());
                }
            }
            return marking;
        }
    }

    /** Remembers a bound TCP upstream socket and its path until it closes. Call after the bind, before the connect. */
    static void outboundTcp(Channel channel, Path path) {
        remember(TCP, channel, path);
    }

    /** Remembers a bound UDP upstream socket and its path until it closes. Call after the bind, before any send. */
    public static void outboundUdp(Channel channel, Path path) {
        remember(UDP, channel, path);
    }

    /** The path of a TCP connection accepted from {@code remote}: {@link Path#EMPTY} unless this process opened it. */
    static Path arrivedTcp(InetSocketAddress remote) {
        Path path = lookUp(TCP, remote);
        return remote == null || remote.isUnresolved() ? path : path.withHops(hopsOf(remote.getAddress()));
    }

    /**
     * The path of a datagram flow from {@code sender}: {@link Path#EMPTY} unless one of this process's sockets sent
     * it, with the hop count of the sender's address.
     */
    public static Path arrivedUdp(InetSocketAddress sender) {
        Path path = lookUp(UDP, sender);
        return sender == null || sender.isUnresolved() ? path : path.withHops(hopsOf(sender.getAddress()));
    }

    /** The path an accepted client channel was given by its listener. */
    static Path pathOf(Channel client) {
        Path path = client.attr(PATH).get();
        return path == null ? Path.EMPTY : path;
    }

    private static void remember(ConcurrentHashMap<Object, Path> table, Channel channel, Path path) {
        // Asked of the socket, not Channel.localAddress(): that one caches its first answer, which here would be the
        // wildcard of the bind, and the SOCKS reply's BND.ADDR, read after the connect, would then say "::".
        InetSocketAddress local = (InetSocketAddress) channel.unsafe().localAddress();
        if (local == null || local.getPort() == 0) {
            return;
        }
        Object key = local.getAddress().isAnyLocalAddress() ? (Object) local.getPort() : local;
        table.put(key, path);
        channel.closeFuture().addListener(f -> table.remove(key, path));
    }

    private static Path lookUp(ConcurrentHashMap<Object, Path> table, InetSocketAddress remote) {
        if (remote == null || remote.isUnresolved() || table.isEmpty()) {
            return Path.EMPTY;
        }
        Path path = table.get(remote);
        if (path != null) {
            return path;
        }
        path = table.get(remote.getPort());
        // A remote host may use the same port number; only a local source can be one of this process's sockets.
        return path == null || !isLocal(remote.getAddress()) ? Path.EMPTY : path;
    }

    /**
     * Whether a connection to {@code target} lands on a listener bound to {@code listen}: same port, and the same
     * address, or a wildcard listener and a local target, or a wildcard target (which Linux connects to a local
     * address). A proxy forwarding to itself opens connections until descriptors run out (measured: ~10 k in 2 s from
     * one curl).
     */
    public static boolean reaches(InetSocketAddress target, InetSocketAddress listen) {
        if (target.isUnresolved() || listen.isUnresolved() || target.getPort() != listen.getPort()) {
            return false;
        }
        InetAddress t = target.getAddress();
        InetAddress l = listen.getAddress();
        if (t.equals(l) || t.isAnyLocalAddress()) {
            return true;
        }
        if (!l.isAnyLocalAddress()) {
            return false;
        }
        // An IPv4 wildcard listener does not take IPv6 connections; an IPv6 wildcard one takes both (dual stack).
        if (l instanceof java.net.Inet4Address && !(t instanceof java.net.Inet4Address)) {
            return false;
        }
        return isLocal(t);
    }

    /**
     * Loopback, wildcard, or an address of one of this host's interfaces. The first call in the process reads the
     * interfaces where it runs; after that a snapshot older than 10 s is refreshed on a thread of its own while the
     * caller, usually an event loop, answers from the snapshot it has, so an address added in the last 10 s is seen
     * a moment later than before.
     */
    static boolean isLocal(InetAddress address) {
        if (address.isLoopbackAddress() || address.isAnyLocalAddress()) {
            return true;
        }
        Set<InetAddress> snapshot = localAddresses;
        if (snapshot == null) {
            snapshot = firstSnapshot();
        } else if (System.nanoTime() - localAddressesReadNanos >= LOCAL_ADDRESSES_TTL_NANOS
                && REFRESHING.compareAndSet(false, true)) {
            if (System.nanoTime() - localAddressesReadNanos < LOCAL_ADDRESSES_TTL_NANOS) {
                // A refresh ended between the two reads: it wrote the time before it let go of the flag.
                REFRESHING.set(false);
            } else {
                try {
                    REFRESHER.execute(LoopGuard::refresh);
                } catch (RejectedExecutionException e) {
                    REFRESHING.set(false); // cannot happen with an unbounded queue; the next call tries again
                }
            }
        }
        return snapshot.contains(address);
    }

    private static synchronized Set<InetAddress> firstSnapshot() {
        Set<InetAddress> snapshot = localAddresses;
        if (snapshot == null) {
            snapshot = readLocalAddresses(Set.of());
            localAddressesReadNanos = System.nanoTime();
            localAddresses = snapshot;
        }
        return snapshot;
    }

    private static void refresh() {
        REFRESHES.incrementAndGet();
        try {
            localAddresses = readLocalAddresses(localAddresses);
            localAddressesReadNanos = System.nanoTime();
        } finally {
            REFRESHING.set(false);
        }
    }

    /** Makes the snapshot stale, for tests of the refresh. */
    static void expireLocalAddressesForTest() {
        localAddressesReadNanos = System.nanoTime() - LOCAL_ADDRESSES_TTL_NANOS;
    }

    /** Refreshes run so far; for tests of the refresh. */
    static long refreshesForTest() {
        return REFRESHES.get();
    }

    /** Whether a refresh is queued or running; for tests of the refresh. */
    static boolean refreshingForTest() {
        return REFRESHING.get();
    }

    /** When the snapshot was last read, in {@link System#nanoTime()}; for tests of the refresh. */
    static long localAddressesReadNanosForTest() {
        return localAddressesReadNanos;
    }

    /** The addresses of this host's interfaces now, or {@code previous} when they cannot be read. */
    private static Set<InetAddress> readLocalAddresses(Set<InetAddress> previous) {
        Set<InetAddress> found = new HashSet<>();
        try {
            Enumeration<NetworkInterface> interfaces = NetworkInterface.getNetworkInterfaces();
            while (interfaces != null && interfaces.hasMoreElements()) {
                Enumeration<InetAddress> addresses = interfaces.nextElement().getInetAddresses();
                while (addresses.hasMoreElements()) {
                    InetAddress a = addresses.nextElement();
                    // Scoped link-local IPv6 addresses compare with their scope; keep the bare address too.
                    found.add(a instanceof Inet6Address ? InetAddress.getByAddress(a.getAddress()) : a);
                    found.add(a);
                }
            }
        } catch (SocketException | java.net.UnknownHostException e) {
            return previous;
        }
        return Set.copyOf(found);
    }

    private static InetAddress wildcardFor(InetAddress target) {
        try {
            return InetAddress.getByAddress(new byte[target instanceof Inet6Address ? 16 : 4]);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
