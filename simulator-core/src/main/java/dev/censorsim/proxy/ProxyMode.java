package dev.censorsim.proxy;

/** How the proxy learns where a client wants to go. */
public enum ProxyMode {
    /** Every client is forwarded to one fixed upstream address. */
    FORWARD,
    /** Clients name their target with a SOCKS5 CONNECT (RFC 1928, no authentication). */
    SOCKS
}
