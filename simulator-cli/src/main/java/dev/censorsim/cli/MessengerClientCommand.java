package dev.censorsim.cli;

import dev.censorsim.messenger.MessengerCalls;
import dev.censorsim.messenger.MessengerClient;
import dev.censorsim.messenger.MessengerClientOptions;
import dev.censorsim.messenger.MessengerDns;
import dev.censorsim.messenger.MessengerQuic;
import dev.censorsim.messenger.MessengerSnapshot;
import dev.censorsim.messenger.MessengerTrust;
import dev.censorsim.messenger.vpn.VpnClient;
import dev.censorsim.messenger.vpn.VpnKind;
import dev.censorsim.messenger.vpn.VpnRoute;
import dev.censorsim.metrics.Metric;
import dev.censorsim.metrics.TimeSample;
import dev.censorsim.units.DataSize;
import dev.censorsim.units.Direction;
import dev.censorsim.units.Durations;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import io.netty.util.NetUtil;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code censorsim messenger client}: runs the chat and media workload for a while and prints what it measured. */
@Command(name = "client",
        header = "Run the messenger's chat and media workload through the censor and print the figures.",
        description = "Reaches each name at its --route (or every name at --via, e.g. the censor's forward port), or "
                + "through --socks5. Exit code 0 when the run completed, whatever it measured.",
        mixinStandardHelpOptions = true)
