package dev.censorsim.dns;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Response-rate limiting for UDP, per client network: a /24 for IPv4 and a /56 for IPv6 (the sizes BIND's RRL uses, as
 * one host or one customer's prefix), each a token bucket of {@code responsesPerSecond} with one second of burst.
 * Over the rate a response is sent truncated (TC=1, no records: a real client retries over TCP, where spoofing is
 * impossible, and a spoofed victim gets a few dozen bytes) or dropped.
 *
 * <p>Threading: used only by the UDP channel's handler, which runs on one event loop, so nothing is synchronised. The
 * table is bounded: past {@link #MAX_NETWORKS} it forgets the networks whose buckets have refilled.
 */
final class ResponseRateLimiter {

    static final int MAX_NETWORKS = 65_536;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final long responsesPerSecond;
    private final boolean includeLoopback;
    /** Network key to {tokens scaled by 1e9, last refill nanos}. */
    private final Map<Long, long[]> buckets = new HashMap<>();

    ResponseRateLimiter(int responsesPerSecond, boolean includeLoopback) {
        if (responsesPerSecond <= 0) {
            throw new IllegalArgumentException("responsesPerSecond must be > 0, got " + responsesPerSecond);
        }
        this.responsesPerSecond = responsesPerSecond;
        this.includeLoopback = includeLoopback;
    }

    /** Whether a response to {@code client} at {@code nowNanos} is within the rate; takes a token when it is. */
    boolean allow(InetAddress client, long nowNanos) {
        if (!includeLoopback && client.isLoopbackAddress()) {
            return true;
        }
        long capacity = responsesPerSecond * NANOS_PER_SECOND;
        long[] bucket = buckets.get(key(client));
        if (bucket == null) {
            if (buckets.size() >= MAX_NETWORKS) {
                evictFull(nowNanos, capacity);
            }
            bucket = new long[] {capacity, nowNanos};
            buckets.put(key(client), bucket);
        }
        // Tokens are kept in token-nanoseconds, so the refill (rate * elapsed) is exact integer arithmetic.
        long elapsed = Math.max(0, nowNanos - bucket[1]);
        bucket[0] = elapsed >= NANOS_PER_SECOND ? capacity
                : Math.min(capacity, bucket[0] + responsesPerSecond * elapsed);
        bucket[1] = nowNanos;
        if (bucket[0] < NANOS_PER_SECOND) {
            return false;
        }
        bucket[0] -= NANOS_PER_SECOND;
        return true;
    }

    /** Networks currently tracked. */
    int size() {
        return buckets.size();
    }

    private void evictFull(long nowNanos, long capacity) {
        for (Iterator<long[]> it = buckets.values().iterator(); it.hasNext(); ) {
            long[] b = it.next();
            if (nowNanos - b[1] >= NANOS_PER_SECOND || b[0] >= capacity) {
                it.remove();
            }
        }
        if (buckets.size() >= MAX_NETWORKS) {
            buckets.clear(); // a flood from more networks than the table holds: start over rather than grow
        }
    }

    /** The client's /24 (IPv4) or /56 (IPv6) as a long; the top bit tells the families apart. */
    private static long key(InetAddress client) {
        byte[] a = client.getAddress();
        if (client instanceof Inet4Address) {
            return (a[0] & 0xffL) << 16 | (a[1] & 0xffL) << 8 | (a[2] & 0xffL);
        }
        long key = 1L << 63;
        for (int i = 0; i < 7; i++) {
            key |= (a[i] & 0xffL) << (8 * (6 - i));
        }
        return key;
    }
}
