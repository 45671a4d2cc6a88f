package dev.censorsim.testing;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A SOCKS5 client run as its own process (inside a test's network namespace): for each target it prints one line,
 * {@code tcp HOST:PORT reply=N echo=TEXT|none} for a CONNECT or {@code udp HOST:PORT reply=N echo=TEXT|none} for a
 * datagram through a UDP ASSOCIATE (RFC 1928 §7 header), so the test reads what a remote client could reach.
 *
 * <p>Usage: {@code SocksProbe PROXY_HOST:PORT (tcp|udp):HOST:PORT...}
 */
public final class SocksProbe {

    private static final int TIMEOUT_MILLIS = 3_000;

    private SocksProbe() {
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress proxy = parse(args[0]);
        for (int i = 1; i < args.length; i++) {
            String kind = args[i].substring(0, 3);
            InetSocketAddress target = parse(args[i].substring(4));
            String line;
            try {
                line = kind.equals("tcp") ? tcp(proxy, target) : udp(proxy, target);
            } catch (IOException e) {
                line = "reply=-1 echo=none error=" + e;
            }
            System.out.println(kind + " " + target.getAddress().getHostAddress() + ":" + target.getPort() + " " + line);
        }
    }

    private static String tcp(InetSocketAddress proxy, InetSocketAddress target) throws IOException {
        try (Socket socket = Socks5Client.open(proxy)) {
            socket.setSoTimeout(TIMEOUT_MILLIS);
            Socks5Client.greet(socket, 0);
            int reply = Socks5Client.request(socket, Socks5Client.CMD_CONNECT, target);
            if (reply != 0) {
                return "reply=" + reply + " echo=none";
            }
            socket.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            byte[] back = socket.getInputStream().readNBytes(5);
            return "reply=0 echo=" + (back.length == 0 ? "none" : new String(back, StandardCharsets.US_ASCII));
        }
    }

    private static String udp(InetSocketAddress proxy, InetSocketAddress target) throws IOException {
        try (Socket control = Socks5Client.open(proxy); DatagramSocket udp = new DatagramSocket()) {
            control.setSoTimeout(TIMEOUT_MILLIS);
            udp.setSoTimeout(TIMEOUT_MILLIS);
            Socks5Client.greet(control, 0);
            OutputStream out = control.getOutputStream();
            // UDP ASSOCIATE naming the client's UDP port (DST.ADDR 0.0.0.0: the client does not know its address).
            out.write(new byte[] {5, 3, 0, 1, 0, 0, 0, 0, (byte) (udp.getLocalPort() >> 8), (byte) udp.getLocalPort()});
            out.flush();
            DataInputStream in = new DataInputStream(control.getInputStream());
            byte[] head = new byte[4];
            in.readFully(head);
            if (head[1] != 0) {
                return "reply=" + head[1] + " echo=none";
            }
            byte[] address = new byte[head[3] == 4 ? 16 : 4];
            in.readFully(address);
            int port = in.readUnsignedShort();
            InetSocketAddress relay = new InetSocketAddress(InetAddress.getByAddress(address), port);
            byte[] to = target.getAddress().getAddress();
            ByteBuffer datagram = ByteBuffer.allocate(4 + to.length + 2 + 5);
            datagram.put(new byte[] {0, 0, 0, (byte) (to.length == 4 ? 1 : 4)}).put(to)
                    .putShort((short) target.getPort()).put("hello".getBytes(StandardCharsets.US_ASCII));
            // Sent twice: UDP may lose one, and what is asserted is whether any answer comes back at all.
            for (int attempt = 0; attempt < 2; attempt++) {
                udp.send(new DatagramPacket(datagram.array(), datagram.position(), relay));
                byte[] buffer = new byte[2048];
                DatagramPacket reply = new DatagramPacket(buffer, buffer.length);
                try {
                    udp.receive(reply);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                int skip = 4 + (buffer[3] == 4 ? 16 : 4) + 2;
                byte[] payload = Arrays.copyOfRange(buffer, skip, reply.getLength());
                return "reply=0 echo=" + new String(payload, StandardCharsets.US_ASCII);
            }
            return "reply=0 echo=none";
        }
    }

    private static InetSocketAddress parse(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
