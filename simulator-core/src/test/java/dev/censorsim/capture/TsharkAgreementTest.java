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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Wireshark as the referee: on a generated trace, tshark must read every record without complaint, and the SNI it
 * dissects from each ClientHello (reassembled across TCP segments, or decrypted from a QUIC Initial) must be the SNI
 * the packet classifier reports for that flow, including QUIC ClientHellos spread over two Initials in either order
 * (tshark reassembles the CRYPTO stream too). Needs tshark on the PATH; tagged {@code tools} so it can be selected or left out as a group.
 */
@Tag("tools")
class TsharkAgreementTest {

    private static final long TIMEOUT_SECONDS = 120;

    private static List<String> tshark(Path trace, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("tshark", "-n", "-r", trace.toString()));
        command.addAll(List.of(arguments));
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(false).start();
        } catch (IOException e) {
            fail("tshark is not installed: apt-get install tshark (" + e.getMessage() + ")");
            throw e;
        }
        process.getOutputStream().close();
        Path stderr = Files.createTempFile("tshark", ".err");
        // Drain stderr in the background so a chatty tshark cannot block on a full pipe.
        Thread drain = new Thread(() -> {
            try {
                Files.copy(process.getErrorStream(), stderr, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException ignored) {
                // The exit code and the output are what the test judges.
            }
        });
        drain.start();
        List<String> lines = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
                .toList();
        assertThat(process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("tshark finished").isTrue();
        drain.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
        String errors = Files.readString(stderr).lines()
                .filter(l -> !l.contains("Running as user \"root\"")).reduce("", (a, b) -> a + b + "\n");
        Files.deleteIfExists(stderr);
        assertThat(process.exitValue()).as("tshark exit code; stderr: %s", errors).isZero();
        assertThat(errors).as("tshark stderr").isBlank();
        return lines;
    }

    @Test
    void tsharkShouldReadTheTraceAndAgreeOnEverySni(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("trace.pcap");
        try (PcapWriter writer = new PcapWriter(new BufferedOutputStream(Files.newOutputStream(trace)))) {
            new TraceGenerator(1500, 99).write(writer);
        }

        List<String> malformed = tshark(trace, "-Y", "_ws.malformed || _ws.expert.severity == error");
        assertThat(malformed).as("packets tshark calls malformed or errors").isEmpty();

        Map<String, String> tsharkSni = new HashMap<>();
        for (String line : tshark(trace, "-Y", "tls.handshake.type == 1", "-T", "fields", "-E", "separator=|",
                "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport", "-e", "udp.srcport", "-e", "ip.dst",
                "-e", "ipv6.dst", "-e", "tcp.dstport", "-e", "udp.dstport",
                "-e", "tls.handshake.extensions_server_name")) {
            String[] f = line.split("\\|", -1);
            String transport = f[2].isEmpty() ? "udp" : "tcp";
            String sourcePort = f[2].isEmpty() ? f[3] : f[2];
            String destinationPort = f[6].isEmpty() ? f[7] : f[6];
            String client = f[0].isEmpty() ? "[" + f[1] + "]:" + sourcePort : f[0] + ":" + sourcePort;
            String server = f[4].isEmpty() ? "[" + f[5] + "]:" + destinationPort : f[4] + ":" + destinationPort;
            tsharkSni.put(transport + " " + client + " " + server, f[8]);
        }

        Map<String, String> ourSni = new HashMap<>();
        PacketClassifier classifier = new PacketClassifier(1 << 14, PacketClassifier.DEFAULT_IDLE_TIMEOUT_NANOS, 256,
                InspectionSettings.DEFAULT, CompiledPolicy.empty(), flow -> {
                    if (flow.protocol() == Protocol.TLS || flow.protocol() == Protocol.QUIC) {
                        ourSni.put(flow.transport() + " " + flow.client() + " " + flow.server(),
                                flow.sni() == null ? "" : flow.sni());
                    }
                });
        PacketReader reader = PacketReaders.open(trace);
        while (reader.next()) {
            classifier.onPacket(reader);
        }
        classifier.finish();

        assertThat(tsharkSni).as("ClientHellos tshark found").hasSizeGreaterThan(300)
                .as("some carried in decrypted QUIC Initials").containsKey(tsharkSni.keySet().stream()
                        .filter(k -> k.startsWith("udp ")).findFirst().orElse("no QUIC ClientHello"));
        assertThat(ourSni).as("SNI per flow, censorsim vs tshark").isEqualTo(tsharkSni);
        assertThat(classifier.quicHellosOverSeveralInitials())
                .as("post-quantum QUIC ClientHellos spanning two Initials (some reordered) are in the comparison")
                .isGreaterThan(30);
    }

    private static Map<String, FlowSummary> classify(Path capture) throws Exception {
        Map<String, FlowSummary> flows = new HashMap<>();
        PacketClassifier classifier = new PacketClassifier(1 << 14, PacketClassifier.DEFAULT_IDLE_TIMEOUT_NANOS, 256,
                InspectionSettings.DEFAULT, CompiledPolicy.empty(),
                flow -> flows.put(flow.transport() + " " + flow.client() + " " + flow.server(), flow));
        PacketReader reader = PacketReaders.open(capture);
        while (reader.next()) {
            classifier.onPacket(reader);
        }
        classifier.finish();
        assertThat(reader.problem()).isNull();
        return flows;
    }

    @Test
    void pcapngWrittenByEditcapShouldClassifyExactlyLikeThePcap(@TempDir Path dir) throws Exception {
        Path pcap = dir.resolve("trace.pcap");
        Path pcapng = dir.resolve("trace.pcapng");
        try (PcapWriter writer = new PcapWriter(new BufferedOutputStream(Files.newOutputStream(pcap)))) {
            new TraceGenerator(300, 5).write(writer);
        }
        Process editcap;
        try {
            editcap = new ProcessBuilder("editcap", "-F", "pcapng", pcap.toString(), pcapng.toString())
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            fail("editcap is not installed: apt-get install tshark (" + e.getMessage() + ")");
            return;
        }
        editcap.getInputStream().readAllBytes();
        assertThat(editcap.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(editcap.exitValue()).isZero();

        Map<String, FlowSummary> fromPcap = classify(pcap);
        Map<String, FlowSummary> fromPcapng = classify(pcapng);

        assertThat(fromPcapng).hasSize(300).isEqualTo(fromPcap);
    }
}
