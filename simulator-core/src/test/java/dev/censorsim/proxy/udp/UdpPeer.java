package dev.censorsim.proxy.udp;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A blocking loopback UDP socket for tests: send, receive with a timeout, or drain until quiet. */
final class UdpPeer implements AutoCloseable {

    private final DatagramSocket socket;

    UdpPeer() throws IOException {
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket.setReceiveBufferSize(4 << 20);
        socket.setSendBufferSize(4 << 20);
    }

    InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    void send(byte[] payload, InetSocketAddress to) throws IOException {
        socket.send(new DatagramPacket(payload, payload.length, to));
    }

    /** The next datagram, or {@code null} after {@code timeoutMillis} of silence. */
    Received receive(int timeoutMillis) throws IOException {
        socket.setSoTimeout(timeoutMillis);
        byte[] buffer = new byte[65_535];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        try {
            socket.receive(packet);
        } catch (SocketTimeoutException e) {
            return null;
        }
        return new Received(Arrays.copyOf(buffer, packet.getLength()), (InetSocketAddress) packet.getSocketAddress(),
                System.nanoTime());
    }

    /** Everything that arrives until {@code quietMillis} pass without a datagram; at most {@code max}. */
    List<Received> drain(int quietMillis, int max) throws IOException {
        List<Received> all = new ArrayList<>();
        Received r;
        while (all.size() < max && (r = receive(quietMillis)) != null) {
            all.add(r);
        }
        return all;
    }

    @Override
    public void close() {
        socket.close();
    }

    record Received(byte[] payload, InetSocketAddress from, long atNanos) {
    }
}
