package dev.censorsim.metrics;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A named figure a scenario phase reports, with its unit. The names are product API: scenario files use them in
 * expectations ({@code chat.delivered_ratio >= 0.99}), and {@code report.json} keys its metrics by them.
 *
 * <p>Units are fixed per metric so an expectation never has to guess: latencies in milliseconds, throughput in bits per
 * second, ratios in [0, 1], durations in seconds, everything else a count. A ratio whose denominator is zero is absent
 * from a phase, never 0 or NaN, so an expectation over it fails with "not measured" instead of passing by accident.
 *
 * @param name        the dotted name, e.g. {@code chat.latency.p99}
 * @param unit        the unit the value is in
 * @param description one line for reports and {@code scenario validate}
 */
public record Metric(String name, Unit unit, String description) {

    /** The unit a metric's value is expressed in. */
    public enum Unit {
        COUNT(""), RATIO(""), MILLISECONDS("ms"), SECONDS("s"), BITS_PER_SECOND("bit/s"),
        /** A mean opinion score, 1 (bad) to 4.5 (the E-model's best). */
        SCORE("");

        private final String symbol;

        Unit(String symbol) {
            this.symbol = symbol;
        }

        /** The suffix reports print after a value, empty for counts and ratios. */
        public String symbol() {
            return symbol;
        }
    }

    private static final Map<String, Metric> KNOWN = new LinkedHashMap<>();

    /** The prefix of the figures measured on a scenario's control name: {@code control.chat.delivered_ratio}. */
    public static final String CONTROL_PREFIX = "control.";

    // Chat: framed messages over a long-lived TLS connection, each acknowledged by the server.
    public static final Metric CHAT_SENT = define("chat.sent", Unit.COUNT, "chat messages sent");
    public static final Metric CHAT_DELIVERED = define("chat.delivered", Unit.COUNT, "chat messages acknowledged in time");
    public static final Metric CHAT_FAILED = define("chat.failed", Unit.COUNT,
            "chat messages lost to a connection failure");
    public static final Metric CHAT_TIMED_OUT = define("chat.timed_out", Unit.COUNT,
            "chat messages not acknowledged within the timeout");
    public static final Metric CHAT_DELIVERED_RATIO = define("chat.delivered_ratio", Unit.RATIO,
            "delivered / (delivered + failed + timed out), over messages whose fate was decided in the phase");
    public static final Metric CHAT_LATENCY_P50 = define("chat.latency.p50", Unit.MILLISECONDS,
            "median delivery latency, from the intended send time to the ack");
    public static final Metric CHAT_LATENCY_P90 = define("chat.latency.p90", Unit.MILLISECONDS,
            "90th percentile delivery latency");
    public static final Metric CHAT_LATENCY_P99 = define("chat.latency.p99", Unit.MILLISECONDS,
            "99th percentile delivery latency");
    public static final Metric CHAT_LATENCY_MAX = define("chat.latency.max", Unit.MILLISECONDS,
            "slowest delivery");

    // Media: upload or download of N bytes on its own TLS connection.
    public static final Metric MEDIA_TRANSFERS = define("media.transfers", Unit.COUNT, "media transfers started");
    public static final Metric MEDIA_COMPLETED = define("media.completed", Unit.COUNT, "media transfers completed");
    public static final Metric MEDIA_FAILED = define("media.failed", Unit.COUNT,
            "media transfers that failed or timed out");
    public static final Metric MEDIA_BYTES = define("media.bytes", Unit.COUNT, "media payload bytes moved");
    public static final Metric MEDIA_THROUGHPUT = define("media.throughput", Unit.BITS_PER_SECOND,
            "payload throughput of the transfers completed in the phase: their bytes over their transfer time");
    public static final Metric MEDIA_COMPLETED_RATIO = define("media.completed_ratio", Unit.RATIO,
            "completed / (completed + failed), over transfers whose fate was decided in the phase");

