package dev.censorsim.transparent;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Set;

/**
 * The addresses of one interception's link: a /24 of the benchmarking range 198.18.0.0/15 (RFC 2544), never routed
 * on the Internet, and a /64 of the documentation prefix 2001:db8::/32 (RFC 3849). {@code .1}/{@code ::1} is the
 * host side, where censorsim's listeners and DNS server live; {@code .2}/{@code ::2} is the namespace; {@code .16}
 * and up ({@code ::10} and up) are the {@code --host} names' made-up servers.
 *
 * @param index which /24 (0..511) and /64 this is
 */
record Subnet(int index) {

    static final int COUNT = 512;
    static final int MAX_HOSTS = 200;
    private static final int FIRST_HOST = 16;

    Subnet {
        if (index < 0 || index >= COUNT) {
            throw new IllegalArgumentException("subnet index out of range: " + index);
        }
    }

    /** The first /24 from {@code start} on whose prefix appears nowhere in {@code addressesInUse} (ip addr text). */
    static Subnet firstFree(int start, String addressesInUse) {
        for (int i = 0; i < COUNT; i++) {
            Subnet candidate = new Subnet(Math.floorMod(start + i, COUNT));
            if (!addressesInUse.contains(candidate.v4Prefix()) && !addressesInUse.contains(candidate.v6Prefix())) {
                return candidate;
            }
        }
        throw new IllegalStateException("all " + COUNT + " subnets of 198.18.0.0/15 are in use");
    }

    /** {@code 198.18.5.} for index 5, {@code 198.19.4.} for index 260. */
    String v4Prefix() {
        return "198." + (18 + index / 256) + "." + (index % 256) + ".";
    }

    /** {@code 2001:db8:c5:1f::} for index 31. */
    String v6Prefix() {
        return "2001:db8:c5:" + Integer.toHexString(index) + "::";
    }

    InetAddress hostV4() {
        return address(v4Prefix() + 1);
    }

    InetAddress namespaceV4() {
        return address(v4Prefix() + 2);
    }

    InetAddress hostV6() {
        return address(v6Prefix() + 1);
    }

    InetAddress namespaceV6() {
        return address(v6Prefix() + 2);
    }

    /** The made-up IPv4 server of the {@code i}-th {@code --host} name. */
    InetAddress serverV4(int i) {
        checkHost(i);
        return address(v4Prefix() + (FIRST_HOST + i));
    }

    InetAddress serverV6(int i) {
        checkHost(i);
        return address(v6Prefix() + Integer.toHexString(FIRST_HOST + i));
    }

    /** The client networks the listeners admit: the namespace's side of the link, nothing else. */
    Set<String> clientCidrs() {
        return Set.of(v4Prefix() + "2/32", v6Prefix() + "2/128");
    }

    private static void checkHost(int i) {
        if (i < 0 || i >= MAX_HOSTS) {
            throw new IllegalArgumentException("at most " + MAX_HOSTS + " --host names");
        }
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(literal, e);
        }
    }
}
