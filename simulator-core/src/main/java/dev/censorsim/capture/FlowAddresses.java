package dev.censorsim.capture;

import io.netty.util.NetUtil;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** Turns the flow table's 128-bit address words (IPv4 as IPv4-mapped) back into text and socket addresses. */
final class FlowAddresses {

    private FlowAddresses() {
    }

    /** {@code a.b.c.d:port} or {@code [v6]:port}, IPv6 in RFC 5952 form as tshark and {@code ss} print it. */
    static String text(long high, long low, int port) {
        if (FlowTable.isIpv4(high, low)) {
            return (low >>> 24 & 0xff) + "." + (low >>> 16 & 0xff) + "." + (low >>> 8 & 0xff) + "." + (low & 0xff)
                    + ":" + port;
        }
        return "[" + NetUtil.bytesToIpAddress(ipv6Bytes(high, low)) + "]:" + port;
    }

    /** The address as the proxy would see it: an {@code Inet4Address} for IPv4-mapped words, else IPv6. */
    static InetSocketAddress socketAddress(long high, long low, int port) {
        byte[] address;
        if (FlowTable.isIpv4(high, low)) {
            address = new byte[] {(byte) (low >>> 24), (byte) (low >>> 16), (byte) (low >>> 8), (byte) low};
        } else {
            address = ipv6Bytes(high, low);
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(address), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes are always an address", e);
        }
    }

    /** The address alone, as {@link #socketAddress} gives it. */
    static InetAddress address(long high, long low) {
        return socketAddress(high, low, 0).getAddress();
    }

    private static byte[] ipv6Bytes(long high, long low) {
        byte[] address = new byte[16];
        for (int i = 0; i < 8; i++) {
            address[i] = (byte) (high >>> (56 - 8 * i));
            address[8 + i] = (byte) (low >>> (56 - 8 * i));
        }
        return address;
    }
}