    // Connection attempts, classified by how they ended (TCP connect plus TLS handshake).
    public static final Metric CONNECT_ATTEMPTS = define("connect.attempts", Unit.COUNT,
            "connection attempts begun and ended in the phase (with DNS on: those that had an address; a failed "
                    + "resolution is counted in dns.*)");
    public static final Metric CONNECT_OK = define("connect.ok", Unit.COUNT, "attempts whose TLS handshake completed");
    public static final Metric CONNECT_RESET = define("connect.reset", Unit.COUNT, "attempts ended by a TCP RST");
    public static final Metric CONNECT_TIMEOUT = define("connect.timeout", Unit.COUNT,
            "attempts with no handshake within the timeout");
    public static final Metric CONNECT_REFUSED = define("connect.refused", Unit.COUNT, "attempts refused");
    public static final Metric CONNECT_OTHER = define("connect.other", Unit.COUNT,
            "attempts that failed otherwise (TLS alert, early close)");
    public static final Metric CONNECT_OK_RATIO = define("connect.ok_ratio", Unit.RATIO, "ok / attempts");
    public static final Metric CONNECT_RESET_RATIO = define("connect.reset_ratio", Unit.RATIO, "reset / attempts");
    public static final Metric CONNECT_TIMEOUT_RATIO = define("connect.timeout_ratio", Unit.RATIO,
            "timeout / attempts");
    public static final Metric CONNECT_LATENCY_P50 = define("connect.latency.p50", Unit.MILLISECONDS,
            "median time to a completed TLS handshake");
    public static final Metric CONNECT_LATENCY_P99 = define("connect.latency.p99", Unit.MILLISECONDS,
            "99th percentile time to a completed TLS handshake");

    // DNS: lookups through censorsim's DNS server, when the scenario has a dns block. An attempt whose name did not
    // resolve and had no fallback never reaches TCP, so it is counted here and not in connect.*, which keeps the
    // connect ratios about what the censor does to connections.
    public static final Metric DNS_LOOKUPS = define("dns.lookups", Unit.COUNT,
            "DNS lookups sent (answers served from the client's cache within their TTL are not lookups)");
    public static final Metric DNS_OK = define("dns.ok", Unit.COUNT, "lookups answered with an address");
    public static final Metric DNS_NXDOMAIN = define("dns.nxdomain", Unit.COUNT, "lookups answered NXDOMAIN");
    public static final Metric DNS_NODATA = define("dns.nodata", Unit.COUNT,
            "lookups answered NOERROR without an address");
    public static final Metric DNS_SERVFAIL = define("dns.servfail", Unit.COUNT,
            "lookups answered SERVFAIL, REFUSED or another error code");
    public static final Metric DNS_TIMEOUT = define("dns.timeout", Unit.COUNT, "lookups with no answer in time");
    public static final Metric DNS_OK_RATIO = define("dns.ok_ratio", Unit.RATIO, "ok / lookups");
    public static final Metric DNS_NXDOMAIN_RATIO = define("dns.nxdomain_ratio", Unit.RATIO, "nxdomain / lookups");
    public static final Metric DNS_LATENCY_P50 = define("dns.latency.p50", Unit.MILLISECONDS,
            "median time from query to answer (timeouts excluded)");
    public static final Metric DNS_LATENCY_P99 = define("dns.latency.p99", Unit.MILLISECONDS,
            "99th percentile time from query to answer (timeouts excluded)");
    public static final Metric DNS_FALLBACK = define("dns.fallback", Unit.COUNT,
            "connection attempts that dialled a hardcoded fallback address because the lookup failed");
    public static final Metric DNS_UNRESOLVED = define("dns.unresolved", Unit.COUNT,
            "connection attempts abandoned because the name did not resolve and no fallback was configured");

