package dev.censorsim.proxy.udp;

import java.util.Locale;

/** How a UDP flow ended; the lower-case {@link #wireName()} is what flow logs show. */
public enum UdpFlowEnd {
    /** No datagram either way for the idle timeout. */
    IDLE,
    /** The SOCKS5 control connection that owned the UDP association closed. */
    CONTROL_CLOSED,
    /** The upstream socket failed (e.g. ICMP port unreachable surfaced as an error). */
    ERROR,
    /** The relay was closed while the flow was open. */
    SHUTDOWN;

    private final String wireName = name().toLowerCase(Locale.ROOT).replace('_', '-');

    public String wireName() {
        return wireName;
    }
}