final class MessengerClientCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Option(names = "--ca", required = true, paramLabel = "FILE",
            description = "The CA certificate (PEM) the server printed; the only CA the client trusts.")
    Path ca;

    @Option(names = "--via", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            description = "Dial every name at this address, e.g. 'censorsim proxy' in front of the server.")
    InetSocketAddress via;

    @Option(names = "--route", paramLabel = "NAME=HOST:PORT",
            description = "Dial NAME at HOST:PORT (repeatable; overrides --via for that name).")
    Map<String, String> routes = new LinkedHashMap<>();

    @Option(names = "--socks5", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            description = "Dial through this SOCKS5 proxy, asking it for the name (the port comes from --route, "
                    + "else 443).")
    InetSocketAddress socks5;

    @Option(names = "--socks-local-dns",
            description = "With --socks5, ask the proxy for the routed address instead of the name.")
    boolean socksLocalDns;

    @Option(names = "--chat-name", paramLabel = "NAME", defaultValue = "g.whatsapp.net",
            description = "Name of the chat endpoint (default: ${DEFAULT-VALUE}).")
    String chatName;

    @Option(names = "--media-name", paramLabel = "NAME", defaultValue = "mmg.whatsapp.net",
            description = "Name of the media endpoint (default: ${DEFAULT-VALUE}).")
    String mediaName;

    @Option(names = "--chat-rate", paramLabel = "PER_SECOND", defaultValue = "10",
            description = "Chat messages per second; 0 for none (default: ${DEFAULT-VALUE}).")
    double chatRate;

    @Option(names = "--chat-size", paramLabel = "BYTES", defaultValue = "64",
            description = "Chat message payload bytes (default: ${DEFAULT-VALUE}).")
    int chatBytes;

    @Option(names = "--ack-timeout", paramLabel = "DURATION", defaultValue = "5s",
            description = "A message not acknowledged this long after its send time is timed out "
                    + "(default: ${DEFAULT-VALUE}).")
    String ackTimeout;

    @Option(names = "--media-size", paramLabel = "SIZE", defaultValue = "0",
            description = "Bytes per media transfer, e.g. 2mb; 0 for no media (default: ${DEFAULT-VALUE}).")
    String mediaSize;

    @Option(names = "--media-direction", paramLabel = "down|up", defaultValue = "down",
            description = "down (download) or up (upload) (default: ${DEFAULT-VALUE}).")
    String mediaDirection;

    @Option(names = "--media-concurrency", paramLabel = "N", defaultValue = "1",
            description = "Media transfers at once (default: ${DEFAULT-VALUE}).")
    int mediaConcurrency;

    @Option(names = "--churn", paramLabel = "DURATION",
            description = "Reopen the chat connection this often, e.g. 2s (default: keep it open).")
    String churn;

    @Option(names = "--connect-timeout", paramLabel = "DURATION", defaultValue = "5s",
            description = "Budget for TCP connect plus TLS handshake (default: ${DEFAULT-VALUE}).")
    String connectTimeout;

    @Option(names = "--retry", paramLabel = "ATTEMPTS", defaultValue = "1",
            description = "Attempts per connect, with exponential backoff (default: ${DEFAULT-VALUE}).")
    int retryAttempts;

    @Option(names = "--retry-base", paramLabel = "DURATION", defaultValue = "200ms",
            description = "First backoff wait (default: ${DEFAULT-VALUE}).")
    String retryBase;

    @Option(names = "--retry-max", paramLabel = "DURATION", defaultValue = "5s",
            description = "Longest backoff wait (default: ${DEFAULT-VALUE}).")
    String retryMax;

    @Option(names = "--jitter", paramLabel = "FRACTION", defaultValue = "0.2",
            description = "Backoff jitter within [0, 1] (default: ${DEFAULT-VALUE}).")
    double jitter;

    @Option(names = "--alternative", paramLabel = "NAME",
            description = "A name to try when the primary one fails (repeatable, in order).")
    List<String> alternatives = new ArrayList<>();

    @Option(names = "--split-client-hello", defaultValue = "0", paramLabel = "N",
            description = "Send the ClientHello in N TCP segments; 0 for one (default: ${DEFAULT-VALUE}).")
    int split;

    @Option(names = "--no-sni", description = "Leave SNI out of the ClientHello.")
    boolean noSni;

    @Option(names = "--dns", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            description = "Resolve every name (type A) at this DNS server before dialling, e.g. 'censorsim dns'; the "
                    + "port still comes from --via or --route (443 without one).")
    InetSocketAddress dns;

    @Option(names = "--dns-timeout", paramLabel = "DURATION", defaultValue = "2s",
            description = "How long one lookup waits (default: ${DEFAULT-VALUE}).")
    String dnsTimeout;

    @Option(names = "--dns-fallback", paramLabel = "IP",
            description = "A hardcoded address dialled when a lookup fails; repeat for more, tried in turn.")
    List<String> dnsFallback = new ArrayList<>();

    @Option(names = "--doh", paramLabel = "NAME",
            description = "A DNS-over-HTTPS resolver (RFC 8484 POST, through --via like any name) asked when a plain "
                    + "lookup fails, e.g. a 'messenger server' holding that name.")
    String doh;

    @Option(names = "--calls", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            description = "Place voice calls, one at a time, signalled over the chat connection, their STUN and RTP "
                    + "sent here: the server's udp address, or 'censorsim proxy --udp' in front of it.")
    InetSocketAddress calls;

    @Option(names = "--call-length", paramLabel = "DURATION", defaultValue = "6s",
            description = "How long a call lasts when nothing cuts it (default: ${DEFAULT-VALUE}).")
    String callLength;

    @Option(names = "--call-gap", paramLabel = "DURATION", defaultValue = "500ms",
            description = "Pause between calls (default: ${DEFAULT-VALUE}).")
    String callGap;

    @Option(names = "--call-setup-timeout", paramLabel = "DURATION", defaultValue = "2s",
            description = "A call with no media back by then fails or falls back (default: ${DEFAULT-VALUE}).")
    String callSetupTimeout;

    @Option(names = "--call-drop-silence", paramLabel = "DURATION", defaultValue = "2s",
            description = "A call silent this long has dropped (default: ${DEFAULT-VALUE}).")
    String callDropSilence;

    @Option(names = "--call-fallback", description = "Relay a call whose UDP set-up failed over TLS to the chat name.")
    boolean callFallback;

    @Option(names = "--quic", paramLabel = "HOST:PORT", converter = HostPortConverter.class,
            description = "QUIC first: carry each connection over a real QUIC connection to this address (the "
                    + "server's udp endpoint or a censor in front of it); TCP/TLS when the QUIC handshake does not "
                    + "complete within --quic-timeout or the QUIC path stalls.")
    InetSocketAddress quic;

    @Option(names = "--quic-timeout", paramLabel = "DURATION", defaultValue = "300ms",
            description = "Wait this long for the QUIC handshake before TCP (default: ${DEFAULT-VALUE}).")
    String quicTimeout;

    @Option(names = "--quic-broken-for", paramLabel = "DURATION", defaultValue = "5m",
            description = "After a QUIC handshake that did not complete, or a stall, skip QUIC this long; 0s tries "
                    + "every time "
                    + "(default: ${DEFAULT-VALUE}).")
    String quicBrokenFor;

    @Option(names = "--vpn", paramLabel = "KIND=HOST:PORT",
            description = "Carry chat and media in a VPN tunnel (wireguard, openvpn, ikev2, shadowsocks, tls) to the "
                    + "endpoint 'messenger server --vpn' printed, or to the censor in front of it; every name goes "
                    + "into the tunnel, --via and --route are not used.")
    String vpn;

    @Option(names = "--vpn-sni", defaultValue = "www.microsoft.com", paramLabel = "NAME",
            description = "The server name a tls tunnel sends (default: ${DEFAULT-VALUE}).")
    String vpnSni;

    @Option(names = "--vpn-ca", paramLabel = "FILE", description = "The tls endpoint's CA certificate.")
    Path vpnCa;

    @Option(names = "--vpn-psk", paramLabel = "HEX", description = "The shadowsocks endpoint's key (64 hex digits).")
    String vpnPsk;

    @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "10s",
            description = "How long to run (default: ${DEFAULT-VALUE}).")
    String duration;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
            description = "Seed for the jitter (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--series", description = "Also print the per-second time series.")
    boolean series;

    @Override
    public Integer call() throws Exception {
        VpnRoute route = vpnRoute();
        long runNanos = parseDuration(duration, "--duration");
        PrintWriter out = spec.commandLine().getOut();
        MessengerSnapshot snapshot;
        List<TimeSample> samples;
        Map<String, Double> vpnFigures = Map.of();
        try (VpnClient tunnel = route == null ? null : VpnClient.start(route)) {
            MessengerClientOptions options = options(tunnel == null ? null : tunnel.entry());
            out.println("censorsim messenger client: " + describe(options) + (route == null ? ""
                    : " in a " + route.kind().wireName() + " tunnel via " + HostPortConverter.format(route.tunnel()))
                    + " for " + Durations.format(runNanos));
            out.flush();
            try (MessengerClient client = MessengerClient.start(options)) {
                Thread.sleep(runNanos / 1_000_000, (int) (runNanos % 1_000_000));
                snapshot = client.cut();
                samples = client.samples();
            }
            if (tunnel != null) {
                vpnFigures = tunnel.cut();
            }
        }
        print(snapshot, samples, out);
        if (!vpnFigures.isEmpty()) {
            StringBuilder line = new StringBuilder("vpn:");
            vpnFigures.forEach((name, value) -> line.append(' ').append(name.substring(4)).append('=')
                    .append(value == Math.rint(value) ? String.valueOf(value.longValue())
                            : String.format(Locale.ROOT, "%.3f", value)));
            out.println(line);
        }
        return ExitCodes.OK;
    }

    /** {@code --vpn KIND=HOST:PORT} and its credentials, or {@code null} without {@code --vpn}. */
    private VpnRoute vpnRoute() {
        if (vpn == null) {
            return null;
        }
        int eq = vpn.indexOf('=');
        VpnKind kind = eq < 0 ? null : VpnKind.fromWireName(vpn.substring(0, eq));
        if (kind == null) {
            throw new CliException(ExitCodes.BAD_INPUT, "--vpn: expected KIND=HOST:PORT with KIND one of wireguard, "
                    + "openvpn, ikev2, shadowsocks, tls, got '" + vpn + "'");
        }
        InetSocketAddress endpoint;
        try {
            endpoint = HostPortConverter.parse(vpn.substring(eq + 1));
        } catch (CommandLine.TypeConversionException e) {
            throw new CliException(ExitCodes.BAD_INPUT, "--vpn: " + e.getMessage());
        }
        MessengerTrust ca = null;
        if (kind == VpnKind.TLS) {
            if (vpnCa == null) {
                throw new CliException(ExitCodes.BAD_INPUT, "--vpn tls needs --vpn-ca (the endpoint's CA certificate)");
            }
            try {
                ca = MessengerTrust.readPem(vpnCa);
            } catch (IOException e) {
                throw new CliException(ExitCodes.BAD_INPUT, "--vpn-ca: " + e.getMessage(), e);
            }
        }
        byte[] psk = null;
        if (kind == VpnKind.SHADOWSOCKS) {
            if (vpnPsk == null) {
                throw new CliException(ExitCodes.BAD_INPUT, "--vpn shadowsocks needs --vpn-psk (the endpoint's key)");
            }
            psk = hex(vpnPsk, "--vpn-psk");
        }
        try {
            return VpnRoute.remote(kind, endpoint, vpnSni, ca, psk);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.BAD_INPUT, "--vpn: " + e.getMessage());
        }
    }

    /** Hex digits to bytes, for keys given on the command line. */
    static byte[] hex(String text, String option) {
        try {
            byte[] bytes = java.util.HexFormat.of().parseHex(text.strip());
            if (bytes.length != 32) {
                throw new IllegalArgumentException("expected 32 bytes");
            }
            return bytes;
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.BAD_INPUT, option + ": expected 64 hex digits (" + e.getMessage() + ")");
        }
    }

    private MessengerClientOptions options(InetSocketAddress vpnEntry) {
        MessengerTrust trust;
        try {
            trust = MessengerTrust.readPem(ca);
        } catch (IOException e) {
            throw new CliException(ExitCodes.BAD_INPUT, "--ca: " + e.getMessage(), e);
        }
        try {
            MessengerClientOptions.Builder builder = MessengerClientOptions.builder().trust(trust)
                    .chatName(chatName).mediaName(mediaName)
                    .socks5(socks5).socksRemoteDns(!socksLocalDns)
                    .chat(chatRate, chatBytes, Duration.ofNanos(parseDuration(ackTimeout, "--ack-timeout")))
                    .media(parseSize(mediaSize), direction(mediaDirection), mediaConcurrency)
                    .connectTimeout(Duration.ofNanos(parseDuration(connectTimeout, "--connect-timeout")))
                    .retry(retryAttempts, Duration.ofNanos(parseDuration(retryBase, "--retry-base")),
                            Duration.ofNanos(parseDuration(retryMax, "--retry-max")), jitter)
                    .alternatives(alternatives).splitClientHello(split).noSni(noSni).seed(seed);
            if (churn != null) {
                builder.churn(Duration.ofNanos(parseDuration(churn, "--churn")));
            }
            if (calls != null) {
                builder.calls(new MessengerCalls(calls, Duration.ofNanos(parseDuration(callLength, "--call-length")),
                        Duration.ofNanos(parseDurationOrZero(callGap, "--call-gap")),
                        Duration.ofNanos(parseDuration(callSetupTimeout, "--call-setup-timeout")),
                        Duration.ofNanos(parseDuration(callDropSilence, "--call-drop-silence")), callFallback,
                        chatName));
            } else if (callFallback) {
                throw new IllegalArgumentException("--call-fallback needs --calls");
            }
            if (quic != null) {
                builder.quic(new MessengerQuic(quic, Duration.ofNanos(parseDuration(quicTimeout, "--quic-timeout")),
                        Duration.ofNanos(parseDurationOrZero(quicBrokenFor, "--quic-broken-for"))));
            }
            if (dns != null) {
                builder.dns(new MessengerDns(dns, addresses(dnsFallback),
                        Duration.ofNanos(parseDuration(dnsTimeout, "--dns-timeout")), doh));
            } else if (!dnsFallback.isEmpty() || doh != null) {
                throw new IllegalArgumentException((doh != null ? "--doh" : "--dns-fallback")
                        + " is asked when a lookup fails; it needs --dns");
            }
            if (vpnEntry != null) {
                List<String> all = new ArrayList<>(List.of(chatName, mediaName));
                all.addAll(alternatives);
                all.forEach(name -> builder.route(name, vpnEntry));
                return builder.build();
            }
            if (via != null) {
                List<String> all = new ArrayList<>(List.of(chatName, mediaName));
                all.addAll(alternatives);
                if (doh != null) {
                    all.add(doh);
                }
                all.forEach(name -> builder.route(name, via));
            }
            for (Map.Entry<String, String> route : routes.entrySet()) {
                try {
                    builder.route(route.getKey(), HostPortConverter.parse(route.getValue()));
                } catch (CommandLine.TypeConversionException e) {
                    throw new IllegalArgumentException("--route " + route.getKey() + ": " + e.getMessage());
                }
            }
            return builder.build();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new CliException(ExitCodes.BAD_INPUT, e.getMessage());
        }
    }

    private static long parseDuration(String text, String option) {
        try {
            long nanos = Durations.parseNanos(text);
            if (nanos <= 0) {
                throw new IllegalArgumentException("must be > 0");
            }
            return nanos;
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.BAD_INPUT, option + ": " + e.getMessage());
        }
    }

    /** IP literals only: a hardcoded fallback that itself needed a lookup would defeat its purpose. */
    private static List<InetAddress> addresses(List<String> literals) {
        List<InetAddress> addresses = new ArrayList<>();
        for (String literal : literals) {
            if (!NetUtil.isValidIpV4Address(literal) && !NetUtil.isValidIpV6Address(literal)) {
                throw new IllegalArgumentException("--dns-fallback: expected an IP address, got '" + literal + "'");
            }
            addresses.add(NetUtil.createInetAddressFromIpAddressString(literal));
        }
        return addresses;
    }

    private static long parseDurationOrZero(String text, String option) {
        try {
            return Durations.parseNanos(text);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.BAD_INPUT, option + ": " + e.getMessage());
        }
    }

    private static long parseSize(String text) {
        if (text.equals("0")) {
            return 0;
        }
        try {
            return DataSize.parseBytes(text);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.BAD_INPUT, "--media-size: " + e.getMessage());
        }
    }

    private static Direction direction(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "down" -> Direction.DOWN;
            case "up" -> Direction.UP;
            default -> throw new CliException(ExitCodes.BAD_INPUT, "--media-direction: expected down or up, got "
                    + text);
        };
    }

    private static String describe(MessengerClientOptions o) {
        List<String> parts = new ArrayList<>();
        if (o.chatRatePerSecond() > 0) {
            parts.add(String.format(Locale.ROOT, "chat %s/s to %s", trim(o.chatRatePerSecond()), o.chatName()));
        }
        if (o.mediaBytes() > 0) {
            parts.add(String.format(Locale.ROOT, "media %d B %s x%d to %s", o.mediaBytes(),
                    o.mediaDirection().wireName(), o.mediaConcurrency(), o.mediaName()));
        }
        if (parts.isEmpty()) {
            parts.add("no workload");
        }
        parts.add(o.socks5() != null ? "via SOCKS5 " + HostPortConverter.format(o.socks5()) : "by route");
        if (o.splitSegments() > 1) {
            parts.add("ClientHello in " + o.splitSegments() + " segments");
        }
        if (o.noSni()) {
            parts.add("no SNI");
        }
        if (o.retry().attempts() > 1) {
            parts.add(o.retry().attempts() + " attempts per connect");
        }
        if (!o.alternatives().isEmpty()) {
            parts.add("alternatives " + String.join(", ", o.alternatives()));
        }
        if (o.dns() != null) {
            parts.add("DNS via " + HostPortConverter.format(o.dns().server())
                    + (o.dns().doh() != null ? ", DoH " + o.dns().doh() : "")
                    + (o.dns().fallback().isEmpty() ? "" : ", " + o.dns().fallback().size() + " hardcoded addresses"));
        }
        if (o.calls() != null) {
            parts.add("calls via udp " + HostPortConverter.format(o.calls().media())
                    + (o.calls().tcpFallback() ? " with TLS fallback" : ""));
        }
        if (o.quic() != null) {
            parts.add("QUIC first via udp " + HostPortConverter.format(o.quic().udp()));
        }
        return String.join(", ", parts);
    }

    private static String trim(double value) {
        return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
    }

    private void print(MessengerSnapshot snapshot, List<TimeSample> samples, PrintWriter out) {
        out.println("censorsim messenger client: measured");
        for (Metric metric : Metric.all().values()) {
            Double value = snapshot.metrics().get(metric.name());
            if (value != null) {
                out.printf(Locale.ROOT, "  %-24s %14s   %s%n", metric.name(), metric.format(value),
                        metric.description());
            }
        }
        warnings(snapshot).forEach(w -> out.println("censorsim messenger client: warning: " + w));
        if (series) {
            out.println("censorsim messenger client: per second");
            for (TimeSample sample : samples) {
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %6.1fs", sample.seconds()));
                for (Metric metric : Metric.all().values()) {
                    Double value = sample.values().get(metric.name());
                    if (value != null) {
                        line.append("  ").append(metric.name()).append('=').append(metric.format(value));
                    }
                }
                out.println(line);
            }
        }
        out.flush();
    }

    private static List<String> warnings(MessengerSnapshot s) {
        List<String> warnings = new ArrayList<>();
        if (s.get(Metric.CONNECT_ATTEMPTS) > 0 && s.get(Metric.CONNECT_OK) == 0) {
            warnings.add("no connection succeeded");
        }
        if (s.get(Metric.CHAT_SENT) > 0 && s.get(Metric.CHAT_DELIVERED) == 0) {
            warnings.add("no chat message was delivered");
        }
        if (s.get(Metric.CALL_ATTEMPTS) > 0 && s.get(Metric.CALL_SETUP_OK) == 0) {
            warnings.add("no call was set up");
        }
        if (s.get(Metric.MEDIA_TRANSFERS) > 0 && s.get(Metric.MEDIA_COMPLETED) == 0) {
            warnings.add("no media transfer completed; the throughput is not measured");
        }
        return warnings;
    }
}
