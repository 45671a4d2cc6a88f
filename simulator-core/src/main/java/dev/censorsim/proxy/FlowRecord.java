package dev.censorsim.proxy;

import io.netty.util.NetUtil;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What happened to one TCP flow, reported once when it ends.
 *
 * @param client         the client's address
 * @param server         the upstream address the proxy connected (or tried to connect) to; {@code null} when a
 *                       SOCKS target name could not be resolved
 * @param target         the SOCKS5 target host name as the client named it (ATYP domain), or {@code null}
 * @param serverName     the TLS SNI or HTTP Host the classifier saw, or {@code null}
 * @param ruleName       the matching rule, or {@code null} when the flow passed
 * @param action         the action's description, {@code "pass"} when no rule matched
 * @param bytesUp        client-to-server bytes the censor received from the client (forwarded or not)
 * @param bytesDown      server-to-client bytes the censor received from the server (forwarded or not)
 * @param durationNanos  from accept to the last socket closed
 * @param end            how the flow ended
 * @param detail         the error message for {@link FlowEnd#ERROR}, {@link FlowEnd#REFUSED} and
 *                       {@link FlowEnd#TIMEOUT}, how long the flow was idle for {@link FlowEnd#IDLE}, otherwise
 *                       {@code null}
 * @param earlierVerdicts verdicts the flow had before {@code ruleName}/{@code action}, oldest first, each as
 *                       {@code "rule: action until 1200ms"} or {@code "pass until 1200ms"}; empty unless a policy swap
 *                       changed the verdict
 * @param serverNameIsHttpHost {@code true} when {@code serverName} is an HTTP Host header, {@code false} when it is a
 *                       TLS SNI (or absent); the log line labels it {@code host=} or {@code sni=} accordingly
 */
public record FlowRecord(InetSocketAddress client, InetSocketAddress server, String target, String serverName,
                         String ruleName, String action, long bytesUp, long bytesDown, long durationNanos,
                         FlowEnd end, String detail, List<String> earlierVerdicts, boolean serverNameIsHttpHost) {

    public FlowRecord {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(end, "end");
        earlierVerdicts = earlierVerdicts == null ? List.of() : List.copyOf(earlierVerdicts);
    }

    /** A record whose server name, if any, is a TLS SNI. */
    public FlowRecord(InetSocketAddress client, InetSocketAddress server, String target, String serverName,
                      String ruleName, String action, long bytesUp, long bytesDown, long durationNanos, FlowEnd end,
                      String detail, List<String> earlierVerdicts) {
        this(client, server, target, serverName, ruleName, action, bytesUp, bytesDown, durationNanos, end, detail,
                earlierVerdicts, false);
    }

    /** A record of a flow whose verdict never changed. */
    public FlowRecord(InetSocketAddress client, InetSocketAddress server, String target, String serverName,
                      String ruleName, String action, long bytesUp, long bytesDown, long durationNanos, FlowEnd end,
                      String detail) {
        this(client, server, target, serverName, ruleName, action, bytesUp, bytesDown, durationNanos, end, detail,
                List.of(), false);
    }

    public Duration duration() {
        return Duration.ofNanos(durationNanos);
    }

    /**
     * One readable line, e.g. {@code 127.0.0.1:51234 -> 127.0.0.1:8443 sni=g.whatsapp.net rule=whatsapp-reset
     * action=reset up=517B down=0B 3ms end=reset} ({@code host=} instead of {@code sni=} for a plain-HTTP Host). A verdict changed by a policy swap shows its history after the
     * action: {@code action=reset was=[pass until 1200ms]}.
     */
    public String toLogLine() {
        StringBuilder line = new StringBuilder(160);
        line.append(format(client)).append(" -> ").append(server == null ? "?" : format(server));
        if (target != null) {
            line.append(" target=").append(target);
        }
        if (serverName != null) {
            line.append(serverNameIsHttpHost ? " host=" : " sni=").append(serverName);
        }
        line.append(" rule=").append(ruleName == null ? "-" : ruleName)
            .append(" action=").append(action);
        if (!earlierVerdicts.isEmpty()) {
            line.append(" was=[").append(String.join(", ", earlierVerdicts)).append(']');
        }
        line.append(" up=").append(bytesUp).append('B')
            .append(" down=").append(bytesDown).append('B')
            .append(' ').append(durationNanos / 1_000_000).append("ms")
            .append(" end=").append(end.wireName());
        if (detail != null) {
            line.append(" (").append(detail).append(')');
        }
        return line.toString();
    }

    /** {@code 127.0.0.1:80} or {@code [::1]:80}, never a reverse DNS lookup. */
    static String format(InetSocketAddress address) {
        if (address.isUnresolved()) {
            return address.getHostString() + ':' + address.getPort();
        }
        return NetUtil.toSocketAddressString(address);
    }
}
