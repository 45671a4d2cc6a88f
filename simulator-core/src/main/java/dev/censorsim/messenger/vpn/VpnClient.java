package dev.censorsim.messenger.vpn;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.InputStream;
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
 * carried in its own tunnel session to the {@link VpnEndpoint} at {@code tunnel} (normally the censor's proxy or UDP
 * relay in front of the endpoint). A real VPN client keeps one session for all the device's traffic; one per
 * connection shows the censor one handshake per connection, which is what a blocked client retrying looks like.
 *
 * <p>A UDP session sends its hello and waits {@code handshakeTimeout} for the answer, up to {@code handshakeAttempts}
 * times (WireGuard retries its initiation, §6.4), then gives up and resets the app's connection. A tunnel is "up" when
 * the endpoint first answered: the handshake reply (UDP), the endpoint's salt (Shadowsocks), the TLS handshake (tls).
 * Metrics: {@code vpn.connects}, {@code vpn.ok}, {@code vpn.ok_ratio}, {@code vpn.setup_time.p50/p99} (ms, connect
 * to up), {@code vpn.overhead} (tunnel bytes on the wire over the app's bytes, minus one), cut per phase.
 */
public final class VpnClient implements AutoCloseable {

    private final VpnKind kind;
    private final InetSocketAddress tunnel;
    private final VpnEndpoint endpoint;
    private final String sni;
    private final long handshakeTimeoutMillis;
    private final int handshakeAttempts;
    private final ServerSocket entry;
    private final AtomicLong connects = new AtomicLong();
    private final AtomicLong ok = new AtomicLong();
    private final AtomicLong appBytes = new AtomicLong();
    private final AtomicLong wireBytes = new AtomicLong();
    private final Histogram setup = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    private volatile boolean closed;

    private VpnClient(VpnKind kind, InetSocketAddress tunnel, VpnEndpoint endpoint, String sni,
                      long handshakeTimeoutMillis, int handshakeAttempts) throws IOException {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.tunnel = Objects.requireNonNull(tunnel, "tunnel");
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.sni = sni;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
        this.handshakeAttempts = handshakeAttempts;
        this.entry = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::accept, "vpn-client-accept");
        accept.setDaemon(true);
        accept.start();
    }

    /**
     * @param tunnel   where the tunnel's packets go (the censor in front of {@code endpoint})
     * @param endpoint the endpoint (its kind, keys and certificate)
     * @param sni      the server name a {@code tls} tunnel sends; ignored by other kinds
     */
    public static VpnClient start(InetSocketAddress tunnel, VpnEndpoint endpoint, String sni) throws IOException {
        return new VpnClient(endpoint.kind(), tunnel, endpoint, sni, 1_000, 3);
    }

    /** Where the app dials: each connection here goes through the tunnel to the endpoint's target. */
    public InetSocketAddress entry() {
        return (InetSocketAddress) entry.getLocalSocketAddress();
    }

    public VpnKind kind() {
        return kind;
    }

    private void accept() {
        while (!closed) {
            try {
                Socket app = entry.accept();
                app.setTcpNoDelay(true);
                Thread t = new Thread(() -> carry(app), "vpn-client-" + kind.wireName());
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void up(long startNanos) {
        ok.incrementAndGet();
        synchronized (setup) {
            setup.recordValue(Math.min(System.nanoTime() - startNanos, setup.getHighestTrackableValue()));
        }
    }

    private void carry(Socket app) {
        connects.incrementAndGet();
        long start = System.nanoTime();
        try {
            switch (kind) {
                case TLS -> carryTls(app, start);
                case SHADOWSOCKS -> carryShadowsocks(app, start);
                default -> carryUdp(app, start);
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            abort(app);
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

    private void carryTls(Socket app, long start) throws IOException {
        SSLContext context = endpoint.clientContext();
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
            socket.connect(tunnel, 2_000);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(java.util.List.of(new SNIHostName(sni)));
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.setSoTimeout(2_000);
            socket.startHandshake();
            socket.setSoTimeout(0);
            up(start);
            Thread upstream = new Thread(() -> VpnEndpoint.copy(counting(app, appBytes), socket), "vpn-client-up");
            upstream.setDaemon(true);
            upstream.start();
            VpnEndpoint.copy(socket.getInputStream(), app);
            // TLS adds a 5-byte record header and a 16-byte tag per record of up to 16 KiB.
            wireBytes.addAndGet(appBytes.get() / 16_384 * 21 + 21);
        } finally {
            VpnEndpoint.closeQuietly(app);
        }
    }

    private void carryShadowsocks(Socket app, long start) throws IOException, GeneralSecurityException {
        byte[] psk = endpoint.psk();
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(tunnel, 2_000);
            InputStream fromApp = counting(app, appBytes);
            byte[] first = new byte[16 * 1024];
            int n = fromApp.read(first);
            if (n <= 0) {
                return;
            }
            Thread down = new Thread(() -> {
                try {
                    Shadowsocks.decrypt(psk, socket.getInputStream(), app.getOutputStream(), () -> up(start));
                    app.shutdownOutput();
                } catch (IOException | GeneralSecurityException e) {
                    abort(app);
                    VpnEndpoint.closeQuietly(socket);
                }
            }, "vpn-client-ss-down");
            down.setDaemon(true);
            down.start();
            Shadowsocks.encrypt(psk, first, n, fromApp, socket.getOutputStream());
            socket.shutdownOutput();
            down.join();
            wireBytes.addAndGet(Shadowsocks.SALT_LENGTH + appBytes.get() / 0x3fff * 34 + 34);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            VpnEndpoint.closeQuietly(app);
        }
    }

    private void carryUdp(Socket app, long start) throws IOException, GeneralSecurityException {
        DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket.connect(tunnel);
        UdpTunnelFormat format = UdpTunnelFormat.of(kind);
        KeyPair ephemeral = TunnelCrypto.x25519();
        byte[] mine = TunnelCrypto.publicBytes(ephemeral);
        byte[] buffer = new byte[65_535];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        byte[] serverPublic = null;
        socket.setSoTimeout((int) handshakeTimeoutMillis);
        for (int attempt = 0; attempt < handshakeAttempts && serverPublic == null && !closed; attempt++) {
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
        up(start);
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
     * The figures since the previous cut, and a fresh start: {@code vpn.connects}, {@code vpn.ok},
     * {@code vpn.ok_ratio} (absent without connects), {@code vpn.setup_time.p50/p99} in ms (absent without a tunnel
     * up), {@code vpn.overhead} (absent without app bytes).
     */
    public Map<String, Double> cut() {
        Map<String, Double> m = new LinkedHashMap<>();
        long c = connects.getAndSet(0);
        long o = ok.getAndSet(0);
        long app = appBytes.getAndSet(0);
        long wire = wireBytes.getAndSet(0);
        m.put("vpn.connects", (double) c);
        m.put("vpn.ok", (double) o);
        if (c > 0) {
            m.put("vpn.ok_ratio", Math.min(1.0, o / (double) c));
        }
        synchronized (setup) {
            if (setup.getTotalCount() > 0) {
                m.put("vpn.setup_time.p50", setup.getValueAtPercentile(50) / 1e6);
                m.put("vpn.setup_time.p99", setup.getValueAtPercentile(99) / 1e6);
            }
            setup.reset();
        }
        if (app > 0) {
            m.put("vpn.overhead", wire / (double) app);
        }
        return m;
    }

    @Override
    public void close() {
        closed = true;
        try {
            entry.close();
        } catch (IOException ignored) {
            // Closing is all that was asked.
        }
    }
}
