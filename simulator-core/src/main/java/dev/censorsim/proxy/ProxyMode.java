package dev.censorsim.proxy;

/** How the proxy learns where a client wants to go. */
public enum ProxyMode {
    /** Every client is forwarded to one fixed upstream address. */
    FORWARD,
    /** Clients name their target with a SOCKS5 CONNECT (RFC 1928, no authentication). */
    SOCKS,
    /**
     * Clients are intercepted by the kernel (nftables TPROXY) and never dial the proxy: the accepted socket's local
     * address is the flow's original destination, which {@link ProxyOptions#transparentRoute()} maps to the upstream.
     * Needs the epoll transport ({@code IP_TRANSPARENT}).
     */
    TRANSPARENT
}
