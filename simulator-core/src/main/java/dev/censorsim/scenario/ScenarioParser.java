package dev.censorsim.scenario;

import dev.censorsim.messenger.ChatWorkload;
import dev.censorsim.messenger.MediaWorkload;
import dev.censorsim.messenger.CallWorkload;
import dev.censorsim.messenger.Strategies;
import dev.censorsim.messenger.RetryStrategy;
import dev.censorsim.messenger.QuicStrategy;
import dev.censorsim.messenger.VpnStrategy;
import dev.censorsim.messenger.Front;
import dev.censorsim.messenger.DnsSettings;
import dev.censorsim.messenger.MessengerSettings;
import dev.censorsim.messenger.ChatProtocol;
import dev.censorsim.dns.ZoneException;
import dev.censorsim.dns.ZoneFileLoader;
import dev.censorsim.io.InputFileException;
import dev.censorsim.io.InputFiles;
import dev.censorsim.metrics.Metric;
import dev.censorsim.units.DataSize;
import dev.censorsim.units.Direction;
import dev.censorsim.units.Durations;
import dev.censorsim.policy.ListFiles;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.policy.PolicyNode;

import io.netty.util.NetUtil;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a located YAML tree into a {@link Scenario}, failing at the first offending node with the policy compiler's
 * {@code file:line:col: expected ...} errors. Validation that needs the whole file (phase references, workload versus
 * expectations) happens here too, so a scenario that loads can run.
 */
final class ScenarioParser {

    private static final List<String> TOP_KEYS =
            List.of("scenario", "description", "time-scale", "messenger", "policies", "timeline");
    private static final List<String> MESSENGER_KEYS =
            List.of("names", "alternatives", "control", "front", "workload", "strategies", "timeouts", "dns",
                    "chat-protocol");
    private static final List<String> DNS_KEYS = List.of("zone", "ttl");
    private static final List<String> NAMES_KEYS = List.of("chat", "media");
    private static final List<String> WORKLOAD_KEYS = List.of("chat", "media", "calls", "churn");
    private static final List<String> CALL_KEYS = List.of("duration", "gap", "setup-timeout", "drop-silence");
    private static final List<String> CHAT_KEYS = List.of("rate", "size", "timeout");
    private static final List<String> MEDIA_KEYS = List.of("size", "direction", "concurrency");
    private static final List<String> STRATEGY_KEYS = List.of("retry", "alternatives", "split-client-hello", "no-sni",
            "dns-fallback", "doh", "call-fallback", "quic", "vpn", "ech");
    private static final List<String> QUIC_KEYS = List.of("timeout", "broken-for");
    private static final List<String> RETRY_KEYS = List.of("attempts", "base", "max", "jitter");
    private static final List<String> TIMEOUT_KEYS = List.of("connect");
    private static final List<String> PHASE_KEYS = List.of("phase", "duration", "policy", "description", "expect",
            "vpn");
    private static final Pattern MESSAGE_RATE =
            Pattern.compile("\\s*(\\d{1,9}(?:\\.\\d{1,9})?|\\.\\d{1,9})\\s*/\\s*(s|m|min)\\s*");

    /** The file's text, read again only to place an error inside a quoted scalar ({@link #at}). */
    private final String yaml;
    private final Path baseDir;

    private ScenarioParser(String yaml, Path baseDir) {
        // Not split into lines up front: that regex split cost 12% of a whole parse (JFR, scenario fuzz target), for
        // the rare error that needs one line.
        this.yaml = yaml;
        this.baseDir = baseDir;
    }

    static Scenario parse(PolicyNode root, String yaml, Path baseDir) throws PolicyException {
        return new ScenarioParser(yaml, baseDir).scenario(root);
    }

    /**
     * The policies and timeline of a scenario file whose {@code messenger:} is optional, for a live censor that runs
     * the timeline against real apps. A {@code messenger:} block, when present, is validated as usual (the same file
     * serves {@code scenario run}); without it, phases may not state expectations, since they would measure the
     * messenger.
     */
    static Timeline parseTimeline(PolicyNode root, String yaml, Path baseDir) throws PolicyException {
        ScenarioParser parser = new ScenarioParser(yaml, baseDir);
        if (root.isNull()) {
            throw root.error("expected a scenario mapping with 'policies' and 'timeline'; the file is empty");
        }
        root.requireMap("the scenario");
        root.checkKeys("the scenario", TOP_KEYS);
        PolicyNode nameNode = root.get("scenario");
        String name = nameNode == null ? "timeline" : scenarioName(nameNode);
        String description = optionalText(root.get("description"), "'description'");
        double timeScale = 1.0;
        PolicyNode scaleNode = root.get("time-scale");
        if (scaleNode != null) {
            timeScale = number(scaleNode, "'time-scale'");
            if (!(timeScale > 0 && timeScale <= 1)) {
                throw scaleNode.error("expected a time-scale in (0, 1], such as 0.1, got " + scaleNode.rawText());
            }
        }
        PolicyNode messengerNode = root.get("messenger");
        MessengerSettings messenger = messengerNode == null ? null : parser.messenger(messengerNode);
        Map<String, ScenarioPolicy> policies = parser.policies(root.required("policies", "the scenario"));
        List<Phase> phases = parser.timeline(root.required("timeline", "the scenario"), policies, messenger);
        return new Timeline(name, description, root.source(), timeScale, messenger != null, policies, phases);
    }

