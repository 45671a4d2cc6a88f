package dev.censorsim.policy;

import io.netty.util.NetUtil;

import java.net.InetAddress;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 network in CIDR notation ({@code 10.0.0.0/8}, {@code 2001:db8::/32}); a bare address is a /32 or
 * /128. Matching compares the address bytes under the prefix mask, with no allocation and no name lookups: parsing
 * only accepts address literals, so a policy file can never make the simulator resolve a name.
 *
 * <p>An IPv4-mapped IPv6 address ({@code ::ffff:10.1.2.3}, what a dual-stack socket may report) matches IPv4
 * networks, because the censor sees the IPv4 packet.
 */
public final class Cidr {

    private static final int[] V4_MAPPED_PREFIX = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

    private final byte[] network;
    private final int prefixLength;

    private Cidr(byte[] network, int prefixLength) {
        this.network = network;
        this.prefixLength = prefixLength;
    }

    /**
     * Parses {@code address[/prefix]}.
     *
     * @throws IllegalArgumentException for a malformed address or prefix, or when bits below the prefix are set
     *                                  ({@code 10.0.0.1/8} is almost always a typo for {@code 10.0.0.0/8} or
     *                                  {@code 10.0.0.1/32})
     */
    public static Cidr parse(String text) {
        String s = text == null ? "" : text.strip();
        int slash = s.indexOf('/');
        String address = slash < 0 ? s : s.substring(0, slash);
        byte[] bytes = address.indexOf('%') >= 0 ? null : NetUtil.createByteArrayFromIpAddressString(address);
        if (bytes == null) {
            throw new IllegalArgumentException("expected an IPv4 or IPv6 address or CIDR such as 10.0.0.0/8 or "
                    + "2001:db8::/32, got '" + text + "'");
        }
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            String p = s.substring(slash + 1);
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("expected a prefix length 0.." + max + " after '/', got '"
                        + text + "'");
            }
            prefix = Integer.parseInt(p);
            if (prefix > max) {
                throw new IllegalArgumentException("prefix length " + prefix + " exceeds " + max + " in '" + text
                        + "'");
            }
        }
        byte[] masked = bytes.clone();
        mask(masked, prefix);
        if (!Arrays.equals(masked, bytes)) {
            throw new IllegalArgumentException("host bits set in '" + text + "'; did you mean "
                    + NetUtil.bytesToIpAddress(masked) + "/" + prefix + "?");
        }
        return new Cidr(masked, prefix);
    }

    public int prefixLength() {
        return prefixLength;
    }

    public boolean isIpv6() {
        return network.length == 16;
    }

    /** Whether {@code address} lies in this network; {@code false} for {@code null} or the other family. */
    public boolean contains(InetAddress address) {
        return address != null && contains(address.getAddress());
    }

    /** Whether the raw 4- or 16-byte address lies in this network. */
    public boolean contains(byte[] address) {
        if (address == null) {
            return false;
        }
        int offset = 0;
        if (address.length != network.length) {
            if (network.length == 4 && address.length == 16 && isV4Mapped(address)) {
                offset = 12;
            } else {
                return false;
            }
        }
        int fullBytes = prefixLength >>> 3;
        for (int i = 0; i < fullBytes; i++) {
            if (address[offset + i] != network[i]) {
                return false;
            }
        }
        int rest = prefixLength & 7;
        if (rest == 0) {
            return true;
        }
        int m = (0xff00 >>> rest) & 0xff;
        return (address[offset + fullBytes] & m) == (network[fullBytes] & 0xff);
    }

    private static boolean isV4Mapped(byte[] a) {
        for (int i = 0; i < V4_MAPPED_PREFIX.length; i++) {
            if ((a[i] & 0xff) != V4_MAPPED_PREFIX[i]) {
                return false;
            }
        }
        return true;
    }

    private static void mask(byte[] bytes, int prefix) {
        for (int i = 0; i < bytes.length; i++) {
            int bitsHere = Math.max(0, Math.min(8, prefix - i * 8));
            bytes[i] &= (byte) ((0xff00 >>> bitsHere) & 0xff);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr && ((Cidr) o).prefixLength == prefixLength && Arrays.equals(((Cidr) o).network, network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefixLength;
    }

    /** Canonical form, e.g. {@code 10.0.0.0/8} or {@code 2001:db8::/32}. */
    @Override
    public String toString() {
        return NetUtil.bytesToIpAddress(network) + "/" + prefixLength;
    }
}
