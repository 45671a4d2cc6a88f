package dev.censorsim.messenger;

import dev.censorsim.dns.Zone;

import java.util.List;

/**
 * The scenario's {@code messenger.dns} block: the messenger resolves every name through a censorsim DNS server that
 * serves {@code zone} and applies the DNS rules of the phase's policy (the same policy holder as the proxy, so a phase
 * switch changes both).
 *
 * @param zone       the zone file the server serves, or {@code null} for a built-in zone in which every name the
 *                   scenario uses points at 127.0.0.1 with {@code ttlSeconds}
 * @param ttlSeconds the TTL of the built-in zone's records; ignored with a zone file, whose own TTLs count
 */
public record DnsSettings(Zone zone, long ttlSeconds) {

    /**
     * The built-in zone's default TTL. Short on purpose: a stub resolver caches answers for their TTL, so with a long
     * one a DNS rule would only bite minutes after a phase switch.
     */
    public static final long DEFAULT_TTL_SECONDS = 2;

    public DnsSettings {
        if (ttlSeconds < 1 || ttlSeconds > 86_400) {
            throw new IllegalArgumentException("the DNS ttl must be 1 s to 1 day, got " + ttlSeconds + " s");
        }
    }

    /** The zone the server serves: the zone file's, or every one of {@code names} at 127.0.0.1. */
    public Zone zoneFor(List<String> names) {
        if (zone != null) {
            return zone;
        }
        Zone.Builder builder = Zone.builder().ttl(ttlSeconds);
        names.forEach(name -> builder.a(name, "127.0.0.1"));
        return builder.build();
    }
}