    private Scenario scenario(PolicyNode root) throws PolicyException {
        if (root.isNull()) {
            throw root.error("expected a scenario mapping with 'scenario', 'messenger', 'policies' and 'timeline'; "
                    + "the file is empty");
        }
        root.requireMap("the scenario");
        root.checkKeys("the scenario", TOP_KEYS);
        String name = scenarioName(root.required("scenario", "the scenario"));
        String description = optionalText(root.get("description"), "'description'");
        double timeScale = 1.0;
        PolicyNode scaleNode = root.get("time-scale");
        if (scaleNode != null) {
            timeScale = number(scaleNode, "'time-scale'");
            if (!(timeScale > 0 && timeScale <= 1)) {
                throw scaleNode.error("expected a time-scale in (0, 1], such as 0.1, got " + scaleNode.rawText());
            }
        }
        MessengerSettings messenger = messenger(root.required("messenger", "the scenario"));
        Map<String, ScenarioPolicy> policies = policies(root.required("policies", "the scenario"));
        List<Phase> phases = timeline(root.required("timeline", "the scenario"), policies, messenger);
        try {
            return new Scenario(name, description, root.source(), timeScale, messenger, policies, phases);
        } catch (IllegalArgumentException e) {
            throw root.error(e.getMessage());
        }
    }

    /**
     * The {@code scenario:} name, checked for both a scenario and a live timeline: it names the report directory under
     * {@code --report-dir}, so a name that cannot would lose the reports only after the whole run.
     */
    private static String scenarioName(PolicyNode nameNode) throws PolicyException {
        String name = nameNode.text("'scenario'").strip();
        // The name is a directory under --report-dir: nothing that could name another place ("..", "/", "C:").
        if (name.isEmpty() || name.equals(".") || name.contains("..") || name.length() > 128
                || name.chars().anyMatch(c -> c < ' ' || c == 0x7f || c == '/' || c == '\\' || c == ':')) {
            throw nameNode.error("expected a scenario name of at most 128 characters without '/', '\\', ':', '..' "
                    + "or control characters (it names the report directory), got '" + name + "'");
        }
        return name;
    }

    // ---- messenger

    private MessengerSettings messenger(PolicyNode node) throws PolicyException {
        node.requireMap("'messenger'");
        node.checkKeys("'messenger'", MESSENGER_KEYS);
        PolicyNode names = node.required("names", "'messenger'").requireMap("'names'");
        names.checkKeys("'names'", NAMES_KEYS);

        PolicyNode workloadNode = node.required("workload", "'messenger'").requireMap("'workload'");
        workloadNode.checkKeys("'workload'", WORKLOAD_KEYS);
        ChatWorkload chat = chat(workloadNode.get("chat"));
        MediaWorkload media = media(workloadNode.get("media"));
        if (chat == null && media == null) {
            throw workloadNode.error("expected 'chat', 'media' or both under 'workload'");
        }
        CallWorkload calls = calls(workloadNode.get("calls"));
        if (calls != null && chat == null) {
            throw workloadNode.get("calls").error("calls are signalled over the chat connection; expected a chat "
                    + "workload as well");
        }
        long churn = 0;
        if (workloadNode.get("churn") != null) {
            churn = positiveDuration(workloadNode.get("churn"), "'churn'");
            if (chat == null) {
                throw workloadNode.get("churn").error("'churn' reconnects the chat connection; expected a chat "
                        + "workload as well");
            }
        }

        String chatName = chat == null ? optionalHost(names.get("chat"), "'chat'")
                : host(names.required("chat", "'names' (the workload has chat)"), "'chat'");
        String mediaName = media == null ? optionalHost(names.get("media"), "'media'")
                : host(names.required("media", "'names' (the workload has media)"), "'media'");

        List<String> alternatives = new ArrayList<>();
        PolicyNode alternativesNode = node.get("alternatives");
        if (alternativesNode != null) {
            for (PolicyNode entry : alternativesNode.entries("'alternatives'")) {
                String alternative = host(entry, "an alternative name");
                if (alternative.equalsIgnoreCase(chatName) || alternative.equalsIgnoreCase(mediaName)
                        || alternatives.contains(alternative)) {
                    throw entry.error("alternative name '" + alternative + "' is already used; expected a name "
                            + "different from chat, media and the other alternatives");
                }
                alternatives.add(alternative);
            }
        }
        String control = null;
        PolicyNode controlNode = node.get("control");
        if (controlNode != null) {
            control = host(controlNode, "'control'");
            String c = control;
            if (c.equalsIgnoreCase(chatName) || c.equalsIgnoreCase(mediaName)
                    || alternatives.stream().anyMatch(c::equalsIgnoreCase)) {
                throw controlNode.error("control name '" + control + "' is one the messenger uses; expected a name "
                        + "that no rule lists and the messenger does not use");
            }
        }
        Front front = front(node.get("front"));
        Strategies strategies = strategies(node.get("strategies"), alternatives.isEmpty());
        long connectTimeout = MessengerSettings.DEFAULT_CONNECT_TIMEOUT_NANOS;
        PolicyNode timeouts = node.get("timeouts");
        if (timeouts != null) {
            timeouts.requireMap("'timeouts'");
            timeouts.checkKeys("'timeouts'", TIMEOUT_KEYS);
            if (timeouts.get("connect") != null) {
                connectTimeout = positiveDuration(timeouts.get("connect"), "'connect'");
            }
        }
        DnsSettings dns = dns(node.get("dns"));
        PolicyNode callFallback = node.get("strategies") == null ? null : node.get("strategies").get("call-fallback");
        if (calls == null && strategies.callFallback()) {
            throw callFallback.error("the call-fallback strategy relays calls over TLS; expected a 'calls' workload "
                    + "under 'workload'");
        }
        for (String key : List.of("dns-fallback", "doh")) {
            PolicyNode strategy = node.get("strategies") == null ? null : node.get("strategies").get(key);
            if (dns == null && strategy != null && !strategy.isNull()) {
                throw strategy.error("the " + key + " strategy needs a 'dns' block under 'messenger' (without DNS "
                        + "there is no lookup to fall back from)");
            }
        }
        String doh = strategies.doh();
        if (doh != null && (doh.equalsIgnoreCase(chatName) || doh.equalsIgnoreCase(mediaName)
                || doh.equalsIgnoreCase(control) || alternatives.stream().anyMatch(doh::equalsIgnoreCase))) {
            // Here and not only in the record, so the error points at the name and not at the block's first key.
            throw node.get("strategies").get("doh").error("DoH resolver name '" + doh + "' is one the messenger "
                    + "uses; expected a name different from chat, media, control and the alternatives");
        }
        try {
            return new MessengerSettings(chatName, mediaName, alternatives, control, front, chat, media, churn,
                    strategies, connectTimeout, dns, calls, chatProtocol(node.get("chat-protocol")));
        } catch (IllegalArgumentException e) {
            throw node.error(e.getMessage());
        }
    }