    // Calls: signalled over the chat connection, then STUN and RTP at 50 packets/s over UDP (or, with the fallback,
    // over a TLS relay), echoed by the server. Loss, round trip and jitter are the echo's, both legs together.
    public static final Metric CALL_ATTEMPTS = define("call.attempts", Unit.COUNT,
            "calls whose set-up began and ended in the phase");
    public static final Metric CALL_SETUP_OK = define("call.setup_ok", Unit.COUNT,
            "calls set up: the first media came back");
    public static final Metric CALL_SETUP_FAILED = define("call.setup_failed", Unit.COUNT,
            "calls with no media back within the set-up timeout (after the fallback, if on)");
    public static final Metric CALL_SETUP_OK_RATIO = define("call.setup_ok_ratio", Unit.RATIO, "setup_ok / attempts");
    public static final Metric CALL_FALLBACK = define("call.fallback", Unit.COUNT,
            "calls set up on the TCP/TLS relay after UDP failed");
    public static final Metric CALL_SETUP_TIME_P50 = define("call.setup_time.p50", Unit.MILLISECONDS,
            "median time from the call offer to the first echoed media");
    public static final Metric CALL_SETUP_TIME_P99 = define("call.setup_time.p99", Unit.MILLISECONDS,
            "99th percentile call set-up time");
    public static final Metric CALL_DROPPED = define("call.dropped", Unit.COUNT,
            "calls begun in the phase that were set up and then went silent for the drop time");
    public static final Metric CALL_COMPLETED = define("call.completed", Unit.COUNT,
            "calls begun in the phase that ran their full length");
    public static final Metric CALL_DROPPED_AFTER_P50 = define("call.dropped_after.p50", Unit.SECONDS,
            "median time from a dropped call's first datagram to its last media");
    public static final Metric CALL_DROPPED_AFTER_MAX = define("call.dropped_after.max", Unit.SECONDS,
            "longest time from a dropped call's first datagram to its last media");
    public static final Metric CALL_PACKETS_SENT = define("call.packets_sent", Unit.COUNT, "RTP packets sent");
    public static final Metric CALL_PACKETS_RECEIVED = define("call.packets_received", Unit.COUNT,
            "RTP packets echoed back within 1 s");
    public static final Metric CALL_LOSS = define("call.loss", Unit.RATIO,
            "round-trip media loss: packets not echoed within 1 s over packets decided in the phase");
    public static final Metric CALL_RTT_P50 = define("call.rtt.p50", Unit.MILLISECONDS,
            "median media round-trip time");
    public static final Metric CALL_JITTER_P50 = define("call.jitter.p50", Unit.MILLISECONDS,
            "median RFC 3550 interarrival jitter of the echoed stream");
    public static final Metric CALL_MOS = define("call.mos", Unit.SCORE,
            "mean opinion score by the ITU-T G.107 E-model, from one leg's delay, jitter and loss");

    // QUIC first: each connection tries a real QUIC connection (TLS 1.3 inside) before TCP/TLS.
    public static final Metric QUIC_ATTEMPTS = define("quic.attempts", Unit.COUNT,
            "connections that tried QUIC first");
    public static final Metric QUIC_OK = define("quic.ok", Unit.COUNT,
            "QUIC handshakes completed in time: the connection was carried over QUIC");
    public static final Metric QUIC_FALLBACK = define("quic.fallback", Unit.COUNT,
            "QUIC handshakes not completed in time: TCP/TLS after the QUIC timeout");
    public static final Metric QUIC_SKIPPED = define("quic.skipped", Unit.COUNT,
            "connections that went straight to TCP/TLS because QUIC was marked broken");
    public static final Metric QUIC_STALLED = define("quic.stalled", Unit.COUNT,
            "QUIC connections that ended after the server went silent: QUIC marked broken, TCP/TLS next");
    public static final Metric QUIC_OK_RATIO = define("quic.ok_ratio", Unit.RATIO, "ok / attempts");
    public static final Metric QUIC_BYTES = define("quic.bytes", Unit.COUNT,
            "application bytes (chat, media, both ways) carried over QUIC streams");
    public static final Metric QUIC_TCP_BYTES = define("quic.tcp_bytes", Unit.COUNT,
            "application bytes carried over TCP/TLS connections while QUIC first was on");
    public static final Metric QUIC_SHARE = define("quic.share", Unit.RATIO,
            "quic.bytes / (quic.bytes + quic.tcp_bytes): the share of the traffic QUIC carried");

