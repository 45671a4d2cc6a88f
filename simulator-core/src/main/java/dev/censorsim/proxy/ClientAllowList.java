package dev.censorsim.proxy;

import dev.censorsim.policy.Cidr;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The client addresses the proxy serves, as CIDR blocks ({@code 10.0.0.0/8}, {@code ::1/128}, or a bare address for
 * one host). The default is loopback only, so a proxy bound to a public address is never an open relay by accident.
 * IPv4-mapped IPv6 clients ({@code ::ffff:10.1.2.3}) are matched as IPv4 (see {@link Cidr}).
 */
public final class ClientAllowList {

    /** {@code 127.0.0.0/8} and {@code ::1/128}. */
    public static final ClientAllowList LOOPBACK = parse(List.of("127.0.0.0/8", "::1/128"));

    private final Cidr[] blocks;

    private ClientAllowList(List<Cidr> blocks) {
        this.blocks = blocks.toArray(new Cidr[0]);
    }

    /**
     * Parses CIDR blocks. Addresses must be literals: a host name is rejected, never resolved.
     *
     * @throws IllegalArgumentException on a malformed block, naming it
     */
    public static ClientAllowList parse(List<String> cidrs) {
        List<Cidr> blocks = new ArrayList<>(cidrs.size());
        for (String cidr : cidrs) {
            try {
                blocks.add(Cidr.parse(cidr.trim()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("bad client CIDR '" + cidr + "': " + e.getMessage(), e);
            }
        }
        return new ClientAllowList(blocks);
    }

    public boolean allows(InetSocketAddress client) {
        return allows(client.getAddress());
    }

    public boolean allows(InetAddress address) {
        if (address == null) {
            return false;
        }
        for (Cidr block : blocks) {
            if (block.contains(address)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return java.util.Arrays.toString(blocks);
    }
}
