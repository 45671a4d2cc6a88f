package dev.censorsim.control;

import dev.censorsim.proxy.FlowRecord;
import dev.censorsim.proxy.LiveFlow;
import dev.censorsim.proxy.udp.UdpFlowRecord;
import io.netty.util.NetUtil;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One flow as the control API shows it, live or ended: which front end, who, to where, by which names, what the
 * censor did to it and how many bytes it saw each way.
 *
 * @param front     the front end: {@code socks}, {@code http}, {@code socks-udp} or a forward's name
 * @param client    client address, {@code 127.0.0.1:51234}
 * @param server    upstream address, or {@code null} when a name did not resolve
 * @param names     the names the flow was known by: the requested target, then the SNI or Host if different
 * @param protocol  {@code tls}, {@code http}, {@code quic}, ..., or {@code null} while still being inspected
 * @param rule      the rule of the (last) verdict, or {@code null} when the flow passed
 * @param action    the action's description, {@code pass} when none
 * @param bytesUp   client-to-server bytes the censor received
 * @param bytesDown server-to-client bytes the censor received
 * @param ageMillis since the flow started (for an ended flow: how long it lived)
 * @param end       how it ended; while live, how it is ending once that is decided (a reset already sent), else
 *                  {@code null}
 */
public record FlowView(String front, String client, String server, List<String> names, String protocol, String rule,
                       String action, long bytesUp, long bytesDown, long ageMillis, String end) {

    public static FlowView live(String front, LiveFlow flow) {
        return new FlowView(front, format(flow.client()), format(flow.server()),
                names(flow.target(), flow.serverName()), flow.protocol(), flow.ruleName(), flow.action(),
                flow.bytesUp(), flow.bytesDown(), flow.ageNanos() / 1_000_000,
                flow.ending() == null ? null : flow.ending().wireName());
    }

    public static FlowView ended(String front, FlowRecord record) {
        return new FlowView(front, format(record.client()), format(record.server()),
                names(record.target(), record.serverName()), null, record.ruleName(), record.action(),
                record.bytesUp(), record.bytesDown(), record.durationNanos() / 1_000_000, record.end().wireName());
    }

    public static FlowView ended(String front, UdpFlowRecord record) {
        return new FlowView(front, format(record.client()), format(record.server()),
                names(null, record.serverName()), record.protocol().name().toLowerCase(Locale.ROOT),
                record.ruleName(), record.action(), record.bytesUp(), record.bytesDown(),
                record.durationNanos() / 1_000_000, record.end().wireName());
    }

    /** The JSON object, snake_case keys, nulls kept so every flow has the same shape. */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("front", front);
        json.put("client", client);
        json.put("server", server);
        json.put("names", names);
        json.put("protocol", protocol);
        json.put("rule", rule);
        json.put("action", action);
        json.put("bytes_up", bytesUp);
        json.put("bytes_down", bytesDown);
        json.put("age_ms", ageMillis);
        json.put("end", end);
        return json;
    }

    private static List<String> names(String target, String serverName) {
        List<String> names = new ArrayList<>(2);
        if (target != null) {
            names.add(target);
        }
        if (serverName != null && !serverName.equalsIgnoreCase(target)) {
            names.add(serverName);
        }
        return List.copyOf(names);
    }

    private static String format(InetSocketAddress address) {
        if (address == null) {
            return null;
        }
        return address.isUnresolved() ? address.getHostString() + ':' + address.getPort()
                : NetUtil.toSocketAddressString(address);
    }
}
