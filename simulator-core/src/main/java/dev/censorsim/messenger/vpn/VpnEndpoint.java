package dev.censorsim.messenger.vpn;

import dev.censorsim.messenger.MessengerCertificates;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

/**
 * The VPN endpoint the messenger server also runs (as a VPN provider abroad would): it takes tunnels of one
 * {@link VpnKind} on a loopback port and connects each tunnelled connection to {@code target}, the messenger server,
 * directly (the endpoint is outside the censor). UDP kinds listen on a UDP port, TCP kinds on a TCP port; {@code tls}
 * presents a certificate for {@code sni} from its own CA, which {@link #clientContext()} trusts. With a
 * {@code datagramTarget} (the messenger server's UDP media port), tunnels may also carry the app's datagrams (a call's
 * STUN and RTP, see {@link TunnelDatagrams}), sent on from a UDP socket of the endpoint's own per session.
 */
public final class VpnEndpoint implements AutoCloseable {

    private final VpnKind kind;
    private final InetSocketAddress target;
    private final InetSocketAddress datagramTarget;
    private byte[] psk = new byte[32];
    private final MessengerCertificates certificates;
    private final ServerSocket tcp;
    private final DatagramSocket udp;
    private final Map<SocketAddress, ServerSession> sessions = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private VpnEndpoint(VpnKind kind, InetSocketAddress target, InetSocketAddress datagramTarget, String sni,
                        byte[] presharedKey, InetSocketAddress listen) throws IOException {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.target = Objects.requireNonNull(target, "target");
        this.datagramTarget = datagramTarget;
        if (presharedKey == null) {
            new SecureRandom().nextBytes(psk);
        } else {
            this.psk = presharedKey.clone();
        }
        if (kind.udp()) {
            certificates = null;
            tcp = null;
            udp = new DatagramSocket(Objects.requireNonNull(listen, "listen"));
            // Room for every session's window in flight (64 segments each), so bursts are not lost in the kernel.
            udp.setReceiveBufferSize(4 << 20);
            udp.setSendBufferSize(4 << 20);
            thread("vpn-endpoint-udp", this::receiveUdp);
        } else {
            udp = null;
            if (kind == VpnKind.TLS) {
                certificates = MessengerCertificates.generate(List.of(Objects.requireNonNull(sni, "sni")));
                try {
                    SSLContext context = SSLContext.getInstance("TLS");
                    context.init(certificates.server().toKeyManagerFactory().getKeyManagers(), null,
                            new SecureRandom());
                    SSLServerSocket server = (SSLServerSocket) context.getServerSocketFactory().createServerSocket();
                    tcp = server;
                } catch (GeneralSecurityException e) {
                    throw new IOException("cannot build the endpoint's TLS context: " + e.getMessage(), e);
                }
            } else {
                certificates = null;
                tcp = new ServerSocket();
            }
            tcp.bind(Objects.requireNonNull(listen, "listen"));
            thread("vpn-endpoint-accept", this::acceptTcp);
        }
    }

    /** Starts an endpoint for {@code kind} that forwards to {@code target}; {@code sni} names it for {@code tls}. */
    public static VpnEndpoint start(VpnKind kind, InetSocketAddress target, String sni) throws IOException {
        return start(kind, target, sni, null);
    }