    private DnsSettings dns(PolicyNode node) throws PolicyException {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.kind() == PolicyNode.Kind.BOOLEAN) {
            return node.bool("'dns'") ? new DnsSettings(null, DnsSettings.DEFAULT_TTL_SECONDS) : null;
        }
        node.requireMap("'dns'");
        node.checkKeys("'dns'", DNS_KEYS);
        PolicyNode zoneNode = node.get("zone");
        PolicyNode ttlNode = node.get("ttl");
        if (zoneNode != null && ttlNode != null) {
            throw ttlNode.error("'ttl' sets the built-in zone's TTL; a zone file carries its own, expected 'zone' or "
                    + "'ttl', not both");
        }
        long ttl = DnsSettings.DEFAULT_TTL_SECONDS;
        if (ttlNode != null) {
            long nanos = positiveDuration(ttlNode, "'ttl'");
            ttl = Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
            if (ttl > 86_400) {
                // As for a phase: Durations has no day unit, so the limit is written in one it has.
                throw ttlNode.error("expected a DNS ttl of at most 1440m (a day), got " + ttlNode.rawText());
            }
        }
        if (zoneNode == null) {
            return new DnsSettings(null, ttl);
        }
        String relative = zoneNode.text("'zone'").strip();
        if (baseDir == null) {
            throw zoneNode.error("a zone file needs a scenario file to be resolved against; expected 'ttl' for the "
                    + "built-in zone");
        }
        Path file = zoneNode.resolve(baseDir, relative, "a zone file");
        try {
            return new DnsSettings(ZoneFileLoader.load(file), ttl);
        } catch (ZoneException e) {
            throw zoneNode.error("expected a zone file relative to the scenario file: " + e.getMessage());
        }
    }

    private List<InetAddress> addresses(PolicyNode node) throws PolicyException {
        List<InetAddress> addresses = new ArrayList<>();
        for (PolicyNode entry : node.entries("'dns-fallback'")) {
            String text = entry.text("an address").strip();
            if (!NetUtil.isValidIpV4Address(text) && !NetUtil.isValidIpV6Address(text)) {
                throw entry.error("expected an IP address literal such as 127.0.0.1 (a hardcoded fallback is never "
                        + "a name), got '" + text + "'");
            }
            InetAddress address = NetUtil.createInetAddressFromIpAddressString(text);
            if (!address.isLoopbackAddress()) {
                throw entry.error("expected a loopback address (127.0.0.0/8 or ::1): the scenario runs on loopback "
                        + "only, got '" + text + "'");
            }
            addresses.add(address);
        }
        return addresses;
    }

    private ChatWorkload chat(PolicyNode node) throws PolicyException {
        if (node == null || node.isNull()) {
            return null;
        }
        node.requireMap("'chat'");
        node.checkKeys("'chat'", CHAT_KEYS);
        ChatWorkload d = ChatWorkload.DEFAULT;
        double rate = node.get("rate") == null ? d.messagesPerSecond() : messageRate(node.get("rate"));
        long size = node.get("size") == null ? d.messageBytes() : size(node.get("size"), "'size'");
        if (size > ChatWorkload.MAX_MESSAGE_BYTES) {
            // Here and not only in the record, so the error points at the size and not at the block's first key.
            throw node.get("size").error("expected a chat message size of at most 16mib, got "
                    + node.get("size").rawText());
        }
        long timeout = node.get("timeout") == null ? d.timeoutNanos()
                : positiveDuration(node.get("timeout"), "'timeout'");
        try {
            return new ChatWorkload(rate, size, timeout);
        } catch (IllegalArgumentException e) {
            throw node.error(e.getMessage());
        }
    }

    private CallWorkload calls(PolicyNode node) throws PolicyException {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.kind() == PolicyNode.Kind.BOOLEAN) {
            return node.bool("'calls'") ? CallWorkload.DEFAULT : null;
        }
        node.requireMap("'calls'");
        node.checkKeys("'calls'", CALL_KEYS);
        CallWorkload d = CallWorkload.DEFAULT;
        long duration = node.get("duration") == null ? d.durationNanos()
                : positiveDuration(node.get("duration"), "'duration'");
        long gap = node.get("gap") == null ? d.gapNanos() : duration(node.get("gap"), "'gap'");
        long setup = node.get("setup-timeout") == null ? d.setupTimeoutNanos()
                : positiveDuration(node.get("setup-timeout"), "'setup-timeout'");
        long silence = node.get("drop-silence") == null ? d.dropSilenceNanos()
                : positiveDuration(node.get("drop-silence"), "'drop-silence'");
        if (silence < CallWorkload.MIN_DROP_SILENCE_NANOS) {
            throw node.get("drop-silence").error("expected a drop-silence of at least 40ms (two 20 ms frames), got "
                    + node.get("drop-silence").rawText());
        }
        try {
            return new CallWorkload(duration, gap, setup, silence);
        } catch (IllegalArgumentException e) {
            throw node.error(e.getMessage());
        }
    }

    private MediaWorkload media(PolicyNode node) throws PolicyException {
        if (node == null || node.isNull()) {
            return null;
        }
        node.requireMap("'media'");
        node.checkKeys("'media'", MEDIA_KEYS);
        MediaWorkload d = MediaWorkload.DEFAULT;
        long size = node.get("size") == null ? d.transferBytes() : size(node.get("size"), "'size'");
        Direction direction = d.direction();
        PolicyNode directionNode = node.get("direction");
        if (directionNode != null) {
            String text = directionNode.text("'direction'").strip();
            if (text.equals("down")) {
                direction = Direction.DOWN;
            } else if (text.equals("up")) {
                direction = Direction.UP;
            } else {
                throw directionNode.error("unknown media direction '" + text + "'; expected one of down, up");
            }
        }
        int concurrency = node.get("concurrency") == null ? d.concurrency()
                : integer(node.get("concurrency"), "'concurrency'", 1, 1024);
        return new MediaWorkload(size, direction, concurrency);
    }

    private Strategies strategies(PolicyNode node, boolean noAlternatives) throws PolicyException {
        if (node == null || node.isNull()) {
            return Strategies.NONE;
        }
        node.requireMap("'strategies'");
        node.checkKeys("'strategies'", STRATEGY_KEYS);
        RetryStrategy retry = retry(node.get("retry"));
        boolean alternatives = false;
        PolicyNode alternativesNode = node.get("alternatives");
        if (alternativesNode != null) {
            alternatives = alternativesNode.bool("'alternatives'");
            if (alternatives && noAlternatives) {
                throw alternativesNode.error("the alternatives strategy needs names to try; expected a list "
                        + "under messenger.alternatives");
            }
        }
        int split = 0;
        PolicyNode splitNode = node.get("split-client-hello");
        if (splitNode != null) {
            if (splitNode.kind() == PolicyNode.Kind.BOOLEAN) {
                split = splitNode.bool("'split-client-hello'") ? 2 : 0;
            } else {
                split = integer(splitNode, "'split-client-hello' (TCP segments)", 2, 64);
            }
        }
        boolean noSni = node.get("no-sni") != null && node.get("no-sni").bool("'no-sni'");
        List<InetAddress> fallback = node.get("dns-fallback") == null ? List.of() : addresses(node.get("dns-fallback"));
        String doh = optionalHost(node.get("doh"), "'doh'");
        boolean callFallback = node.get("call-fallback") != null && callFallback(node.get("call-fallback"));
        boolean ech = node.get("ech") != null && node.get("ech").bool("'ech'");
        return new Strategies(retry, alternatives, split, noSni, fallback, doh, callFallback, quic(node.get("quic")),
                vpn(node.get("vpn"), false), ech);
    }

    /**
     * {@code vpn: wireguard}, or {@code vpn: { kind: tls, sni: www.example.test }}; in a phase also {@code none}
     * ({@link VpnStrategy#NONE}), in either form.
     */
    private static VpnStrategy vpn(PolicyNode node, boolean inPhase) throws PolicyException {
        if (node == null) {
            return null;
        }
        PolicyNode kindNode = node;
        String sni = null;
        if (node.kind() == PolicyNode.Kind.MAP) {
            node.checkKeys("'vpn'", List.of("kind", "sni"));
            kindNode = node.required("kind", "'vpn'");
            sni = optionalHost(node.get("sni"), "'sni'");
        }
        String text = kindNode.text("'vpn'").strip();
        if (inPhase && "none".equalsIgnoreCase(text)) {
            if (sni != null) {
                throw node.keyNode("sni").error("'sni' only applies to vpn kind tls");
            }
            return VpnStrategy.NONE;
        }
        dev.censorsim.messenger.vpn.VpnKind kind = dev.censorsim.messenger.vpn.VpnKind.fromWireName(text);
        if (kind == null) {
            throw kindNode.error("unknown vpn '" + text + "'; expected one of wireguard, openvpn, ikev2, shadowsocks, "
                    + (inPhase ? "tls or none" : "tls (none only in a phase)"));
        }
        if (sni != null && kind != dev.censorsim.messenger.vpn.VpnKind.TLS) {
            throw node.keyNode("sni").error("'sni' only applies to vpn kind tls");
        }
        return new VpnStrategy(kind, sni);
    }

    /** {@code quic: true}, or {@code quic: { timeout: 300ms, broken-for: 5m }}. */
    private static QuicStrategy quic(PolicyNode node) throws PolicyException {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.kind() == PolicyNode.Kind.BOOLEAN) {
            return node.bool("'quic'") ? QuicStrategy.DEFAULT : null;
        }
        node.requireMap("'quic'");
        node.checkKeys("'quic'", QUIC_KEYS);
        QuicStrategy d = QuicStrategy.DEFAULT;
        long timeout = node.get("timeout") == null ? d.timeoutNanos()
                : positiveDuration(node.get("timeout"), "'timeout'");
        long brokenFor = node.get("broken-for") == null ? d.brokenForNanos()
                : duration(node.get("broken-for"), "'broken-for'");
        return new QuicStrategy(timeout, brokenFor);
    }

    /** {@code call-fallback: tcp} (or {@code false}/{@code none}): the one fallback a call has is a TLS relay. */
    private static boolean callFallback(PolicyNode node) throws PolicyException {
        if (node.kind() == PolicyNode.Kind.BOOLEAN) {
            return node.bool("'call-fallback'");
        }
        String text = node.text("'call-fallback'").strip();
        if (text.equals("tcp")) {
            return true;
        }
        if (text.equals("none")) {
            return false;
        }
        throw node.error("unknown call fallback '" + text + "'; expected tcp or none");
    }

    private RetryStrategy retry(PolicyNode node) throws PolicyException {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.kind() == PolicyNode.Kind.BOOLEAN) {
            return node.bool("'retry'") ? RetryStrategy.DEFAULT : null;
        }
        node.requireMap("'retry'");
        node.checkKeys("'retry'", RETRY_KEYS);
        RetryStrategy d = RetryStrategy.DEFAULT;
        int attempts = node.get("attempts") == null ? d.attempts()
                : integer(node.get("attempts"), "'attempts'", 1, 1000);
        long base = node.get("base") == null ? d.baseNanos() : positiveDuration(node.get("base"), "'base'");
        long max = node.get("max") == null ? Math.max(d.maxNanos(), base)
                : positiveDuration(node.get("max"), "'max'");
        if (max < base) {
            throw node.get("max").error("expected 'max' of at least 'base' (" + Durations.format(base) + "), got "
                    + node.get("max").rawText());
        }
        double jitter = d.jitter();
        PolicyNode jitterNode = node.get("jitter");
        if (jitterNode != null) {
            jitter = number(jitterNode, "'jitter'");
            if (!(jitter >= 0 && jitter <= 1)) {
                throw jitterNode.error("expected 'jitter' in [0, 1], such as 0.5, got " + jitterNode.rawText());
            }
        }
        return new RetryStrategy(attempts, base, max, jitter);
    }

    /** {@code chat-protocol: tls} (the default) or {@code wa-noise}. */
    private static ChatProtocol chatProtocol(PolicyNode node) throws PolicyException {
        if (node == null) {
            return ChatProtocol.TLS;
        }
        ChatProtocol protocol = ChatProtocol.of(node.text("'chat-protocol'").strip());
        if (protocol == null) {
            throw node.error("unknown chat-protocol '" + node.text("'chat-protocol'").strip()
                    + "'; expected one of tls, wa-noise");
        }
        return protocol;
    }

    private static Front front(PolicyNode node) throws PolicyException {
        if (node == null) {
            return Front.FORWARD;
        }
        String text = node.text("'front'").strip();
        for (Front f : Front.values()) {
            if (f.wireName().equals(text)) {
                return f;
            }
        }
        throw node.error("unknown front '" + text + "'; expected one of forward, socks");
    }

    // ---- policies

    private Map<String, ScenarioPolicy> policies(PolicyNode node) throws PolicyException {
        node.requireMap("'policies'");
        if (node.keys().isEmpty()) {
            throw node.error("expected at least one named policy under 'policies'");
        }
        Map<String, ScenarioPolicy> policies = new LinkedHashMap<>();
        for (String name : node.keys()) {
            PolicyNode keyNode = node.keyNode(name);
            if (name.isBlank() || name.chars().anyMatch(Character::isWhitespace)) {
                throw keyNode.error("expected a policy name without spaces, got '" + name + "'");
            }
            PolicyNode value = node.get(name);
            if (value.kind() == PolicyNode.Kind.MAP && value.get("file") != null) {
                if (value.keys().size() > 1) {
                    String other = value.keys().stream().filter(k -> !k.equals("file")).findFirst().orElseThrow();
                    throw value.keyNode(other).error("unexpected key '" + other + "' next to 'file'; expected "
                            + "either { file: PATH } or an inline policy");
                }
                policies.put(name, filePolicy(name, value.get("file")));
            } else {
                if (value.kind() != PolicyNode.Kind.MAP) {
                    throw value.error("expected an inline policy (a mapping; {} for no rules) or { file: PATH } for "
                            + "policy '" + name + "', got " + value.kind().description());
                }
                policies.put(name, ScenarioPolicy.compile(name,
                        "inline (" + value.source() + ":" + value.line() + ")", value,
                        baseDir == null ? ListFiles.NONE : ListFiles.relativeTo(baseDir)));
            }
        }
        return policies;
    }

    private ScenarioPolicy filePolicy(String name, PolicyNode fileNode) throws PolicyException {
        String relative = fileNode.text("'file'").strip();
        if (baseDir == null) {
            throw fileNode.error("a policy file needs a scenario file to be resolved against; expected an inline "
                    + "policy");
        }
        Path file = fileNode.resolve(baseDir, relative, "a policy file");
        if (!Files.exists(file)) {
            throw fileNode.error("no policy file " + file + "; expected a path relative to the scenario file");
        }
        String yaml;
        try {
            yaml = InputFiles.readUtf8(file, PolicyLoader.MAX_FILE_BYTES, "policy file");
        } catch (InputFileException e) {
            throw fileNode.error(e.getMessage());
        }
        // Errors inside the policy file point at that file's own lines.
        return ScenarioPolicy.compile(name, file.toString(), PolicyLoader.readTree(yaml, file.toString()),
                ListFiles.besides(file));
    }

    // ---- timeline

    private List<Phase> timeline(PolicyNode node, Map<String, ScenarioPolicy> policies, MessengerSettings messenger)
            throws PolicyException {
        if (node.kind() != PolicyNode.Kind.SEQUENCE || node.items().isEmpty()) {
            throw node.error("expected a list of phases for 'timeline', got " + (node.kind()
                    == PolicyNode.Kind.SEQUENCE ? "an empty list" : node.kind().description()));
        }
        // Names first, so that a reference to a later phase can be told apart from a typo.
        List<String> names = new ArrayList<>();
        Map<String, PolicyNode> seen = new HashMap<>();
        for (PolicyNode phaseNode : node.items()) {
            phaseNode.requireMap("a phase");
            PolicyNode nameNode = phaseNode.required("phase", "a phase");
            String name = nameNode.text("'phase'").strip();
            try {
                Phase.checkName(name);
            } catch (IllegalArgumentException e) {
                throw nameNode.error("expected a phase name that starts with a letter and has only letters, "
                        + "digits, '_' and '-' (at most 64 characters), got '" + name + "'");
            }
            PolicyNode first = seen.putIfAbsent(name, nameNode);
            if (first != null) {
                throw nameNode.error("duplicate phase '" + name + "'; first given at " + first.line() + ":"
                        + first.column());
            }
            names.add(name);
        }
        List<Phase> phases = new ArrayList<>();
        for (PolicyNode phaseNode : node.items()) {
            phases.add(phase(phaseNode, policies, messenger, names));
        }
        checkVpnFigures(node, phases, messenger);
        return phases;
    }

    private Phase phase(PolicyNode node, Map<String, ScenarioPolicy> policies, MessengerSettings messenger,
                        List<String> timeline) throws PolicyException {
        node.checkKeys("a phase", PHASE_KEYS);
        String name = node.get("phase").text("'phase'").strip();
        String what = "phase '" + name + "'";
        PolicyNode durationNode = node.required("duration", what);
        long duration = positiveDuration(durationNode, "'duration'");
        if (duration > MAX_PHASE_NANOS) {
            // Longer is no test run; and past Long nanoseconds the phase's end wrapped and it ended at once.
            throw durationNode.error("expected a phase of at most 1440m (a day), got " + durationNode.rawText());
        }
        PolicyNode policyNode = node.required("policy", what);
        String policy = policyNode.text("'policy'").strip();
        if (!policies.containsKey(policy)) {
            throw policyNode.error("unknown policy '" + policy + "'; expected one of "
                    + String.join(", ", policies.keySet()));
        }
        String description = optionalText(node.get("description"), "'description'");
        List<Expectation> expectations = new ArrayList<>();
        PolicyNode expect = node.get("expect");
        if (expect != null && !expect.isNull()) {
            for (PolicyNode entry : expect.entries("'expect'")) {
                expectations.add(expectation(entry, name, timeline, messenger));
            }
        }
        PolicyNode vpnNode = node.get("vpn");
        VpnStrategy vpn = null;
        if (vpnNode != null) {
            vpn = vpn(vpnNode, true);
        }
        return new Phase(name, description, duration, policy, expectations, vpn);
    }

    private Expectation expectation(PolicyNode entry, String phase, List<String> timeline,
                                    MessengerSettings messenger) throws PolicyException {
        if (messenger == null) {
            throw entry.error("expectations measure the synthetic messenger, and this file has no 'messenger' "
                    + "block; expected a 'messenger' block or no 'expect' in phase '" + phase + "'");
        }
        if (entry.kind() != PolicyNode.Kind.STRING) {
            throw entry.error("expected an expectation such as 'media.throughput >= 30mbit' as a string, got "
                    + entry.kind().description() + (entry.kind() == PolicyNode.Kind.MAP
                    ? " (a ': ' inside an expectation makes YAML read a mapping; quote the expectation)" : ""));
        }
        String text = entry.rawText();
        Expectation expectation;
        try {
            expectation = ExpectationParser.parse(text, phase, timeline);
        } catch (ExpectationParser.Failure f) {
            throw at(entry, f.offset, f.getMessage() + " (column " + (f.offset + 1) + " of '" + text.strip()
                    + "')");
        }
        String unmeasured = unmeasured(expectation.metric(), messenger);
        if (unmeasured != null) {
            throw at(entry, text.indexOf(expectation.metric().name()), unmeasured);
        }
        if (expectation.threshold() instanceof Threshold.Relative relative) {
            unmeasured = unmeasured(relative.metric(), messenger);
            if (unmeasured != null) {
                // The reference's metric is the last occurrence: the compared one may have the same name.
                throw at(entry, text.lastIndexOf(relative.metric().name()), unmeasured);
            }
        }
        return expectation;
    }

    /**
     * Why the figures of {@code expectation} are never measured with {@code messenger}, or {@code null} when they
     * can be; for {@link ScenarioBuilder}, which has no file to point into.
     */
    static String unmeasured(Expectation expectation, MessengerSettings messenger) {
        String reason = unmeasured(expectation.metric(), messenger);
        if (reason == null && expectation.threshold() instanceof Threshold.Relative relative) {
            reason = unmeasured(relative.metric(), messenger);
        }
        return reason;
    }

    /**
     * Why {@code metric} is never measured with {@code messenger}, as an error that says what was expected, or
     * {@code null} when it can be. Refused at load time so that a scenario that loads can run: otherwise the whole
     * timeline runs and only then fails as "not measured". The VPN figures depend on the phases as well, and are
     * checked by {@link #checkVpnFigures}.
     */
    private static String unmeasured(Metric metric, MessengerSettings messenger) {
        String name = metric.name();
        boolean control = name.startsWith(Metric.CONTROL_PREFIX);
        String figure = control ? name.substring(Metric.CONTROL_PREFIX.length()) : name;
        if (control && messenger.controlName() == null) {
            return "expectation on the control name, but the messenger has none; expected a 'control' name under "
                    + "'messenger' (one no rule lists) or another metric";
        }
        if (figure.startsWith("dns.") && messenger.dns() == null) {
            return "expectation on DNS lookups, but the messenger does not resolve through DNS; expected a 'dns' "
                    + "block under 'messenger' (e.g. dns: { zone: zones/messenger.zone }) or another metric";
        }
        if (control) {
            // LocalScenarioRunner's control client: chat on the control name, with its connections and lookups.
            if (CONTROL_FIGURES.stream().noneMatch(figure::startsWith)) {
                return "expectation on " + name + ", but the control client runs chat only (no media, calls, QUIC "
                        + "or VPN); expected one of control.chat.*, control.connect.*, control.dns.*, "
                        + "control.first_failure.seconds or another metric";
            }
            return null;
        }
        String traffic = figure.startsWith("chat.") && messenger.chat() == null ? "chat"
                : figure.startsWith("media.") && messenger.media() == null ? "media"
                : figure.startsWith("call.") && messenger.calls() == null ? "calls" : null;
        if (traffic != null) {
            return "expectation on " + traffic + " traffic, but messenger.workload has no " + traffic
                    + "; expected a '" + traffic + "' workload or another metric";
        }
        if (figure.startsWith("quic.") && messenger.strategies().quic() == null) {
            return "expectation on QUIC, but the messenger does not try QUIC; expected 'quic: true' under "
                    + "messenger.strategies or another metric";
        }
        return null;
    }

    /** The figures the control client measures: the prefixes after {@code control.}. */
    private static final List<String> CONTROL_FIGURES =
            List.of("chat.", "connect.", "dns.", "first_failure.");

    /** Whether {@code metric} is one of the {@code vpn.*} figures, which exist only when some phase uses a VPN. */
    static boolean isVpn(Metric metric) {
        return metric.name().startsWith("vpn.");
    }

    /** The reason {@link #isVpn} figures are refused when no phase uses a VPN. */
    static final String NO_VPN = "no phase uses a VPN; expected 'vpn' under messenger.strategies or in a phase, or "
            + "another metric";

    /**
     * Refuses the first {@code vpn.*} expectation when no phase of the timeline uses a VPN (so the runner starts no
     * tunnel and the figures are never measured). Checked once every phase is read, since a later phase's
     * {@code vpn:} makes them measurable in all.
     */
    private void checkVpnFigures(PolicyNode timelineNode, List<Phase> phases, MessengerSettings messenger)
            throws PolicyException {
        if (messenger == null || phases.stream().anyMatch(p -> p.vpnIn(messenger.strategies()) != null)) {
            return;
        }
        for (int i = 0; i < phases.size(); i++) {
            List<Expectation> expectations = phases.get(i).expectations();
            if (expectations.isEmpty()) {
                continue;
            }
            // Parsed in this order by phase(), so entry j is expectation j.
            List<PolicyNode> entries = timelineNode.items().get(i).get("expect").entries("'expect'");
            for (int j = 0; j < expectations.size(); j++) {
                Expectation expectation = expectations.get(j);
                String text = entries.get(j).rawText();
                if (isVpn(expectation.metric())) {
                    throw at(entries.get(j), text.indexOf(expectation.metric().name()),
                            "expectation on " + expectation.metric().name() + ", but " + NO_VPN);
                }
                if (expectation.threshold() instanceof Threshold.Relative relative && isVpn(relative.metric())) {
                    throw at(entries.get(j), text.lastIndexOf(relative.metric().name()),
                            "expectation on " + relative.metric().name() + ", but " + NO_VPN);
                }
            }
        }
    }

    /** Where 1-based line {@code line} starts in the text, lines ending at '\n'; -1 past the last line. */
    private int lineStart(int line) {
        if (line < 1) {
            return -1;
        }
        int start = 0;
        for (int n = 1; n < line; n++) {
            int newline = yaml.indexOf('\n', start);
            if (newline < 0) {
                return -1;
            }
            start = newline + 1;
        }
        return start;
    }

    /** An error {@code offset} characters into a scalar, skipping the opening quote of a quoted scalar. */
    private PolicyException at(PolicyNode scalar, int offset, String detail) {
        int column = scalar.column();
        int lineStart = lineStart(scalar.line());
        if (lineStart >= 0 && column >= 1) {
            int lineEnd = yaml.indexOf('\n', lineStart);
            if (lineEnd < 0) {
                lineEnd = yaml.length();
            }
            if (lineEnd > lineStart && yaml.charAt(lineEnd - 1) == '\r') {
                lineEnd--;
            }
            if (column <= lineEnd - lineStart) {
                char c = yaml.charAt(lineStart + column - 1);
                if (c == '"' || c == '\'') {
                    column++;
                }
            }
        }
        return new PolicyException(scalar.source(), scalar.line(), column + Math.max(offset, 0), detail);
    }

    // ---- scalars

    private static String optionalText(PolicyNode node, String what) throws PolicyException {
        return node == null || node.isNull() ? "" : node.text(what).strip();
    }

    private static String host(PolicyNode node, String what) throws PolicyException {
        String name = node.text(what).strip();
        try {
            MessengerSettings.checkHostName(name, what);
        } catch (IllegalArgumentException e) {
            throw node.error("expected a host name such as g.whatsapp.net for " + what + ", got '" + name + "'");
        }
        return name;
    }

    private static String optionalHost(PolicyNode node, String what) throws PolicyException {
        return node == null || node.isNull() ? null : host(node, what);
    }

    /** The longest phase: a day. Sums of phases cannot overflow with it (a scenario file is at most 4 MiB). */
    static final long MAX_PHASE_NANOS = 86_400_000_000_000L;

    private static long positiveDuration(PolicyNode node, String what) throws PolicyException {
        long nanos = duration(node, what);
        if (nanos <= 0) {
            throw node.error("expected a positive duration for " + what + ", got " + node.rawText());
        }
        return nanos;
    }

    /** A duration that may be zero. */
    private static long duration(PolicyNode node, String what) throws PolicyException {
        try {
            return Durations.parseNanos(node.text(what));
        } catch (IllegalArgumentException e) {
            throw node.error(e.getMessage());
        }
    }

    private static long size(PolicyNode node, String what) throws PolicyException {
        try {
            return DataSize.parseBytes(node.text(what));
        } catch (IllegalArgumentException e) {
            throw node.error(e.getMessage());
        }
    }

    private static double messageRate(PolicyNode node) throws PolicyException {
        String text = node.text("'rate'");
        Matcher m = MESSAGE_RATE.matcher(text);
        if (!m.matches()) {
            throw node.error("expected a message rate such as 5/s or 30/m, got '" + text + "'");
        }
        double perUnit = Double.parseDouble(m.group(1));
        double perSecond = m.group(2).equals("s") ? perUnit : perUnit / 60;
        if (!(perSecond > 0) || perSecond > 100_000) {
            throw node.error("expected a message rate above 0 and at most 100000/s, got '" + text + "'");
        }
        return perSecond;
    }

    private static int integer(PolicyNode node, String what, int min, int max) throws PolicyException {
        if (node.kind() != PolicyNode.Kind.INT) {
            throw node.error("expected an integer for " + what + ", got " + (node.rawText() != null
                    ? "'" + node.rawText() + "'" : node.kind().description()));
        }
        long value;
        try {
            value = Long.parseLong(node.rawText().replace("_", ""));
        } catch (NumberFormatException e) {
            value = Long.MAX_VALUE;
        }
        if (value < min || value > max) {
            throw node.error("expected " + what + " from " + min + " to " + max + ", got " + node.rawText());
        }
        return (int) value;
    }

    private static double number(PolicyNode node, String what) throws PolicyException {
        if (node.kind() != PolicyNode.Kind.INT && node.kind() != PolicyNode.Kind.FLOAT) {
            throw node.error("expected a number for " + what + ", got " + (node.rawText() != null
                    ? "'" + node.rawText() + "'" : node.kind().description()));
        }
        try {
            double value = Double.parseDouble(node.rawText().replace("_", ""));
            if (!Double.isFinite(value)) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw node.error("expected a finite number for " + what + ", got " + node.rawText());
        }
    }
}
