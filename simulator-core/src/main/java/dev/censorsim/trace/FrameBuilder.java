package dev.censorsim.trace;

import java.util.Arrays;

/**
 * Builds whole Ethernet frames (optionally 802.1Q-tagged) carrying IPv4 or IPv6 with TCP or UDP, checksums included,
 * the way a capture on a client's access link shows them. Addresses are 4 bytes (IPv4) or 16 bytes (IPv6).
 * Generation-time code: allocates a fresh array per frame.
 */
public final class FrameBuilder {

    public static final int TCP_FIN = 0x01;
    public static final int TCP_SYN = 0x02;
    public static final int TCP_RST = 0x04;
    public static final int TCP_PSH = 0x08;
    public static final int TCP_ACK = 0x10;
    /** No VLAN tag. */
    public static final int NO_VLAN = -1;

    private static final int ETHERNET_HEADER = 14;
    private static final int VLAN_TAG = 4;
    private static final int IPV4_HEADER = 20;
    private static final int IPV6_HEADER = 40;
    private static final int TCP_HEADER = 20;
    private static final int UDP_HEADER = 8;
    private static final int PROTOCOL_TCP = 6;
    private static final int PROTOCOL_UDP = 17;

    private FrameBuilder() {
    }

    /** A TCP segment from {@code source:sourcePort} to {@code destination:destinationPort}. */
    public static byte[] tcp(byte[] source, int sourcePort, byte[] destination, int destinationPort, int sequence,
                             int acknowledgment, int flags, byte[] payload, int offset, int length, int vlanId) {
        byte[] frame = ipFrame(source, destination, PROTOCOL_TCP, TCP_HEADER + length, vlanId);
        int l4 = frame.length - TCP_HEADER - length;
        putShort(frame, l4, sourcePort);
        putShort(frame, l4 + 2, destinationPort);
        putInt(frame, l4 + 4, sequence);
        putInt(frame, l4 + 8, (flags & TCP_ACK) != 0 ? acknowledgment : 0);
        frame[l4 + 12] = (byte) (TCP_HEADER / 4 << 4);
        frame[l4 + 13] = (byte) flags;
        putShort(frame, l4 + 14, 65_535);
        System.arraycopy(payload, offset, frame, l4 + TCP_HEADER, length);
        putShort(frame, l4 + 16, transportChecksum(frame, source, destination, PROTOCOL_TCP, l4));
        return frame;
    }

    /** A UDP datagram from {@code source:sourcePort} to {@code destination:destinationPort}. */
    public static byte[] udp(byte[] source, int sourcePort, byte[] destination, int destinationPort, byte[] payload,
                             int offset, int length, int vlanId) {
        byte[] frame = ipFrame(source, destination, PROTOCOL_UDP, UDP_HEADER + length, vlanId);
        int l4 = frame.length - UDP_HEADER - length;
        putShort(frame, l4, sourcePort);
        putShort(frame, l4 + 2, destinationPort);
        putShort(frame, l4 + 4, UDP_HEADER + length);
        System.arraycopy(payload, offset, frame, l4 + UDP_HEADER, length);
        int checksum = transportChecksum(frame, source, destination, PROTOCOL_UDP, l4);
        // RFC 768: a computed zero is sent as all ones (zero means "no checksum").
        putShort(frame, l4 + 6, checksum == 0 ? 0xffff : checksum);
        return frame;
    }

    private static byte[] ipFrame(byte[] source, byte[] destination, int protocol, int l4Length, int vlanId) {
        boolean v6 = source.length == 16;
        if (source.length != destination.length || (source.length != 4 && !v6)) {
            throw new IllegalArgumentException("addresses must both be 4 or both 16 bytes");
        }
        int l2 = ETHERNET_HEADER + (vlanId >= 0 ? VLAN_TAG : 0);
        int ipHeader = v6 ? IPV6_HEADER : IPV4_HEADER;
        byte[] frame = new byte[l2 + ipHeader + l4Length];
        // Locally administered MACs derived from the IPs, so each host keeps one MAC across the trace.
        mac(frame, 0, destination);
        mac(frame, 6, source);
        int at = 12;
        if (vlanId >= 0) {
            putShort(frame, at, 0x8100);
            putShort(frame, at + 2, vlanId & 0x0fff);
            at += VLAN_TAG;
        }
        putShort(frame, at, v6 ? 0x86dd : 0x0800);
        int ip = l2;
        if (v6) {
            frame[ip] = 0x60;
            putShort(frame, ip + 4, l4Length);
            frame[ip + 6] = (byte) protocol;
            frame[ip + 7] = 64;
            System.arraycopy(source, 0, frame, ip + 8, 16);
            System.arraycopy(destination, 0, frame, ip + 24, 16);
        } else {
            frame[ip] = 0x45;
            putShort(frame, ip + 2, IPV4_HEADER + l4Length);
            putShort(frame, ip + 6, 0x4000);
            frame[ip + 8] = 64;
            frame[ip + 9] = (byte) protocol;
            System.arraycopy(source, 0, frame, ip + 12, 4);
            System.arraycopy(destination, 0, frame, ip + 16, 4);
            putShort(frame, ip + 10, ~fold(sum(frame, ip, IPV4_HEADER, 0)) & 0xffff);
        }
        return frame;
    }

    private static void mac(byte[] frame, int at, byte[] ip) {
        frame[at] = 0x02;
        frame[at + 1] = 0x00;
        int n = ip.length;
        frame[at + 2] = ip[n - 4];
        frame[at + 3] = ip[n - 3];
        frame[at + 4] = ip[n - 2];
        frame[at + 5] = ip[n - 1];
    }

    /** RFC 793 §3.1 / RFC 768 / RFC 8200 §8.1: one's complement sum over the pseudo-header and the segment. */
    private static int transportChecksum(byte[] frame, byte[] source, byte[] destination, int protocol, int l4) {
        int length = frame.length - l4;
        long acc = sum(source, 0, source.length, 0);
        acc = sum(destination, 0, destination.length, acc);
        acc += protocol + length;
        acc = sum(frame, l4, length, acc);
        return ~fold(acc) & 0xffff;
    }

    private static long sum(byte[] data, int offset, int length, long acc) {
        int i = offset;
        int end = offset + length;
        for (; i + 1 < end; i += 2) {
            acc += (data[i] & 0xff) << 8 | (data[i + 1] & 0xff);
        }
        if (i < end) {
            acc += (data[i] & 0xff) << 8;
        }
        return acc;
    }

    private static int fold(long acc) {
        while (acc >>> 16 != 0) {
            acc = (acc & 0xffff) + (acc >>> 16);
        }
        return (int) acc;
    }

    static void putShort(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 8);
        b[at + 1] = (byte) v;
    }

    static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    /** Convenience for tests and callers: the whole payload. */
    public static byte[] udp(byte[] source, int sourcePort, byte[] destination, int destinationPort, byte[] payload) {
        return udp(source, sourcePort, destination, destinationPort, payload, 0, payload.length, NO_VLAN);
    }

    /** Convenience for tests and callers: the whole payload, no VLAN. */
    public static byte[] tcp(byte[] source, int sourcePort, byte[] destination, int destinationPort, int sequence,
                             int acknowledgment, int flags, byte[] payload) {
        return tcp(source, sourcePort, destination, destinationPort, sequence, acknowledgment, flags, payload, 0,
                payload.length, NO_VLAN);
    }

    static byte[] copy(byte[] b) {
        return Arrays.copyOf(b, b.length);
    }
}
