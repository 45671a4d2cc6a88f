package dev.censorsim.messenger.vpn;

import dev.censorsim.metrics.PhaseTags;
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
    private final AtomicLong lost = new AtomicLong();
    /** Sessions' tags and the gap at a policy swap; cut under {@link #setup}'s lock, as outcomes are counted. */
    private final PhaseTags tags = new PhaseTags();
    /** The UDP tunnels' stream channels now open, for {@code vpn.stalled} at the cut. */
    private final java.util.Set<ReliableChannel> channels = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Histogram setup = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
    /** Where the app's calls send their datagrams, or {@code null} when this client carries none. */
    private final DatagramSocket datagramEntry;
    /** Where datagrams go with the VPN off: the censor's UDP relay in front of the server's media port. */
    private final InetSocketAddress datagramsDirect;
    /** One session per app source address (a call's socket): its own tunnel, as one flow of a real VPN would be. */
    private final Map<java.net.SocketAddress, DatagramSession> datagramSessions =
            new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean closed;

    private VpnClient(VpnRoute route, InetSocketAddress datagramsDirect, long handshakeTimeoutMillis,
                      int handshakeAttempts) throws IOException {
        this.route = Objects.requireNonNull(route, "route");
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
        this.handshakeAttempts = handshakeAttempts;
        this.entry = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.datagramsDirect = datagramsDirect;
        if (datagramsDirect != null) {
            datagramEntry = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread receive = new Thread(this::receiveDatagrams, "vpn-client-datagrams");
            receive.setDaemon(true);
            receive.start();
        } else {
            datagramEntry = null;
        }
        Thread accept = new Thread(this::accept, "vpn-client-accept");
        accept.setDaemon(true);
        accept.start();
    }

    /**
     * A client on {@code route}: a UDP tunnel's hello waits 1 s for its answer and is sent 3 times before the tunnel
     * is given up.
     */
    public static VpnClient start(VpnRoute route) throws IOException {
        return new VpnClient(route, null, 1_000, 3);
    }

    /**
     * A client that also carries the app's datagrams (its calls): they arrive at {@link #datagramEntry()} and go into
     * a tunnel session of their own per app socket, or, on a direct route, to {@code datagramsDirect} as they are.
     */
    public static VpnClient start(VpnRoute route, InetSocketAddress datagramsDirect) throws IOException {
        return new VpnClient(route, Objects.requireNonNull(datagramsDirect, "datagramsDirect"), 1_000, 3);
    }

    /** Where the app sends its calls' datagrams; {@code null} when this client carries none. */
    public InetSocketAddress datagramEntry() {
        return datagramEntry == null ? null : (InetSocketAddress) datagramEntry.getLocalSocketAddress();
    }

    /** Moves new connections to {@code next}; connections on another route are reset. */
    public void use(VpnRoute next) {
        VpnRoute previous = route;
        route = Objects.requireNonNull(next, "next");
        if (!next.equals(previous)) {
            for (Socket app : live) {
                abort(app);
            }
            // A call's next datagram opens a session on the new route.
            datagramSessions.values().forEach(DatagramSession::close);
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

    /**
     * One tunnel session: up once the endpoint answered, failed if it ended before that. Its outcome counts only in
     * the interval it began in, and not at all when it was decided between a policy swap and the cut after it (as
     * for the messenger's connection attempts: it ran under both policies, or under the next one while the previous
     * phase's figures were still open).
     */
    private final class Attempt {
        final long startNanos = System.nanoTime();
        final long tag = tags.current();
        private boolean up;

        synchronized void up() {
            if (up) {
                return;
            }
            up = true;
            synchronized (setup) {
                if (tags.counts(tag)) {
                    ok.incrementAndGet();
                    setup.recordValue(Math.min(System.nanoTime() - startNanos, setup.getHighestTrackableValue()));
                }
            }
        }

        synchronized void end() {
            if (!up) {
                up = true;
                synchronized (setup) {
                    if (tags.counts(tag)) {
                        failed.incrementAndGet();
                    }
                }
            }
        }
    }

    /**
     * Announces a policy swap before it happens: sessions started from now on belong to the interval after the next
     * {@link #cut}, and sessions decided before that cut count in neither interval.
     */
    public void policyChanging() {
        tags.policyChanging();
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
            socket.getOutputStream().write(TunnelDatagrams.MARK_STREAM);
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
            first[0] = TunnelDatagrams.MARK_STREAM;
            int n = fromApp.read(first, 1, first.length - 1);
            if (n <= 0) {
                return;
            }
            n++;
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

    /** The two directions' keys of a UDP tunnel session once its handshake was answered. */
    private record UdpKeys(byte[] send, byte[] receive) {
    }

    /**
     * Sends the kind's hello on {@code socket} and waits for the answer, up to {@code handshakeAttempts} times
     * (WireGuard retries its initiation, §6.4); {@code null} when nothing answered or {@code abandoned} turned true.
     */
    private UdpKeys udpHandshake(DatagramSocket socket, UdpTunnelFormat format,
                                 java.util.function.BooleanSupplier abandoned)
            throws IOException, GeneralSecurityException {
        KeyPair ephemeral = TunnelCrypto.x25519();
        byte[] mine = TunnelCrypto.publicBytes(ephemeral);
        byte[] buffer = new byte[65_535];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        byte[] serverPublic = null;
        socket.setSoTimeout((int) handshakeTimeoutMillis);
        for (int tries = 0; tries < handshakeAttempts && serverPublic == null && !closed && !abandoned.getAsBoolean();
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
            return null;
        }
        byte[] shared = TunnelCrypto.dh(ephemeral, serverPublic);
        return new UdpKeys(TunnelCrypto.hkdf(mine, shared, "c2s", 32), TunnelCrypto.hkdf(mine, shared, "s2c", 32));
    }

    private void carryUdp(Socket app, VpnRoute r, Attempt attempt) throws IOException, GeneralSecurityException {
        VpnKind kind = r.kind();
        DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket.setReceiveBufferSize(1 << 20);
        socket.connect(r.tunnel());
        UdpTunnelFormat format = UdpTunnelFormat.of(kind);
        UdpKeys keys = udpHandshake(socket, format, app::isClosed);
        if (keys == null) {
            socket.close();
            abort(app);
            return;
        }
        attempt.up();
        byte[] sendKey = keys.send();
        byte[] receiveKey = keys.receive();
        byte[] buffer = new byte[65_535];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        long[] counter = {0};
        ReliableChannel.Link link = (frame, length) -> {
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
        };
        // "Open": the endpoint dials the server for a stream session now (a server may speak first).
        byte[] open = TunnelDatagrams.frame(TunnelDatagrams.FRAME_OPEN, buffer, 0, 0);
        link.send(open, open.length);
        ReliableChannel channel = new ReliableChannel(link, app, "vpn-client-" + kind.wireName(), socket::close);
        channels.add(channel);
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
        } finally {
            channels.remove(channel);
            if (channel.died()) {
                lost.incrementAndGet();
            }
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

    private void receiveDatagrams() {
        byte[] buffer = new byte[TunnelDatagrams.MAX_DATAGRAM];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        while (!closed) {
            try {
                packet.setLength(buffer.length);
                datagramEntry.receive(packet);
                byte[] data = java.util.Arrays.copyOf(buffer, packet.getLength());
                java.net.SocketAddress app = packet.getSocketAddress();
                DatagramSession session = datagramSessions.get(app);
                if (session == null || session.done) {
                    session = new DatagramSession(app, route);
                    datagramSessions.put(app, session);
                    session.start();
                }
                // A full queue (a tunnel still shaking hands, or stalled) drops, as a router's queue does.
                session.queue.offer(data);
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    /** Back to the app's call socket. */
    private void toApp(java.net.SocketAddress app, byte[] data, int offset, int length) throws IOException {
        datagramEntry.send(new DatagramPacket(data, offset, length, app));
    }

    /**
     * One app socket's datagrams along one route: sent as they are (direct), or in a tunnel session of the route's
     * kind that came up for them (counted in {@code vpn.connects} like a stream's). Ends after
     * {@link TunnelDatagrams#IDLE_MILLIS} without a datagram from the app, or when the route changes.
     */
    private final class DatagramSession {
        final java.net.SocketAddress app;
        final VpnRoute r;
        final java.util.concurrent.BlockingQueue<byte[]> queue = new java.util.concurrent.LinkedBlockingQueue<>(256);
        volatile boolean done;
        private volatile java.io.Closeable tunnel;

        DatagramSession(java.net.SocketAddress app, VpnRoute r) {
            this.app = app;
            this.r = r;
        }

        void start() {
            Thread t = new Thread(this::run, "vpn-client-call");
            t.setDaemon(true);
            t.start();
        }

        void close() {
            done = true;
            queue.offer(new byte[0]);
            java.io.Closeable c = tunnel;
            if (c != null) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // Closing is all that was asked.
                }
            }
        }

        private void run() {
            Attempt attempt = null;
            try {
                if (r.kind() == null) {
                    direct();
                    return;
                }
                connects.incrementAndGet();
                attempt = new Attempt();
                switch (r.kind()) {
                    case TLS -> tls(attempt);
                    case SHADOWSOCKS -> shadowsocks(attempt);
                    default -> udp(attempt);
                }
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
                // The tunnel failed or was closed: the call hears silence, as over a real VPN.
            } finally {
                done = true;
                datagramSessions.remove(app, this);
                close();
                if (attempt != null) {
                    attempt.end();
                }
            }
        }

        private void direct() throws IOException {
            DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            tunnel = socket;
            socket.connect(datagramsDirect);
            InputStream answers = TunnelDatagrams.received(socket);
            background("vpn-client-call-down", () -> {
                byte[] buffer = new byte[TunnelDatagrams.MAX_DATAGRAM + 2];
                int n;
                while ((n = answers.read(buffer, 0, buffer.length)) > 0) {
                    toApp(app, buffer, 2, n - 2);
                }
            });
            for (byte[] d = next(); d != null; d = next()) {
                socket.send(new DatagramPacket(d, d.length));
            }
        }

        private void udp(Attempt attempt) throws IOException, GeneralSecurityException {
            DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            tunnel = socket;
            socket.connect(r.tunnel());
            UdpTunnelFormat format = UdpTunnelFormat.of(r.kind());
            UdpKeys keys = udpHandshake(socket, format, () -> done);
            if (keys == null) {
                return;
            }
            attempt.up();
            socket.setSoTimeout(0);
            background("vpn-client-call-down", () -> {
                byte[] buffer = new byte[65_535];
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                while (!done) {
                    socket.receive(packet);
                    wireBytes.addAndGet(packet.getLength() + 28);
                    byte[] frame = format.open(keys.receive(), buffer, packet.getLength());
                    if (TunnelDatagrams.type(frame == null ? new byte[0] : frame) == TunnelDatagrams.FRAME_DATAGRAM) {
                        byte[] payload = TunnelDatagrams.payload(frame);
                        appBytes.addAndGet(payload.length);
                        toApp(app, payload, 0, payload.length);
                    }
                    packet.setLength(buffer.length);
                }
            });
            long counter = 0;
            for (byte[] d = next(); d != null; d = next()) {
                byte[] frame = TunnelDatagrams.frame(TunnelDatagrams.FRAME_DATAGRAM, d, 0, d.length);
                byte[] sealed = format.seal(keys.send(), counter++, frame, frame.length);
                socket.send(new DatagramPacket(sealed, sealed.length));
                wireBytes.addAndGet(sealed.length + 28);
                appBytes.addAndGet(d.length);
            }
        }

        private void tls(Attempt attempt) throws IOException {
            try (SSLSocket socket = (SSLSocket) r.trust().getSocketFactory().createSocket()) {
                tunnel = socket;
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
                OutputStream out = socket.getOutputStream();
                out.write(TunnelDatagrams.MARK_DATAGRAMS);
                InputStream in = socket.getInputStream();
                background("vpn-client-call-down", () -> answers(in, 22));
                byte[] buffer = new byte[TunnelDatagrams.MAX_DATAGRAM + 2];
                InputStream datagrams = TunnelDatagrams.queued(queue);
                int n;
                while ((n = datagrams.read(buffer, 0, buffer.length)) > 0) {
                    out.write(buffer, 0, n);
                    out.flush();
                    appBytes.addAndGet(n - 2);
                    wireBytes.addAndGet(n + 22);
                }
            }
        }

        private void shadowsocks(Attempt attempt) throws IOException, GeneralSecurityException {
            byte[] psk = r.psk();
            try (Socket socket = new Socket()) {
                tunnel = socket;
                socket.setTcpNoDelay(true);
                socket.connect(r.tunnel(), 2_000);
                InputStream in = socket.getInputStream();
                java.io.PipedInputStream plain = new java.io.PipedInputStream(64 * 1024);
                java.io.PipedOutputStream sink = new java.io.PipedOutputStream(plain);
                background("vpn-client-call-ss-in", () -> {
                    try (sink) {
                        Shadowsocks.decrypt(psk, in, sink, attempt::up);
                    }
                });
                background("vpn-client-call-down", () -> answers(plain, 34));
                wireBytes.addAndGet(Shadowsocks.SALT_LENGTH + 35);
                InputStream datagrams = new java.io.FilterInputStream(TunnelDatagrams.queued(queue)) {
                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        int n = super.read(b, off, len);
                        if (n > 0) {
                            appBytes.addAndGet(n - 2);
                            wireBytes.addAndGet(n + 34);
                        }
                        return n;
                    }
                };
                Shadowsocks.encrypt(psk, new byte[] {TunnelDatagrams.MARK_DATAGRAMS}, 1, datagrams,
                        socket.getOutputStream());
            }
        }

        /** {@code u16 length, datagram} records from a TCP tunnel back to the app, until the tunnel ends. */
        private void answers(InputStream in, int perRecord) throws IOException {
            java.io.DataInputStream frames = new java.io.DataInputStream(in);
            while (!done) {
                byte[] datagram = new byte[frames.readUnsignedShort()];
                frames.readFully(datagram);
                appBytes.addAndGet(datagram.length);
                wireBytes.addAndGet(datagram.length + 2 + perRecord);
                toApp(app, datagram, 0, datagram.length);
            }
        }

        /** The app's next datagram; {@code null} when the session idled or was closed. */
        private byte[] next() {
            try {
                byte[] d = queue.poll(TunnelDatagrams.IDLE_MILLIS, TimeUnit.MILLISECONDS);
                return d == null || d.length == 0 || done ? null : d;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }

        /** Runs {@code body} on a daemon thread; when it ends, for whatever reason, the session ends. */
        private void background(String name, IoBody body) {
            Thread t = new Thread(() -> {
                try {
                    body.run();
                } catch (IOException | GeneralSecurityException | RuntimeException e) {
                    // The tunnel ended or failed.
                } finally {
                    close();
                }
            }, name);
            t.setDaemon(true);
            t.start();
        }
    }

    @FunctionalInterface
    private interface IoBody {
        void run() throws IOException, GeneralSecurityException;
    }

    /**
     * The figures since the previous cut, and a fresh start: {@code vpn.connects} (sessions started),
     * {@code vpn.ok} and {@code vpn.failed} (sessions begun in the interval that came up, or ended before they did;
     * not those decided between {@link #policyChanging} and this cut),
     * {@code vpn.ok_ratio} = ok / (ok + failed) (absent when no session was decided), {@code vpn.setup_time.p50/p99}
     * in ms (absent without a tunnel up), {@code vpn.overhead} (absent without app bytes), {@code vpn.stalled} (UDP
     * tunnels open now whose data has waited over 1 s without an acknowledgement: silent, not yet given up) and
     * {@code vpn.lost} (UDP tunnels given up in the phase).
     */
    public Map<String, Double> cut() {
        Map<String, Double> m = new LinkedHashMap<>();
        long c = connects.getAndSet(0);
        long app = appBytes.getAndSet(0);
        long wire = wireBytes.getAndSet(0);
        m.put("vpn.connects", (double) c);
        // Under the lock a session's outcome and set-up time land wholly before or after the cut, never half.
        synchronized (setup) {
            long o = ok.getAndSet(0);
            long f = failed.getAndSet(0);
            m.put("vpn.ok", (double) o);
            m.put("vpn.failed", (double) f);
            if (o + f > 0) {
                m.put("vpn.ok_ratio", o / (double) (o + f));
            }
            if (setup.getTotalCount() > 0) {
                m.put("vpn.setup_time.p50", setup.getValueAtPercentile(50) / 1e6);
                m.put("vpn.setup_time.p99", setup.getValueAtPercentile(99) / 1e6);
            }
            setup.reset();
            tags.cut();
        }
        if (app > 0 && wire > 0) {
            m.put("vpn.overhead", wire / (double) app);
        }
        long now = System.nanoTime();
        m.put("vpn.stalled", (double) channels.stream()
                .filter(channel -> channel.stalledNanos(now) > TimeUnit.SECONDS.toNanos(1)).count());
        m.put("vpn.lost", (double) lost.getAndSet(0));
        return m;
    }

    @Override
    public void close() {
        closed = true;
        for (Socket app : live) {
            abort(app);
        }
        datagramSessions.values().forEach(DatagramSession::close);
        if (datagramEntry != null) {
            datagramEntry.close();
        }
        try {
            entry.close();
        } catch (IOException ignored) {
            // Closing is all that was asked.
        }
    }
}