    /** The same with a given Shadowsocks pre-shared key (another process's client must know it). */
    public static VpnEndpoint start(VpnKind kind, InetSocketAddress target, String sni, byte[] psk)
            throws IOException {
        return start(kind, target, sni, psk, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    /**
     * The same on a given address ({@code psk} may be null for a random key): a fixed port lets another process be
     * told it in advance.
     */
    public static VpnEndpoint start(VpnKind kind, InetSocketAddress target, String sni, byte[] psk,
                                    InetSocketAddress listen) throws IOException {
        return new VpnEndpoint(kind, target, null, sni, psk, listen);
    }

    /**
     * An endpoint whose tunnels also carry datagrams to {@code datagramTarget} (the server's UDP media endpoint);
     * {@code psk} may be {@code null} for a fresh Shadowsocks key.
     */
    public static VpnEndpoint start(VpnKind kind, InetSocketAddress target, InetSocketAddress datagramTarget,
                                    String sni, byte[] psk) throws IOException {
        return new VpnEndpoint(kind, target, Objects.requireNonNull(datagramTarget, "datagramTarget"), sni, psk,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    private static void thread(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
    }

    public VpnKind kind() {
        return kind;
    }

    /** Where tunnels arrive: a UDP address for UDP kinds, a TCP one otherwise. */
    public InetSocketAddress address() {
        return (InetSocketAddress) (udp != null ? udp.getLocalSocketAddress() : tcp.getLocalSocketAddress());
    }

    /** Trusts the {@code tls} endpoint's certificate; {@code null} for other kinds. */
    public SSLContext clientContext() {
        return certificates == null ? null : certificates.clientContext();
    }

    /** The Shadowsocks pre-shared key (a copy). */
    public byte[] psk() {
        return psk.clone();
    }

    /** The CA of the {@code tls} endpoint's certificate, to give a client in another process; {@code null} otherwise. */
    public dev.censorsim.messenger.MessengerTrust trust() {
        return certificates == null ? null
                : new dev.censorsim.messenger.MessengerTrust(java.util.List.of(certificates.ca().getCertificate()));
    }

    private void acceptTcp() {
        while (!closed) {
            try {
                Socket tunnel = tcp.accept();
                tunnel.setTcpNoDelay(true);
                thread("vpn-endpoint-conn", () -> serveTcp(tunnel));
            } catch (IOException e) {
                if (!closed) {
                    continue;
                }
                return;
            }
        }
    }

    private void serveTcp(Socket tunnel) {
        try (tunnel; Socket server = new Socket()) {
            server.setTcpNoDelay(true);
            if (kind == VpnKind.TLS) {
                ((javax.net.ssl.SSLSocket) tunnel).startHandshake();
                InputStream in = tunnel.getInputStream();
                if (in.read() == TunnelDatagrams.MARK_DATAGRAMS) {
                    serveDatagrams(in, tunnel);
                    return;
                }
                server.connect(target, 2_000);
                thread("vpn-endpoint-up", () -> copy(in, server));
                copy(server.getInputStream(), tunnel);
            } else {
                InputStream in = tunnel.getInputStream();
                java.io.PipedInputStream plain = new java.io.PipedInputStream(64 * 1024);
                java.io.PipedOutputStream sink = new java.io.PipedOutputStream(plain);
                thread("vpn-endpoint-ss-in", () -> {
                    try (sink) {
                        Shadowsocks.decrypt(psk, in, sink, () -> { });
                    } catch (IOException | GeneralSecurityException e) {
                        closeQuietly(tunnel);
                    }
                });
                if (plain.read() == TunnelDatagrams.MARK_DATAGRAMS) {
                    serveDatagrams(plain, tunnel);
                    return;
                }
                server.connect(target, 2_000);
                thread("vpn-endpoint-up", () -> copy(plain, server));
                byte[] first = new byte[16 * 1024];
                InputStream fromServer = server.getInputStream();
                int n = fromServer.read(first);
                if (n > 0) {
                    Shadowsocks.encrypt(psk, first, n, fromServer, tunnel.getOutputStream());
                }
            }
        } catch (IOException | GeneralSecurityException e) {
            // The tunnel or the server went away: both sockets close here.
        }
    }

    /**
     * A TCP tunnel that carries datagrams: {@code u16 length, datagram} from {@code plain} to the server's media port,
     * its answers back the same way (sealed again for Shadowsocks), until either side ends or the session idles.
     */
    private void serveDatagrams(InputStream plain, Socket tunnel) throws IOException, GeneralSecurityException {
        if (datagramTarget == null) {
            return;
        }
        try (DatagramSocket media = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            media.connect(datagramTarget);
            thread("vpn-endpoint-datagrams-up", () -> {
                java.io.DataInputStream frames = new java.io.DataInputStream(plain);
                try {
                    while (true) {
                        byte[] datagram = new byte[frames.readUnsignedShort()];
                        frames.readFully(datagram);
                        media.send(new DatagramPacket(datagram, datagram.length));
                    }
                } catch (IOException e) {
                    media.close(); // the tunnel ended: so does the way back
                }
            });
            InputStream answers = TunnelDatagrams.received(media);
            if (kind == VpnKind.TLS) {
                copy(answers, tunnel);
            } else {
                byte[] first = new byte[TunnelDatagrams.MAX_DATAGRAM + 2];
                int n = answers.read(first, 0, first.length);
                if (n > 0) {
                    Shadowsocks.encrypt(psk, first, n, answers, tunnel.getOutputStream());
                }
            }
        }
    }

    /**
     * Copies until EOF, then half-closes {@code to}'s output; when {@code from} fails (a reset), {@code to} is reset
     * too (SO_LINGER 0), so an app behind a tunnel or a direct route sees the reset the censor sent.
     */
    static void copy(InputStream from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try {
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = from.read(buffer)) > 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            try {
                to.setSoLinger(true, 0);
            } catch (IOException ignored) {
                // Already closed: the close below is all that is left.
            }
            closeQuietly(to);
        }
    }

    static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // Closing is all that was asked.
        }
    }

    /** One UDP tunnel session: its keys, its reliable channel to the messenger server. */
    private final class ServerSession {
        final SocketAddress peer;
        final UdpTunnelFormat format = UdpTunnelFormat.of(kind);
        byte[] reply;
        byte[] sendKey;
        byte[] receiveKey;
        long counter;
        ReliableChannel channel;
        /** The session's socket to the server's media port, once it carried a datagram. */
        DatagramSocket media;

        ServerSession(SocketAddress peer) {
            this.peer = peer;
        }

        synchronized void send(byte[] frame, int length) throws IOException {
            try {
                byte[] packet = format.seal(sendKey, counter++, frame, length);
                udp.send(new DatagramPacket(packet, packet.length, peer));
            } catch (GeneralSecurityException e) {
                throw new IOException(e);
            }
        }
    }

    private void receiveUdp() {
        byte[] buffer = new byte[65_535];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        while (!closed) {
            try {
                packet.setLength(buffer.length);
                udp.receive(packet);
                byte[] data = java.util.Arrays.copyOf(buffer, packet.getLength());
                onDatagram(packet.getSocketAddress(), data);
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private void onDatagram(SocketAddress from, byte[] data) throws IOException, GeneralSecurityException {
        ServerSession session = sessions.get(from);
        if (session != null && session.reply != null && session.format.helloPublic(data, data.length) != null) {
            // The client's retry: our reply was lost; say it again.
            udp.send(new DatagramPacket(session.reply, session.reply.length, from));
            return;
        }
        if (session == null) {
            UdpTunnelFormat probe = UdpTunnelFormat.of(kind);
            if (probe.helloPublic(data, data.length) == null) {
                return;
            }
            session = new ServerSession(from);
            byte[] clientPublic = session.format.helloPublic(data, data.length);
            KeyPair ephemeral = TunnelCrypto.x25519();
            byte[] shared = TunnelCrypto.dh(ephemeral, clientPublic);
            session.receiveKey = TunnelCrypto.hkdf(clientPublic, shared, "c2s", 32);
            session.sendKey = TunnelCrypto.hkdf(clientPublic, shared, "s2c", 32);
            session.reply = session.format.reply(TunnelCrypto.publicBytes(ephemeral), data);
            sessions.put(from, session);
            udp.send(new DatagramPacket(session.reply, session.reply.length, from));
            return;
        }
        byte[] frame = session.format.open(session.receiveKey, data, data.length);
        if (frame == null) {
            return;
        }
        int type = TunnelDatagrams.type(frame);
        if (type == TunnelDatagrams.FRAME_DATAGRAM) {
            datagram(session, frame);
            return;
        }
        if (session.channel == null && session.media == null) {
            // The first stream frame ("open", or data if the open was lost): only now is the server dialled, so a
            // session that carries a call's datagrams opens no connection it never uses.
            Socket server = new Socket();
            server.setTcpNoDelay(true);
            server.connect(target, 2_000);
            ServerSession s = session;
            session.channel = new ReliableChannel(s::send, server, "vpn-endpoint", () -> sessions.remove(from, s));
        }
        if (type != TunnelDatagrams.FRAME_OPEN && session.channel != null) {
            session.channel.onFrame(frame);
        }
    }

    /** A datagram out of a UDP tunnel: on to the server's media port from the session's own socket. */
    private void datagram(ServerSession session, byte[] frame) throws IOException {
        if (datagramTarget == null || session.channel != null) {
            return;
        }
        if (session.media == null) {
            DatagramSocket media = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            media.connect(datagramTarget);
            session.media = media;
            thread("vpn-endpoint-datagrams-down", () -> {
                InputStream answers;
                byte[] buffer = new byte[TunnelDatagrams.MAX_DATAGRAM + 2];
                try {
                    answers = TunnelDatagrams.received(media);
                    int n;
                    while ((n = answers.read(buffer, 0, buffer.length)) > 0) {
                        byte[] f = TunnelDatagrams.frame(TunnelDatagrams.FRAME_DATAGRAM, buffer, 2, n - 2);
                        session.send(f, f.length);
                    }
                } catch (IOException e) {
                    // The tunnel's socket closed: the session is over.
                } finally {
                    media.close();
                    sessions.remove(session.peer, session);
                }
            });
        }
        byte[] payload = TunnelDatagrams.payload(frame);
        session.media.send(new DatagramPacket(payload, payload.length));
    }

    @Override
    public void close() {
        closed = true;
        if (tcp != null) {
            try {
                tcp.close();
            } catch (IOException ignored) {
                // Closing is all that was asked.
            }
        }
        if (udp != null) {
            udp.close();
        }
        sessions.values().forEach(s -> {
            if (s.channel != null) {
                s.channel.close();
            }
            if (s.media != null) {
                s.media.close();
            }
        });
    }
}
