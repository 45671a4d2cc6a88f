package dev.censorsim.messenger.vpn;

import org.HdrHistogram.Histogram;

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
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The app's side of a VPN: a loopback entry the messenger dials instead of its server; each connection made to it is
 * carried in its own tunnel session along the current {@link VpnRoute} to a {@link VpnEndpoint} (through the censor's
 * proxy or UDP relay in front of the endpoint), or, on a direct route, passed on as it is. {@link #use} switches the
 * route, as a user turning a VPN on, off or to another protocol does: the connections on the old route are reset, so
 * the app reconnects on the new one. A real VPN client keeps one session for all the device's traffic; one per
 * connection shows the censor one handshake per connection, which is what a blocked client retrying looks like.
 *
 * <p>A UDP session sends its hello and waits {@code handshakeTimeout} for the answer, up to {@code handshakeAttempts}
 * times (WireGuard retries its initiation, §6.4), then gives up and resets the app's connection. A tunnel is "up" when
 * the endpoint first answered: the handshake reply (UDP), the endpoint's salt (Shadowsocks), the TLS handshake (tls).
 * Metrics, cut per phase: {@code vpn.connects}, {@code vpn.ok}, {@code vpn.failed}, {@code vpn.ok_ratio},
 * {@code vpn.setup_time.p50/p99} (ms, connect to up), {@code vpn.overhead} (tunnel bytes on the wire per app byte).
 */
public final class VpnClient implements AutoCloseable {

    private volatile VpnRoute route;
    private final java.util.Set<Socket> live = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final long handshakeTimeoutMillis;
    private final int handshakeAttempts;
    private final ServerSocket entry;
    private final AtomicLong connects = new AtomicLong();
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong appBytes = new AtomicLong();
    private final AtomicLong wireBytes = new AtomicLong();
    private final Histogram setup = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    private volatile boolean closed;

    private VpnClient(VpnRoute route, long handshakeTimeoutMillis, int handshakeAttempts) throws IOException {
        this.route = Objects.requireNonNull(route, "route");
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
        this.handshakeAttempts = handshakeAttempts;
        this.entry = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::accept, "vpn-client-accept");
        accept.setDaemon(true);
        accept.start();
    }

    /**
     * A client on {@code route}: a UDP tunnel's hello waits 1 s for its answer and is sent 3 times before the tunnel
     * is given up.
     */
    public static VpnClient start(VpnRoute route) throws IOException {
        return new VpnClient(route, 1_000, 3);
    }

    /** Moves new connections to {@code next}; connections on another route are reset. */
    public void use(VpnRoute next) {
        VpnRoute previous = route;
        route = Objects.requireNonNull(next, "next");
        if (!next.equals(previous)) {
            for (Socket app : live) {
                abort(app);
            }
        }
    }

    /** Where the app dials: each connection here goes through the tunnel to the endpoint's target. */
    public InetSocketAddress entry() {
        return (InetSocketAddress) entry.getLocalSocketAddress();
    }

    /** The current route. */
    public VpnRoute route() {
        return route;
    }

    private void accept() {
        while (!closed) {
            try {
                Socket app = entry.accept();
                app.setTcpNoDelay(true);
                Thread t = new Thread(() -> carry(app), "vpn-client");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    /** One tunnel session: up once the endpoint answered, failed if it ended before that. */
    private final class Attempt {
        final long startNanos = System.nanoTime();
        private boolean up;

        synchronized void up() {
            if (up) {
                return;
            }
            up = true;
            ok.incrementAndGet();
            synchronized (setup) {
                setup.recordValue(Math.min(System.nanoTime() - startNanos, setup.getHighestTrackableValue()));
            }
        }

        synchronized void end() {
            if (!up) {
                up = true;
                failed.incrementAndGet();
            }
        }
    }

    private void carry(Socket app) {
        VpnRoute r = route;
        live.add(app);
        Attempt attempt = null;
        try {
            if (r.kind() == null) {
                carryDirect(app, r);
                return;
            }
            connects.incrementAndGet();
            attempt = new Attempt();
            switch (r.kind()) {
                case TLS -> carryTls(app, r, attempt);
                case SHADOWSOCKS -> carryShadowsocks(app, r, attempt);
                default -> carryUdp(app, r, attempt);
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            abort(app);
        } finally {
            live.remove(app);
            if (attempt != null) {
                attempt.end();
            }
        }
    }

    /** VPN off: the app's bytes to the route's address as they are. */
    private static void carryDirect(Socket app, VpnRoute r) throws IOException {
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(r.tunnel(), 2_000);
            Thread upstream = new Thread(() -> VpnEndpoint.copy(appIn(app), socket), "vpn-client-direct-up");
            upstream.setDaemon(true);
            upstream.start();
            VpnEndpoint.copy(socket.getInputStream(), app);
        } finally {
            VpnEndpoint.closeQuietly(app);
        }
    }

    private static InputStream appIn(Socket app) {
        try {
            return app.getInputStream();
        } catch (IOException e) {
            return InputStream.nullInputStream();
        }
    }

    private static void abort(Socket app) {
        try {
            app.setSoLinger(true, 0);
            app.close();
        } catch (IOException ignored) {
            // Gone already.
        }
    }

    private void carryTls(Socket app, VpnRoute r, Attempt attempt) throws IOException {
        SSLContext context = r.trust();
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
            socket.setTcpNoDelay(true);
            socket.connect(r.tunnel(), 2_000);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(java.util.List.of(new SNIHostName(r.sni())));
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.setSoTimeout(2_000);
            socket.startHandshake();
            socket.setSoTimeout(0);
            attempt.up();
            // TLS 1.3 adds a 5-byte record header, a content-type byte and a 16-byte tag per record (at most 16 KiB):
            // each read or write here is at most one record, so 22 bytes each is the estimate.
            Thread upstream = new Thread(() -> VpnEndpoint.copy(framed(counting(app, appBytes), 22), socket),
                    "vpn-client-up");
            upstream.setDaemon(true);
            upstream.start();
            VpnEndpoint.copy(framed(counting(socket, appBytes), 22), app);
        } finally {
            VpnEndpoint.closeQuietly(app);
        }
    }

    private void carryShadowsocks(Socket app, VpnRoute r, Attempt attempt) throws IOException, GeneralSecurityException {
        byte[] psk = r.psk();
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(r.tunnel(), 2_000);
            InputStream fromApp = counting(app, appBytes);
            byte[] first = new byte[0x3fff];
            int n = fromApp.read(first);
            if (n <= 0) {
                return;
            }
            wireBytes.addAndGet(Shadowsocks.SALT_LENGTH + 34 + n);
            Thread down = new Thread(() -> {
                try {
                    Shadowsocks.decrypt(psk, framed(socket.getInputStream(), 0), counting(app.getOutputStream()),
                            attempt::up);
                    app.shutdownOutput();
                } catch (IOException | GeneralSecurityException e) {
                    abort(app);
                    VpnEndpoint.closeQuietly(socket);
                }
            }, "vpn-client-ss-down");
            down.setDaemon(true);
            down.start();
            Shadowsocks.encrypt(psk, first, n, framed(fromApp, 34), socket.getOutputStream());
            socket.shutdownOutput();
            down.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            VpnEndpoint.closeQuietly(app);
        }
    }

    private void carryUdp(Socket app, VpnRoute r, Attempt attempt) throws IOException, GeneralSecurityException {
        VpnKind kind = r.kind();
        DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket.setReceiveBufferSize(1 << 20);
        socket.connect(r.tunnel());
        UdpTunnelFormat format = UdpTunnelFormat.of(kind);
        KeyPair ephemeral = TunnelCrypto.x25519();
        byte[] mine = TunnelCrypto.publicBytes(ephemeral);
        byte[] buffer = new byte[65_535];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        byte[] serverPublic = null;
        socket.setSoTimeout((int) handshakeTimeoutMillis);
        for (int tries = 0; tries < handshakeAttempts && serverPublic == null && !closed && !app.isClosed();
             tries++) {
            byte[] hello = format.hello(mine);
            socket.send(new DatagramPacket(hello, hello.length));
            wireBytes.addAndGet(hello.length + 28);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(handshakeTimeoutMillis);
            while (serverPublic == null && System.nanoTime() < deadline) {
                try {
                    packet.setLength(buffer.length);
                    socket.receive(packet);
                    serverPublic = format.replyPublic(buffer, packet.getLength());
                } catch (SocketTimeoutException e) {
                    break;
                }
            }
        }
        if (serverPublic == null) {
            socket.close();
            abort(app);
            return;
        }
        attempt.up();
        byte[] shared = TunnelCrypto.dh(ephemeral, serverPublic);
        byte[] sendKey = TunnelCrypto.hkdf(mine, shared, "c2s", 32);
        byte[] receiveKey = TunnelCrypto.hkdf(mine, shared, "s2c", 32);
        long[] counter = {0};
        ReliableChannel channel = new ReliableChannel((frame, length) -> {
            byte[] sealed;
            synchronized (counter) {
                try {
                    sealed = format.seal(sendKey, counter[0]++, frame, length);
                } catch (GeneralSecurityException e) {
                    throw new IOException(e);
                }
            }
            socket.send(new DatagramPacket(sealed, sealed.length));
            wireBytes.addAndGet(sealed.length + 28);
            appBytes.addAndGet(Math.max(0, length - 7));
        }, app, "vpn-client-" + kind.wireName(), socket::close);
        socket.setSoTimeout(0);
        try {
            while (!channel.isClosed()) {
                packet.setLength(buffer.length);
                socket.receive(packet);
                wireBytes.addAndGet(packet.getLength() + 28);
                byte[] frame = format.open(receiveKey, buffer, packet.getLength());
                if (frame != null) {
                    appBytes.addAndGet(Math.max(0, frame.length - 7));
                    channel.onFrame(frame);
                }
            }
        } catch (IOException e) {
            channel.close();
        }
    }

    /**
     * Counts {@code in}'s bytes on the wire: each read is one record or chunk of the tunnel, so it adds
     * {@code perRead} bytes of framing to what it returns.
     */
    private InputStream framed(InputStream in, int perRead) {
        return new java.io.FilterInputStream(in) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) {
                    wireBytes.addAndGet(n + perRead);
                }
                return n;
            }
        };
    }

    private OutputStream counting(OutputStream out) {
        return new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
                appBytes.addAndGet(len);
            }
        };
    }

    private static InputStream counting(Socket app, AtomicLong counter) {
        try {
            InputStream in = app.getInputStream();
            return new java.io.FilterInputStream(in) {
                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    if (n > 0) {
                        counter.addAndGet(n);
                    }
                    return n;
                }
            };
        } catch (IOException e) {
            return InputStream.nullInputStream();
        }
    }

    /**
     * The figures since the previous cut, and a fresh start: {@code vpn.connects} (sessions started),
     * {@code vpn.ok} and {@code vpn.failed} (sessions that came up, or ended before they did),
     * {@code vpn.ok_ratio} = ok / (ok + failed) (absent when no session was decided), {@code vpn.setup_time.p50/p99} in ms (absent without a tunnel
     * up), {@code vpn.overhead} (absent without app bytes).
     */
    public Map<String, Double> cut() {
        Map<String, Double> m = new LinkedHashMap<>();
        long c = connects.getAndSet(0);
        long o = ok.getAndSet(0);
        long f = failed.getAndSet(0);
        long app = appBytes.getAndSet(0);
        long wire = wireBytes.getAndSet(0);
        m.put("vpn.connects", (double) c);
        m.put("vpn.ok", (double) o);
        m.put("vpn.failed", (double) f);
        if (o + f > 0) {
            m.put("vpn.ok_ratio", o / (double) (o + f));
        }
        synchronized (setup) {
            if (setup.getTotalCount() > 0) {
                m.put("vpn.setup_time.p50", setup.getValueAtPercentile(50) / 1e6);
                m.put("vpn.setup_time.p99", setup.getValueAtPercentile(99) / 1e6);
            }
            setup.reset();
        }
        if (app > 0 && wire > 0) {
            m.put("vpn.overhead", wire / (double) app);
        }
        return m;
    }

    @Override
    public void close() {
        closed = true;
        for (Socket app : live) {
            abort(app);
        }
        try {
            entry.close();
        } catch (IOException ignored) {
            // Closing is all that was asked.
        }
    }
}