    // VPN: tunnels the messenger's connections rode (strategies.vpn), one per connection.
    public static final Metric VPN_CONNECTS = define("vpn.connects", Unit.COUNT, "tunnel sessions started");
    public static final Metric VPN_OK = define("vpn.ok", Unit.COUNT,
            "tunnel sessions the endpoint answered (handshake reply, first encrypted bytes, or TLS handshake)");
    public static final Metric VPN_FAILED = define("vpn.failed", Unit.COUNT,
            "tunnel sessions that ended before the endpoint answered (dropped handshake, reset, blackholed)");
    public static final Metric VPN_OK_RATIO = define("vpn.ok_ratio", Unit.RATIO,
            "ok / (ok + failed), over sessions decided in the phase");
    public static final Metric VPN_SETUP_TIME_P50 = define("vpn.setup_time.p50", Unit.MILLISECONDS,
            "median time from a tunnel's connect to the endpoint's first answer");
    public static final Metric VPN_SETUP_TIME_P99 = define("vpn.setup_time.p99", Unit.MILLISECONDS,
            "99th percentile tunnel setup time");
    public static final Metric VPN_OVERHEAD = define("vpn.overhead", Unit.RATIO,
            "tunnel bytes on the wire (UDP/IP headers included, TLS and Shadowsocks framing estimated) per app byte");
    public static final Metric VPN_STALLED = define("vpn.stalled", Unit.COUNT,
            "UDP tunnels up at the phase's end with data unacknowledged for over 1 s: silent, not yet given up");
    public static final Metric VPN_LOST = define("vpn.lost", Unit.COUNT,
            "UDP tunnels that were up and were given up in the phase (8 retransmission timeouts, about 11 s)");

    public static final Metric FIRST_FAILURE_SECONDS = define("first_failure.seconds", Unit.SECONDS,
            "time from the phase start to the first failed message, transfer or connection");

    static {
        // The control client (a name no rule lists, measured beside the messenger) reports the same figures.
        for (Metric metric : java.util.List.copyOf(KNOWN.values())) {
            define(CONTROL_PREFIX + metric.name(), metric.unit(), metric.description() + ", on the control name");
        }
    }

    public Metric {
        if (name == null || !name.matches("[a-z][a-z0-9_]*(\\.[a-z0-9_]+)*")) {
            throw new IllegalArgumentException("metric names are dotted lower_snake_case, got " + name);
        }
    }

    /**
     * Registers a metric. Features that measure more (calls, DNS) define theirs in a static initialiser of their own
     * class, which must run before scenarios are loaded.
     */
    public static synchronized Metric define(String name, Unit unit, String description) {
        Metric metric = new Metric(name, unit, description);
        Metric previous = KNOWN.putIfAbsent(name, metric);
        if (previous != null && !previous.equals(metric)) {
            throw new IllegalStateException("metric " + name + " is already defined as " + previous);
        }
        return previous != null ? previous : metric;
    }

    /** The metric called {@code name}, if any feature defined it. */
    public static synchronized Optional<Metric> named(String name) {
        return Optional.ofNullable(KNOWN.get(name));
    }

    /** Every defined metric, in definition order. */
    public static synchronized Map<String, Metric> all() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(KNOWN));
    }

    /** {@code value} with this metric's unit, e.g. {@code 12.5 ms}, {@code 0.98}, {@code 10.0 Mbit/s}. */
    public String format(double value) {
        if (unit == Unit.BITS_PER_SECOND) {
            if (value >= 1e9) {
                return String.format(java.util.Locale.ROOT, "%.2f Gbit/s", value / 1e9);
            } else if (value >= 1e6) {
                return String.format(java.util.Locale.ROOT, "%.2f Mbit/s", value / 1e6);
            } else if (value >= 1e3) {
                return String.format(java.util.Locale.ROOT, "%.1f kbit/s", value / 1e3);
            }
            return String.format(java.util.Locale.ROOT, "%.0f bit/s", value);
        }
        if (unit == Unit.COUNT && value == Math.rint(value)) {
            return String.format(java.util.Locale.ROOT, "%.0f", value);
        }
        if (unit == Unit.RATIO) {
            return String.format(java.util.Locale.ROOT, "%.3f", value);
        }
        if (unit == Unit.SCORE) {
            return String.format(java.util.Locale.ROOT, "%.2f", value);
        }
        String number = String.format(java.util.Locale.ROOT, Math.abs(value) >= 100 ? "%.0f" : "%.2f", value);
        return unit.symbol().isEmpty() ? number : number + " " + unit.symbol();
    }
}
