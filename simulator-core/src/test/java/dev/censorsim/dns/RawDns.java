package dev.censorsim.dns;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Hand-built query bytes and plain-socket exchanges, so tests see exactly what goes on the wire. */
final class RawDns {

    private RawDns() {
    }

    /** A query for {@code name}/{@code type} with RD set and, when {@code ednsSize > 0}, an OPT record. */
    static byte[] query(int id, String name, int type, int ednsSize) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(id >>> 8);
        out.write(id);
        out.write(0x01);
        out.write(0x00);
        writeShort(out, 1);
        writeShort(out, 0);
        writeShort(out, 0);
        writeShort(out, ednsSize > 0 ? 1 : 0);
        for (String label : name.split("\\.")) {
            if (label.isEmpty()) {
                continue;
            }
            byte[] b = label.getBytes(StandardCharsets.US_ASCII);
            out.write(b.length);
            out.write(b, 0, b.length);
        }
        out.write(0);
        writeShort(out, type);
        writeShort(out, 1);
        if (ednsSize > 0) {
            out.write(0);
            writeShort(out, 41);
            writeShort(out, ednsSize);
            writeShort(out, 0);
            writeShort(out, 0);
            writeShort(out, 0);
        }
        return out.toByteArray();
    }

    /**
     * {@code query}, which must end with an OPT of empty RDATA (as {@link #query} writes one), grown to {@code length}
     * bytes with an EDNS Padding option (RFC 7830) in that OPT.
     */
    static byte[] padded(byte[] query, int length) {
        int padding = length - query.length - 4;
        if (padding < 0 || padding > 0xffff - 4) {
            throw new IllegalArgumentException("cannot pad a " + query.length + "-byte query to " + length);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(query, 0, query.length - 2);
        writeShort(out, padding + 4); // the OPT's RDLENGTH: one option
        writeShort(out, 12); // OPTION-CODE Padding
        writeShort(out, padding);
        out.write(new byte[padding], 0, padding);
        return out.toByteArray();
    }

    private static void writeShort(ByteArrayOutputStream out, int v) {
        out.write(v >>> 8);
        out.write(v);
    }

    /** Sends one datagram and returns the reply, or {@code null} after {@code timeoutMillis}. */
    static byte[] udp(InetSocketAddress server, byte[] query, int timeoutMillis) throws IOException {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(server.getAddress(), 0))) {
            socket.setSoTimeout(timeoutMillis);
            socket.send(new DatagramPacket(query, query.length, server));
            byte[] buf = new byte[65535];
            DatagramPacket reply = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(reply);
            } catch (SocketTimeoutException e) {
                return null;
            }
            return Arrays.copyOf(buf, reply.getLength());
        }
    }

    /** Writes a length-prefixed query on {@code socket} and reads one length-prefixed reply. */
    static byte[] tcpExchange(Socket socket, byte[] query) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(query.length >>> 8);
        out.write(query.length);
        out.write(query);
        out.flush();
        return readFrame(socket.getInputStream());
    }

    static byte[] readFrame(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        int length = data.readUnsignedShort();
        byte[] reply = new byte[length];
        data.readFully(reply);
        return reply;
    }

    static int id(byte[] m) {
        return (m[0] & 0xff) << 8 | m[1] & 0xff;
    }

    static int flags(byte[] m) {
        return (m[2] & 0xff) << 8 | m[3] & 0xff;
    }

    static int rcode(byte[] m) {
        return flags(m) & 0xf;
    }

    static boolean truncated(byte[] m) {
        return (flags(m) & 0x0200) != 0;
    }

    static int answerCount(byte[] m) {
        return (m[6] & 0xff) << 8 | m[7] & 0xff;
    }

    /**
     * The UDP payload size in the message's OPT (its CLASS, RFC 6891 6.1.2), when the OPT is the last record and has
     * no options, as censorsim writes it.
     */
    static int optPayloadSize(byte[] m) {
        int opt = m.length - 11; // root name (1), TYPE, CLASS, TTL (4), RDLENGTH
        if (opt < 12 || m[opt] != 0 || ((m[opt + 1] & 0xff) << 8 | m[opt + 2] & 0xff) != 41) {
            throw new AssertionError("no OPT without options at the end of the message");
        }
        return (m[opt + 3] & 0xff) << 8 | m[opt + 4] & 0xff;
    }

    static int additionalCount(byte[] m) {
        return (m[10] & 0xff) << 8 | m[11] & 0xff;
    }
}
