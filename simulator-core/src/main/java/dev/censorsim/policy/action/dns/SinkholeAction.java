package dev.censorsim.policy.action.dns;

import io.netty.util.NetUtil;

import java.util.Arrays;

/**
 * {@code sinkhole}: answer A with {@code ipv4Address} and AAAA with {@code ipv6Address} (a block page, or 127.0.0.1 as
 * Turkmenistan does); other types and a missing family get NODATA. Addresses are raw 4- and 16-byte arrays, parsed
 * from literals only, so a policy can never make the simulator resolve a name.
 */
public record SinkholeAction(byte[] ipv4Address, byte[] ipv6Address, long ttlSeconds) implements DnsAction {

    public static final String TYPE = "sinkhole";

    public SinkholeAction {
        if (ipv4Address == null && ipv6Address == null) {
            throw new IllegalArgumentException("a sinkhole needs an ipv4 or an ipv6 address");
        }
        if (ipv4Address != null && ipv4Address.length != 4 || ipv6Address != null && ipv6Address.length != 16) {
            throw new IllegalArgumentException("ipv4 must be 4 bytes and ipv6 16 bytes");
        }
        if (ttlSeconds < 0 || ttlSeconds > TtlAction.MAX_TTL_SECONDS) {
            throw new IllegalArgumentException("ttl must be within 0.." + TtlAction.MAX_TTL_SECONDS + " s");
        }
        ipv4Address = ipv4Address == null ? null : ipv4Address.clone();
        ipv6Address = ipv6Address == null ? null : ipv6Address.clone();
    }

    @Override
    public byte[] ipv4Address() {
        return ipv4Address == null ? null : ipv4Address.clone();
    }

    @Override
    public byte[] ipv6Address() {
        return ipv6Address == null ? null : ipv6Address.clone();
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void apply(DnsAnswerControl answer) {
        // The server only reads the arrays into a buffer, so handing out the record's own copies is safe.
        answer.sinkhole(ipv4Address, ipv6Address, ttlSeconds);
    }

    @Override
    public String describe() {
        StringBuilder sb = new StringBuilder(TYPE);
        if (ipv4Address != null) {
            sb.append(' ').append(NetUtil.bytesToIpAddress(ipv4Address));
        }
        if (ipv6Address != null) {
            sb.append(' ').append(NetUtil.bytesToIpAddress(ipv6Address));
        }
        return sb.append(" ttl ").append(ttlSeconds).append('s').toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SinkholeAction s && Arrays.equals(s.ipv4Address, ipv4Address)
                && Arrays.equals(s.ipv6Address, ipv6Address) && s.ttlSeconds == ttlSeconds;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(ipv4Address) + Arrays.hashCode(ipv6Address))
                + Long.hashCode(ttlSeconds);
    }

    @Override
    public String toString() {
        return describe();
    }
}
