package dev.censorsim.testing;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal blocking SOCKS5 client (RFC 1928 §3-§6) that exposes the raw reply code, so tests can check what the
 * proxy answers to requests a library client would never send.
 */
public final class Socks5Client {

    public static final int CMD_CONNECT = 1;
    public static final int CMD_BIND = 2;

    private Socks5Client() {
    }

    /** Opens a socket to the proxy with a read timeout, so no test can hang on it. */
    public static Socket open(InetSocketAddress proxy) throws IOException {
        Socket socket = new Socket();
        socket.connect(proxy, 2_000);
        socket.setSoTimeout(5_000);
        return socket;
    }

    /** Offers only "no authentication"; returns the method the proxy chose (0xFF: none acceptable). */
    public static int greet(Socket socket, int... methods) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(5);
        out.write(methods.length);
        for (int m : methods) {
            out.write(m);
        }
        out.flush();
        DataInputStream in = new DataInputStream(socket.getInputStream());
        int version = in.readUnsignedByte();
        if (version != 5) {
            throw new IOException("not a SOCKS5 reply, version " + version);
        }
        return in.readUnsignedByte();
    }

    /** Sends a request for an IP literal target and returns the reply code (0 = succeeded). */
    public static int request(Socket socket, int command, InetSocketAddress target) throws IOException {
        byte[] address = target.getAddress().getAddress();
        OutputStream out = socket.getOutputStream();
        out.write(new byte[] {5, (byte) command, 0, (byte) (address.length == 4 ? 1 : 4)});
        out.write(address);
        out.write(target.getPort() >> 8);
        out.write(target.getPort());
        out.flush();
        return readReply(socket.getInputStream());
    }

    /** Sends a CONNECT for a domain-name target (ATYP 3) and returns the reply code. */
    public static int connectDomain(Socket socket, String host, int port) throws IOException {
        byte[] name = host.getBytes(StandardCharsets.US_ASCII);
        OutputStream out = socket.getOutputStream();
        out.write(new byte[] {5, CMD_CONNECT, 0, 3, (byte) name.length});
        out.write(name);
        out.write(port >> 8);
        out.write(port);
        out.flush();
        return readReply(socket.getInputStream());
    }

    /** Greets with no-auth and connects to {@code target}; throws unless the proxy answered "succeeded". */
    public static Socket connect(InetSocketAddress proxy, InetSocketAddress target) throws IOException {
        Socket socket = open(proxy);
        if (greet(socket, 0) != 0) {
            socket.close();
            throw new IOException("proxy refused no-auth");
        }
        int reply = request(socket, CMD_CONNECT, target);
        if (reply != 0) {
            socket.close();
            throw new IOException("SOCKS5 reply " + reply);
        }
        return socket;
    }

    private static int readReply(InputStream stream) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        int version = in.readUnsignedByte();
        int reply = in.readUnsignedByte();
        in.readUnsignedByte();
        int atyp = in.readUnsignedByte();
        int length = switch (atyp) {
            case 1 -> 4;
            case 4 -> 16;
            case 3 -> in.readUnsignedByte();
            default -> throw new IOException("bad ATYP " + atyp);
        };
        in.readFully(new byte[length + 2]);
        if (version != 5) {
            throw new IOException("not a SOCKS5 reply, version " + version);
        }
        return reply;
    }

    /** A helper for SOCKS4 rejection tests: sends a SOCKS4 CONNECT and returns the reply's status byte. */
    public static int socks4Connect(Socket socket, InetSocketAddress target) throws IOException {
        byte[] address = target.getAddress().getAddress();
        OutputStream out = socket.getOutputStream();
        out.write(new byte[] {4, 1, (byte) (target.getPort() >> 8), (byte) target.getPort()});
        out.write(address);
        out.write(new byte[] {'t', 0});
        out.flush();
        DataInputStream in = new DataInputStream(socket.getInputStream());
        in.readUnsignedByte();
        int status = in.readUnsignedByte();
        in.readFully(new byte[6]);
        return status;
    }

}
