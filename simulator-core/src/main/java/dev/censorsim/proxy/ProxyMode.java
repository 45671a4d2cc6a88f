package dev.censorsim.proxy;

/** How the proxy learns where a client wants to go. */
public enum ProxyMode {
    /** Every client is forwarded to one fixed upstream address. */
    FORWARD,
    /** Clients name their target with a SOCKS5 CONNECT (RFC 1928, no authentication). */
    SOCKS,
    /**
     * Clients name their target with an HTTP/1.1 {@code CONNECT host:port} (RFC 9110 section 9.3.6), or send a
     * plain-HTTP request with an absolute URI, which is forwarded to the URI's host.
     */
    HTTP,
    /**
     * Clients are intercepted by the kernel (nftables TPROXY) and never dial the proxy: the accepted socket's local
     * address is the flow's original destination, which {@link ProxyOptions#transparentRoute()} maps to the upstream.
     * Needs the epoll transport ({@code IP_TRANSPARENT}).
     */
    TRANSPARENT
}
