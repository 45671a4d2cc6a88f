package dev.censorsim.proxy;

import java.net.InetSocketAddress;

/**
 * A live TCP flow as seen at one instant, for a control API's flow list.
 *
 * @param client     the client's address
 * @param server     the upstream address
 * @param target     the name the client asked for (SOCKS5 domain, CONNECT host, absolute-URI host), or {@code null}
 * @param serverName the TLS SNI or HTTP Host seen so far, or {@code null}
 * @param protocol   what the first client bytes were classified as ({@code tls}, {@code http}, {@code unknown}), or
 *                   {@code null} while they are still being inspected
 * @param ruleName   the rule of the current verdict, or {@code null} when the flow passes
 * @param action     the current action's description, {@code "pass"} when none
 * @param bytesUp    client-to-server bytes received so far
 * @param bytesDown  server-to-client bytes received so far
 * @param ageNanos   since the client was accepted
 * @param ending     how the flow is ending when that is already decided but its sockets are not yet closed (a reset
 *                   sent, an idle or policy close under way), or {@code null}: the peer may see the RST before the
 *                   flow leaves the live list, and the list must not say it is still open
 */
public record LiveFlow(InetSocketAddress client, InetSocketAddress server, String target, String serverName,
                       String protocol, String ruleName, String action, long bytesUp, long bytesDown, long ageNanos,
                       FlowEnd ending) {
}
