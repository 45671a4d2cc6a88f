package dev.censorsim.capture;

import dev.censorsim.classify.InspectionSettings;
import dev.censorsim.classify.Protocol;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.trace.PcapWriter;
import dev.censorsim.trace.TraceGenerator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Wireshark as the referee for the VPN recognisers: on a generated trace with WireGuard, OpenVPN (UDP and TCP),
 * IKEv2 and Shadowsocks-style flows, every flow the packet classifier labels a VPN is the one tshark's dissector
 * ({@code wg}, {@code openvpn}, {@code isakmp}) labels, and the other way round; the fully-encrypted flows are ones
 * tshark can only call {@code data}. Decode-as hints give tshark the VPNs' default ports explicitly, as a capture from
 * a non-default port would need. Needs tshark; tagged {@code tools}.
 */
@Tag("tools")
class TsharkVpnAgreementTest {

    private static final long TIMEOUT_SECONDS = 120;
    private static final Map<String, Protocol> DISSECTORS = Map.of("wg", Protocol.WIREGUARD,
            "openvpn", Protocol.OPENVPN, "isakmp", Protocol.IKEV2, "esp", Protocol.ESP, "l2tp", Protocol.L2TP);
    private static final Set<Protocol> VPNS = EnumSet.of(Protocol.WIREGUARD, Protocol.OPENVPN, Protocol.IKEV2,
            Protocol.ESP, Protocol.L2TP);

    private static List<String> tshark(Path trace, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("tshark", "-n", "-r", trace.toString(),
                "-d", "udp.port==51820,wg", "-d", "udp.port==1194,openvpn", "-d", "tcp.port==1194,openvpn"));
        command.addAll(List.of(arguments));
        Process process;
        try {
            process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            fail("tshark is not installed: apt-get install tshark (" + e.getMessage() + ")");
            throw e;
        }
        process.getOutputStream().close();
        List<String> lines = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                .toList();
        assertThat(process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("tshark finished").isTrue();
        assertThat(process.exitValue()).as("tshark exit code").isZero();
        return lines;
    }

    private static String endpoint(String v4, String v6, String port) {
        return v4.isEmpty() ? "[" + v6 + "]:" + port : v4 + ":" + port;
    }

    @Test
    void classifyShouldLabelEveryVpnFlowAsTsharkDissectsIt(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("vpn.pcap");
        try (PcapWriter writer = new PcapWriter(new BufferedOutputStream(Files.newOutputStream(trace)))) {
            new TraceGenerator(2500, 99).write(writer);
        }
        assertThat(tshark(trace, "-Y", "_ws.malformed || _ws.expert.severity == error"))
                .as("packets tshark calls malformed").isEmpty();

        Map<String, Protocol> ours = new HashMap<>();
        PacketClassifier classifier = new PacketClassifier(1 << 14, PacketClassifier.DEFAULT_IDLE_TIMEOUT_NANOS, 256,
                InspectionSettings.DEFAULT, CompiledPolicy.empty(),
                flow -> ours.put(flow.transport() + " " + flow.client() + " " + flow.server(), flow.protocol()));
        PacketReader reader = PacketReaders.open(trace);
        while (reader.next()) {
            classifier.onPacket(reader);
        }
        classifier.finish();

        // Per flow, whichever way the packet went: the VPN dissectors tshark used, and whether it saw only "data".
        Map<String, Set<String>> theirs = new HashMap<>();
        for (String line : tshark(trace, "-Y", "tcp.len > 0 || udp", "-T", "fields", "-E", "separator=|",
                "-e", "frame.protocols", "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport", "-e", "udp.srcport",
                "-e", "ip.dst", "-e", "ipv6.dst", "-e", "tcp.dstport", "-e", "udp.dstport")) {
            String[] f = line.split("\\|", -1);
            String transport = f[3].isEmpty() ? "udp" : "tcp";
            String a = endpoint(f[1], f[2], f[3].isEmpty() ? f[4] : f[3]);
            String b = endpoint(f[5], f[6], f[7].isEmpty() ? f[8] : f[7]);
            String key = ours.containsKey(transport + " " + a + " " + b) ? transport + " " + a + " " + b
                    : transport + " " + b + " " + a;
            Set<String> labels = theirs.computeIfAbsent(key, k -> new TreeSet<>());
            String[] layers = f[0].split(":");
            for (String layer : layers) {
                if (DISSECTORS.containsKey(layer)) {
                    labels.add(layer);
                }
            }
            if (layers[layers.length - 1].equals("data")) {
                labels.add("data");
            }
        }

        Map<Protocol, Integer> agreed = new HashMap<>();
        for (Map.Entry<String, Protocol> flow : ours.entrySet()) {
            Set<String> labels = theirs.getOrDefault(flow.getKey(), Set.of());
            Set<Protocol> tsharkVpns = EnumSet.noneOf(Protocol.class);
            labels.stream().filter(DISSECTORS::containsKey).forEach(l -> tsharkVpns.add(DISSECTORS.get(l)));
            Protocol protocol = flow.getValue();
            if (VPNS.contains(protocol) || !tsharkVpns.isEmpty()) {
                assertThat(tsharkVpns).as("tshark's dissectors on %s, which classify calls %s", flow.getKey(),
                        protocol.wireName()).containsExactly(protocol);
                agreed.merge(protocol, 1, Integer::sum);
            }
            if (protocol == Protocol.FULLY_ENCRYPTED) {
                assertThat(labels).as("tshark on the fully-encrypted flow %s", flow.getKey()).containsExactly("data");
                agreed.merge(protocol, 1, Integer::sum);
            }
        }
        assertThat(agreed).as("flows of each kind compared").containsKeys(Protocol.WIREGUARD, Protocol.OPENVPN,
                Protocol.IKEV2, Protocol.FULLY_ENCRYPTED);
        assertThat(agreed.values()).allSatisfy(count -> assertThat(count).isGreaterThanOrEqualTo(10));
    }
}
