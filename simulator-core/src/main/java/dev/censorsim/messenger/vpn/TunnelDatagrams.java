package dev.censorsim.messenger.vpn;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The app's datagrams (a call's STUN and RTP) inside a tunnel, as a real VPN carries UDP inside its IP packets.
 *
 * <p>In a UDP tunnel (WireGuard, OpenVPN, IKEv2) each datagram is one transport packet whose sealed frame is
 * {@code u8 4, u32 0, u16 length, datagram}: the same 7-byte header as {@link ReliableChannel}'s frames, but never
 * acknowledged or resent (a lost RTP packet stays lost, as over a real VPN). A stream session starts with an empty
 * {@code u8 5} frame ("open"), so the endpoint connects to the messenger server for streams only.
 *
 * <p>In a TCP tunnel (Shadowsocks, TLS) the first plaintext byte says what the connection carries, as Shadowsocks'
 * address header does: {@value #MARK_STREAM} a stream, {@value #MARK_DATAGRAMS} datagrams, each then framed as
 * {@code u16 length, datagram} (head-of-line blocking included, as a TCP VPN has).
 */
final class TunnelDatagrams {

    static final byte FRAME_DATAGRAM = 4;
    static final byte FRAME_OPEN = 5;
    static final int HEADER = 7;
    static final byte MARK_STREAM = 1;
    static final byte MARK_DATAGRAMS = 2;
    /** RTP and STUN are far smaller; a datagram above this is cut off by the receive buffer, not framed. */
    static final int MAX_DATAGRAM = 2048;
    /** A call's session closes after this long without a datagram either way (between calls, or a dead tunnel). */
    static final long IDLE_MILLIS = 5_000;

    private TunnelDatagrams() {
    }

    /** A UDP tunnel's datagram frame around {@code data[offset, offset + length)}. */
    static byte[] frame(byte type, byte[] data, int offset, int length) {
        byte[] f = new byte[HEADER + length];
        ByteBuffer.wrap(f).put(type).putInt(0).putShort((short) length).put(data, offset, length);
        return f;
    }

    /** The frame's type, or -1 when it is too short to have one. */
    static int type(byte[] frame) {
        return frame.length < HEADER ? -1 : frame[0];
    }

    /** A datagram frame's payload. */
    static byte[] payload(byte[] frame) {
        int length = Math.min(ByteBuffer.wrap(frame, 5, 2).getShort() & 0xffff, frame.length - HEADER);
        return java.util.Arrays.copyOfRange(frame, HEADER, HEADER + length);
    }

    /** {@code u16 length, datagram}: one datagram on a TCP tunnel. */
    static byte[] lengthPrefixed(byte[] data, int offset, int length) {
        byte[] f = new byte[2 + length];
        f[0] = (byte) (length >>> 8);
        f[1] = (byte) length;
        System.arraycopy(data, offset, f, 2, length);
        return f;
    }

    /**
     * Datagrams received on {@code socket}, each read returning one length-prefixed datagram (the reader's buffer is
     * at least {@link #MAX_DATAGRAM} + 2 bytes); EOF after {@link #IDLE_MILLIS} with none or when the socket closes.
     */
    static InputStream received(DatagramSocket socket) throws IOException {
        socket.setSoTimeout((int) IDLE_MILLIS);
        return new InputStream() {
            private final byte[] buffer = new byte[MAX_DATAGRAM];

            @Override
            public int read() {
                throw new UnsupportedOperationException("datagrams are read whole");
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                try {
                    socket.receive(packet);
                } catch (SocketTimeoutException e) {
                    return -1;
                } catch (IOException e) {
                    if (socket.isClosed()) {
                        return -1;
                    }
                    throw e;
                }
                int n = Math.min(packet.getLength(), len - 2);
                b[off] = (byte) (n >>> 8);
                b[off + 1] = (byte) n;
                System.arraycopy(buffer, 0, b, off + 2, n);
                return n + 2;
            }
        };
    }

    /** The app's datagrams queued for one session, each read one length-prefixed datagram; EOF when idle. */
    static InputStream queued(BlockingQueue<byte[]> queue) {
        return new InputStream() {
            @Override
            public int read() {
                throw new UnsupportedOperationException("datagrams are read whole");
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                byte[] data;
                try {
                    data = queue.poll(IDLE_MILLIS, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -1;
                }
                if (data == null || data.length == 0) {
                    return -1; // idle, or the session's end mark
                }
                int n = Math.min(data.length, len - 2);
                b[off] = (byte) (n >>> 8);
                b[off + 1] = (byte) n;
                System.arraycopy(data, 0, b, off + 2, n);
                return n + 2;
            }
        };
    }
}
