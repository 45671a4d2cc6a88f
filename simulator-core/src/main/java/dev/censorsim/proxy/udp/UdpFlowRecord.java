package dev.censorsim.proxy.udp;

import dev.censorsim.classify.Protocol;
import io.netty.util.NetUtil;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * What happened to one UDP flow, reported once when it ends. Counts are of datagrams the relay received; the dropped
 * ones are included in them and also counted apart.
 *
 * @param client        the client's address
 * @param server        the destination
 * @param protocol      what the datagrams were recognised as
 * @param serverName    the SNI of the flow's own QUIC ClientHello, or {@code null}
 * @param ruleName      the last rule that matched, or {@code null} when the flow passed
 * @param action        that rule's UDP action description, {@code "pass"} when none
 * @param packetsUp     client-to-server datagrams received
 * @param bytesUp       their UDP payload bytes
 * @param droppedUp     of those, datagrams the policy dropped
 * @param packetsDown   server-to-client datagrams received
 * @param bytesDown     their UDP payload bytes
 * @param droppedDown   of those, datagrams the policy dropped
 * @param durationNanos from the first datagram to the end
 * @param end           how the flow ended
 */
public record UdpFlowRecord(InetSocketAddress client, InetSocketAddress server, Protocol protocol, String serverName,
                            String ruleName, String action, long packetsUp, long bytesUp, long droppedUp, long packetsDown,
                            long bytesDown, long droppedDown, long durationNanos, UdpFlowEnd end) {

    public UdpFlowRecord {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(end, "end");
    }

    public Duration duration() {
        return Duration.ofNanos(durationNanos);
    }

    /**
     * One readable line in the TCP proxy's style, e.g. {@code udp 127.0.0.1:40000 -> 127.0.0.1:3478 proto=rtp
     * rule=calls action=drop up=250p/40000B (250 dropped) down=0p/0B 5002ms end=idle}.
     */
    public String toLogLine() {
        StringBuilder line = new StringBuilder(160);
        line.append("udp ").append(NetUtil.toSocketAddressString(client)).append(" -> ")
            .append(NetUtil.toSocketAddressString(server))
            .append(" proto=").append(protocol.wireName());
        if (serverName != null) {
            line.append(" sni=").append(serverName);
        }
        line.append(" rule=").append(ruleName == null ? "-" : ruleName)
            .append(" action=").append(action);
        direction(line, " up=", packetsUp, bytesUp, droppedUp);
        direction(line, " down=", packetsDown, bytesDown, droppedDown);
        line.append(' ').append(durationNanos / 1_000_000).append("ms")
            .append(" end=").append(end.wireName());
        return line.toString();
    }

    private static void direction(StringBuilder line, String label, long packets, long bytes, long dropped) {
        line.append(label).append(packets).append("p/").append(bytes).append('B');
        if (dropped > 0) {
            line.append(" (").append(dropped).append(" dropped)");
        }
    }
}
