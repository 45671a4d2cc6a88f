package dev.censorsim.proxy;

import io.netty.util.NetUtil;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The client addresses the proxy serves, as CIDR blocks ({@code 10.0.0.0/8}, {@code ::1/128}, or a bare address for
 * one host). The default is loopback only, so a proxy bound to a public address is never an open relay by accident.
 * IPv4-mapped IPv6 clients ({@code ::ffff:10.1.2.3}) are matched as IPv4.
 */
public final class ClientAllowList {

    /** {@code 127.0.0.0/8} and {@code ::1/128}. */
    public static final ClientAllowList LOOPBACK = parse(List.of("127.0.0.0/8", "::1/128"));

    private final List<Block> blocks;

    private ClientAllowList(List<Block> blocks) {
        this.blocks = List.copyOf(blocks);
    }

    /**
     * Parses CIDR blocks. Addresses must be literals: a host name is rejected, never resolved.
     *
     * @throws IllegalArgumentException on a malformed block
     */
    public static ClientAllowList parse(List<String> cidrs) {
        List<Block> blocks = new ArrayList<>(cidrs.size());
        for (String cidr : cidrs) {
            blocks.add(Block.parse(cidr.trim()));
        }
        return new ClientAllowList(blocks);
    }

    public boolean allows(InetSocketAddress client) {
        InetAddress address = client.getAddress();
        return address != null && allows(address);
    }

    public boolean allows(InetAddress address) {
        byte[] bytes = unmapIpv4(address.getAddress());
        for (Block block : blocks) {
            if (block.contains(bytes)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return blocks.toString();
    }

    private static byte[] unmapIpv4(byte[] address) {
        if (address.length != 16) {
            return address;
        }
        for (int i = 0; i < 10; i++) {
            if (address[i] != 0) {
                return address;
            }
        }
        if (address[10] != (byte) 0xff || address[11] != (byte) 0xff) {
            return address;
        }
        return Arrays.copyOfRange(address, 12, 16);
    }

    private record Block(byte[] network, int prefixBits, String text) {

        static Block parse(String cidr) {
            int slash = cidr.indexOf('/');
            String addressText = slash < 0 ? cidr : cidr.substring(0, slash);
            byte[] address = NetUtil.createByteArrayFromIpAddressString(addressText);
            if (address == null) {
                throw new IllegalArgumentException("not an IP address literal in client CIDR '" + cidr + "'");
            }
            address = unmapIpv4(address);
            int maxBits = address.length * 8;
            int bits = maxBits;
            if (slash >= 0) {
                try {
                    bits = Integer.parseInt(cidr.substring(slash + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad prefix length in client CIDR '" + cidr + "'");
                }
                if (bits < 0 || bits > maxBits) {
                    throw new IllegalArgumentException("prefix length must be 0.." + maxBits + " in '" + cidr + "'");
                }
            }
            return new Block(address, bits, cidr);
        }

        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = prefixBits / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefixBits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xff << (8 - rest) & 0xff;
            return (address[full] & mask) == (network[full] & mask);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
