package dev.censorsim.evasion;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.Durations;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.proxy.CensorProxy;
import dev.censorsim.proxy.ProxyOptions;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
