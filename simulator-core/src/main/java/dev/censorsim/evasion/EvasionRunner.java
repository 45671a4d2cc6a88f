package dev.censorsim.evasion;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.units.Durations;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.proxy.CensorProxy;
import dev.censorsim.proxy.ProxyOptions;
import dev.censorsim.proxy.udp.UdpRelay;
import dev.censorsim.proxy.udp.UdpRelayOptions;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Runs evasions against a policy over real loopback sockets: a client sends each evasion's first packets through a
 * fresh in-process censor proxy (fresh, so residual and 4-tuple state from one evasion cannot decide the next) to an
 * in-process server that answers the first bytes with {@link #RESPONSE_BYTES}. The same exchange through a proxy
 * with no policy is the control that "throttled" is measured against.
 *
 * <p>The server does not speak TLS: every evasion here is decided on the client's first packets, and crafted bytes
 * (a CCS first, two records, a decoy hello) would fail a real handshake without telling us anything about the censor.
 */
public final class EvasionRunner {

    /** Large enough that a throttle shows (256 KiB at 1 Mbit/s is 2 s), small enough for loopback to be instant. */
    public static final int RESPONSE_BYTES = 256 * 1024;
    /** Between an evasion's packets, so each leaves as its own TCP segment and the proxy reads it on its own. */
    private static final long PACKET_GAP_MILLIS = 150;
    /** Fewer bytes than this in the whole budget is a black hole, not a throttle. */
    private static final int BLACK_HOLE_BYTES = 1024;
    /** No byte for this long at the end of the budget: the response stalled (a freeze). */
    private static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final int READ_POLL_MILLIS = 100;

    private final CompiledPolicy policy;
    private final String name;
    private final Duration budget;

    /**
     * @param policy the censor's policy
     * @param name   the server name the client wants (the SNI of the control)
     * @param budget how long each evasion's response may take before it is judged on what arrived
     */
    public EvasionRunner(CompiledPolicy policy, String name, Duration budget) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.name = Objects.requireNonNull(name, "name");
        this.budget = Objects.requireNonNull(budget, "budget");
        if (budget.toMillis() < 1_000) {
            throw new IllegalArgumentException("the budget must be at least 1 s, got " + budget);
        }
    }

    /** Runs each evasion in order and returns one result each. */
    public List<EvasionResult> run(List<Evasion> evasions) throws IOException {
        List<EvasionResult> results = new ArrayList<>(evasions.size());
        List<Evasion> tcp = evasions.stream().filter(e -> !e.isUdp() && !e.isDns()).toList();
        if (!tcp.isEmpty()) {
            results.addAll(runTcp(tcp));
        }
        if (evasions.contains(Evasion.QUIC)) {
            results.add(runQuic());
        }
        for (Evasion dns : evasions.stream().filter(Evasion::isDns).toList()) {
            results.add(DnsEvasion.run(dns, policy, name, budget));
        }
        // Back in the order asked for.
        results.sort(java.util.Comparator.comparingInt(r -> evasions.indexOf(r.evasion())));
        return results;
    }

    private List<EvasionResult> runTcp(List<Evasion> evasions) throws IOException {
        try (ResponseServer server = ResponseServer.start()) {
            // The first exchange of a JVM pays for class loading (measured: ~1 s); the faster of two is the control.
            Measurement control = measure(CompiledPolicy.empty(), server.address(), Evasion.NONE);
            Measurement again = measure(CompiledPolicy.empty(), server.address(), Evasion.NONE);
            if (again.complete() && (!control.complete() || again.elapsedNanos() < control.elapsedNanos())) {
                control = again;
            }
            if (!control.complete()) {
                throw new IOException("the uncensored control did not complete: " + control.describe());
            }
            List<EvasionResult> results = new ArrayList<>(evasions.size());
            for (Evasion evasion : evasions) {
                Measurement m = measure(policy, server.address(), evasion);
                results.add(judge(evasion, m, control));
            }
            return results;
        }
    }

    private Measurement measure(CompiledPolicy censor, InetSocketAddress server, Evasion evasion) throws IOException {
        List<byte[]> packets = evasion.packets(name, new SplittableRandom(evasion.ordinal() + 1L));
        try (CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(server)
                .policy(new PolicyHolder(censor)).build());
             Socket client = new Socket()) {
            client.setTcpNoDelay(true);
            client.connect(proxy.localAddress(), 2_000);
            OutputStream out = client.getOutputStream();
            try {
                for (int i = 0; i < packets.size(); i++) {
                    if (i > 0) {
                        sleep(PACKET_GAP_MILLIS);
                    }
                    out.write(packets.get(i));
                    out.flush();
                }
            } catch (IOException e) {
                return new Measurement(0, 0, false, "reset while sending: " + e.getMessage(), 0);
            }
            return read(client);
        }
    }

    private Measurement read(Socket client) throws IOException {
        client.setSoTimeout(READ_POLL_MILLIS);
        InputStream in = client.getInputStream();
        byte[] buffer = new byte[16 * 1024];
        long start = System.nanoTime();
        long deadline = start + budget.toNanos();
        long lastProgress = start;
        long bytes = 0;
        while (bytes < RESPONSE_BYTES && System.nanoTime() < deadline) {
            int n;
            try {
                n = in.read(buffer);
            } catch (SocketTimeoutException quiet) {
                continue;
            } catch (IOException e) {
                return new Measurement(bytes, System.nanoTime() - start, false,
                        e.getMessage() != null && e.getMessage().contains("reset") ? "reset" : e.getMessage(),
                        System.nanoTime() - lastProgress);
            }
            if (n < 0) {
                return new Measurement(bytes, System.nanoTime() - start, false, "closed",
                        System.nanoTime() - lastProgress);
            }
            bytes += n;
            lastProgress = System.nanoTime();
        }
        long now = System.nanoTime();
        return new Measurement(bytes, now - start, bytes >= RESPONSE_BYTES, null, now - lastProgress);
    }

    static EvasionResult judge(Evasion evasion, Measurement m, Measurement control) {
        if (m.failure() != null) {
            return new EvasionResult(evasion, EvasionOutcome.BLOCKED, m.failure() + " after " + m.bytes()
                    + " bytes, " + Durations.format(m.elapsedNanos()));
        }
        if (m.complete()) {
            // Four times the control's time, and at least 300 ms more, before a loaded machine's jitter counts.
            long slowAfter = Math.max(control.elapsedNanos() * 4, control.elapsedNanos()
                    + TimeUnit.MILLISECONDS.toNanos(300));
            String seen = m.bytes() + " bytes in " + Durations.format(m.elapsedNanos()) + " (" + rate(m)
                    + "; control " + Durations.format(control.elapsedNanos()) + ")";
            return m.elapsedNanos() > slowAfter
                    ? new EvasionResult(evasion, EvasionOutcome.THROTTLED, seen)
                    : new EvasionResult(evasion, EvasionOutcome.PASSED, seen);
        }
        if (m.bytes() < BLACK_HOLE_BYTES) {
            return new EvasionResult(evasion, EvasionOutcome.BLOCKED, "black hole: " + m.bytes() + " bytes in "
                    + Durations.format(m.elapsedNanos()));
        }
        if (m.quietNanos() >= STALL_NANOS) {
            return new EvasionResult(evasion, EvasionOutcome.BLOCKED, "stalled after " + m.bytes() + " bytes");
        }
        return new EvasionResult(evasion, EvasionOutcome.THROTTLED, m.bytes() + " of " + RESPONSE_BYTES
                + " bytes in " + Durations.format(m.elapsedNanos()) + " (" + rate(m) + ")");
    }

    /**
     * QUIC through the UDP relay: the client sends the Initials, the server answers the first datagram with
     * {@link #QUIC_RESPONSE_DATAGRAMS} datagrams. All of them about as fast as the control: passed; none: blocked;
     * some, or slowly: throttled (a UDP throttle polices, so datagrams above the rate are lost).
     */
    private EvasionResult runQuic() throws IOException {
        try (UdpResponder server = UdpResponder.start()) {
            UdpMeasurement control = measureUdp(CompiledPolicy.empty(), server.address());
            UdpMeasurement again = measureUdp(CompiledPolicy.empty(), server.address());
            if (again.datagrams() > control.datagrams()
                    || (again.datagrams() == control.datagrams() && again.elapsedNanos() < control.elapsedNanos())) {
                control = again;
            }
            if (control.datagrams() < QUIC_RESPONSE_DATAGRAMS) {
                throw new IOException("the uncensored QUIC control got " + control.datagrams() + " of "
                        + QUIC_RESPONSE_DATAGRAMS + " datagrams");
            }
            UdpMeasurement m = measureUdp(policy, server.address());
            String seen = m.datagrams() + " of " + QUIC_RESPONSE_DATAGRAMS + " response datagrams in "
                    + Durations.format(m.elapsedNanos()) + " (server port " + server.address().getPort()
                    + "; control " + Durations.format(control.elapsedNanos()) + ")";
            if (m.datagrams() == 0) {
                return new EvasionResult(Evasion.QUIC, EvasionOutcome.BLOCKED, seen);
            }
            long slowAfter = Math.max(control.elapsedNanos() * 4, control.elapsedNanos()
                    + TimeUnit.MILLISECONDS.toNanos(300));
            boolean passed = m.datagrams() == QUIC_RESPONSE_DATAGRAMS && m.elapsedNanos() <= slowAfter;
            return new EvasionResult(Evasion.QUIC, passed ? EvasionOutcome.PASSED : EvasionOutcome.THROTTLED, seen);
        }
    }

    /** Datagrams the UDP server sends back per client datagram it first hears from. */
    static final int QUIC_RESPONSE_DATAGRAMS = 64;

    private UdpMeasurement measureUdp(CompiledPolicy censor, InetSocketAddress server) throws IOException {
        List<byte[]> initials = Evasion.QUIC.packets(name, new SplittableRandom(Evasion.QUIC.ordinal() + 1L));
        try (UdpRelay relay = UdpRelay.start(UdpRelayOptions.forward(server)
                .policy(new PolicyHolder(censor)).build());
             DatagramSocket client = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            for (byte[] initial : initials) {
                client.send(new DatagramPacket(initial, initial.length, relay.localAddress()));
            }
            client.setSoTimeout(READ_POLL_MILLIS);
            byte[] buffer = new byte[2048];
            long start = System.nanoTime();
            long deadline = start + budget.toNanos();
            long last = start;
            int received = 0;
            while (received < QUIC_RESPONSE_DATAGRAMS && System.nanoTime() < deadline) {
                try {
                    client.receive(new DatagramPacket(buffer, buffer.length));
                } catch (SocketTimeoutException quiet) {
                    continue;
                }
                received++;
                last = System.nanoTime();
            }
            return new UdpMeasurement(received, (received == 0 ? System.nanoTime() : last) - start);
        }
    }

    record UdpMeasurement(int datagrams, long elapsedNanos) {
    }

    /**
     * Answers the first datagram from each client address with {@link #QUIC_RESPONSE_DATAGRAMS} datagrams of 1200
     * bytes. Binds UDP 443 on loopback when it can, so rules on the QUIC port apply; an ephemeral port otherwise (the
     * detail names the port).
     */
    private static final class UdpResponder implements AutoCloseable {
        private final DatagramSocket socket;

        private UdpResponder(DatagramSocket socket) {
            this.socket = socket;
            Thread t = new Thread(this::serve, "evasion-udp-server");
            t.setDaemon(true);
            t.start();
        }

        static UdpResponder start() throws IOException {
            DatagramSocket socket;
            try {
                socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 443));
            } catch (IOException portTaken) {
                socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            }
            return new UdpResponder(socket);
        }

        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        private void serve() {
            java.util.Set<java.net.SocketAddress> answered = new java.util.HashSet<>();
            byte[] buffer = new byte[2048];
            byte[] response = new byte[Evasion.QUIC_DATAGRAM_BYTES];
            while (!socket.isClosed()) {
                DatagramPacket p = new DatagramPacket(buffer, buffer.length);
                try {
                    socket.receive(p);
                    if (answered.add(p.getSocketAddress())) {
                        for (int i = 0; i < QUIC_RESPONSE_DATAGRAMS; i++) {
                            socket.send(new DatagramPacket(response, response.length, p.getSocketAddress()));
                        }
                    }
                } catch (IOException closed) {
                    return;
                }
            }
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    private static String rate(Measurement m) {
        double seconds = Math.max(1e-9, m.elapsedNanos() / 1e9);
        return String.format(Locale.ROOT, "%.0f kbit/s", m.bytes() * 8 / 1000.0 / seconds);
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /**
     * What one exchange showed.
     *
     * @param failure    "reset", "closed" or another I/O error; null when the read ran to completion or the budget
     * @param quietNanos how long no byte had arrived when the read stopped
     */
    record Measurement(long bytes, long elapsedNanos, boolean complete, String failure, long quietNanos) {
        String describe() {
            return bytes + " bytes in " + Durations.format(elapsedNanos) + (failure == null ? "" : ", " + failure);
        }
    }

    /** Answers each connection's first bytes with {@link #RESPONSE_BYTES}, then reads until the client leaves. */
    private static final class ResponseServer implements AutoCloseable {
        private final ServerSocket listener;
        private final List<Socket> sockets = new java.util.concurrent.CopyOnWriteArrayList<>();

        private ResponseServer(ServerSocket listener) {
            this.listener = listener;
            Thread acceptor = new Thread(this::accept, "evasion-server");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        static ResponseServer start() throws IOException {
            ServerSocket listener = new ServerSocket();
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return new ResponseServer(listener);
        }

        InetSocketAddress address() {
            return (InetSocketAddress) listener.getLocalSocketAddress();
        }

        private void accept() {
            while (!listener.isClosed()) {
                Socket socket;
                try {
                    socket = listener.accept();
                } catch (IOException closed) {
                    return;
                }
                sockets.add(socket);
                Thread worker = new Thread(() -> serve(socket), "evasion-conn-" + socket.getPort());
                worker.setDaemon(true);
                worker.start();
            }
        }

        private static void serve(Socket socket) {
            try (socket) {
                InputStream in = socket.getInputStream();
                byte[] buffer = new byte[16 * 1024];
                if (in.read(buffer) < 0) {
                    return;
                }
                socket.getOutputStream().write(new byte[RESPONSE_BYTES]);
                while (in.read(buffer) >= 0) {
                    // until the client leaves
                }
            } catch (IOException censored) {
                // a reset from the censor ends this connection; the client side records it
            }
        }

        @Override
        public void close() throws IOException {
            listener.close();
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}
