package dev.censorsim.proxy;

import java.util.Locale;

/** How a flow ended; the lower-case {@link #wireName()} is what flow logs show. */
public enum FlowEnd {
    /** The client finished first (FIN or close) and the flow wound down normally. */
    CLIENT_CLOSED,
    /** The server finished first and the flow wound down normally. */
    SERVER_CLOSED,
    /** A policy sent a TCP RST. */
    RESET,
    /** A policy black-holed the flow; it ended when the proxy or a peer closed it. */
    BLACKHOLED,
    /** A freeze policy let its allowance through and then black-holed the flow. */
    FROZEN,
    /** The upstream refused the connection. */
    REFUSED,
    /** The upstream did not answer within the connect timeout. */
    TIMEOUT,
    /** An I/O error (including a peer's RST) or a name that could not be resolved. */
    ERROR,
    /** Nothing was relayed for the idle timeout, so the proxy closed both sides with a FIN. */
    IDLE,
    /** A policy closed both sides with a FIN: a {@code stall} that timed out, or a {@code limit-data} reached. */
    POLICY_CLOSED,
    /** The proxy was shut down while the flow was open. */
    SHUTDOWN;

    private final String wireName = name().toLowerCase(Locale.ROOT).replace('_', '-');

    public String wireName() {
        return wireName;
    }
}
