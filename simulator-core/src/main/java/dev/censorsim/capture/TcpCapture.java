package dev.censorsim.capture;

import dev.censorsim.trace.FrameBuilder;
import io.netty.buffer.ByteBuf;

import java.net.InetSocketAddress;

/**
 * One TCP connection as the client saw it, written as packets: the three-way handshake, each chunk either way as a
 * segment with running sequence and acknowledgment numbers, and the end: FIN from whichever side closed, or RST
 * where the censor reset. Confined to the flow's event loop; the numbers are synthetic (ISNs 1 and 1), as the censor
 * never sees the kernel's.
 */
public final class TcpCapture {

    /** Segments at most this long: IPv4's 16-bit total length must hold the segment and its headers. */
    static final int MAX_SEGMENT = 32 * 1024;
    private static final int ISN = 1;

    private final CaptureFile file;
    private final byte[] clientAddress;
    private final int clientPort;
    private final byte[] serverAddress;
    private final int serverPort;
    private final boolean enabled;
    /** Next sequence number each side sends. */
    private int clientSeq = ISN;
    private int serverSeq = ISN;
    private boolean clientFin;
    private boolean serverFin;
    private boolean reset;

    TcpCapture(CaptureFile file, InetSocketAddress client, InetSocketAddress server) {
        this.file = file;
        this.enabled = CaptureFile.sameFamily(client, server);
        this.clientAddress = enabled ? client.getAddress().getAddress() : null;
        this.clientPort = client.getPort();
        this.serverAddress = enabled ? server.getAddress().getAddress() : null;
        this.serverPort = server.getPort();
    }

    /** SYN, SYN/ACK, ACK: the connection the censor accepted. */
    public void handshake() {
        client(FrameBuilder.TCP_SYN, EMPTY, 0, 0);
        clientSeq++;
        server(FrameBuilder.TCP_SYN | FrameBuilder.TCP_ACK, EMPTY, 0, 0);
        serverSeq++;
        client(FrameBuilder.TCP_ACK, EMPTY, 0, 0);
    }

    /** Bytes the client sent (readable bytes of {@code data}, not consumed). */
    public void fromClient(ByteBuf data) {
        segments(true, data);
    }

    /** Bytes the censor wrote to the client. */
    public void toClient(ByteBuf data) {
        segments(false, data);
    }

    /** The client half-closed or closed: FIN/ACK from the client. */
    public void clientFin() {
        if (clientFin || reset) {
            return;
        }
        clientFin = true;
        client(FrameBuilder.TCP_FIN | FrameBuilder.TCP_ACK, EMPTY, 0, 0);
        clientSeq++;
    }

    /** The censor closed its side normally: FIN/ACK toward the client. */
    public void serverFin() {
        if (serverFin || reset) {
            return;
        }
        serverFin = true;
        server(FrameBuilder.TCP_FIN | FrameBuilder.TCP_ACK, EMPTY, 0, 0);
        serverSeq++;
    }

    /** The censor aborted the connection (SO_LINGER 0): RST/ACK toward the client. */
    public void serverReset() {
        if (reset) {
            return;
        }
        reset = true;
        server(FrameBuilder.TCP_RST | FrameBuilder.TCP_ACK, EMPTY, 0, 0);
    }

    /** The client aborted the connection: RST from the client. */
    public void clientReset() {
        if (reset) {
            return;
        }
        reset = true;
        client(FrameBuilder.TCP_RST | FrameBuilder.TCP_ACK, EMPTY, 0, 0);
    }

    private static final byte[] EMPTY = new byte[0];

    private void segments(boolean fromClient, ByteBuf data) {
        if (!enabled || reset) {
            return;
        }
        int length = data.readableBytes();
        if (length == 0) {
            return;
        }
        byte[] bytes = new byte[length];
        data.getBytes(data.readerIndex(), bytes);
        for (int at = 0; at < length; at += MAX_SEGMENT) {
            int n = Math.min(MAX_SEGMENT, length - at);
            int flags = FrameBuilder.TCP_ACK | (at + n == length ? FrameBuilder.TCP_PSH : 0);
            if (fromClient) {
                client(flags, bytes, at, n);
                clientSeq += n;
            } else {
                server(flags, bytes, at, n);
                serverSeq += n;
            }
        }
    }

    private void client(int flags, byte[] payload, int offset, int length) {
        if (enabled) {
            file.enqueue(FrameBuilder.tcp(clientAddress, clientPort, serverAddress, serverPort, clientSeq, serverSeq,
                    flags, payload, offset, length, FrameBuilder.NO_VLAN));
        }
    }

    private void server(int flags, byte[] payload, int offset, int length) {
        if (enabled) {
            file.enqueue(FrameBuilder.tcp(serverAddress, serverPort, clientAddress, clientPort, serverSeq, clientSeq,
                    flags, payload, offset, length, FrameBuilder.NO_VLAN));
        }
    }
}
