package dev.censorsim.capture;

import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.proxy.CensorProxy;
import dev.censorsim.proxy.ProxyOptions;
import dev.censorsim.proxy.udp.UdpRelay;
import dev.censorsim.proxy.udp.UdpRelayOptions;
import dev.censorsim.testing.Curl;
import dev.censorsim.testing.OpenSslServer;
import dev.censorsim.testing.ProcessResult;
import dev.censorsim.testing.Processes;
import dev.censorsim.testing.Tools;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --pcap} as tshark reads it: through a port-forward proxy, curl's ClientHello carries the SNI it sent, the
 * reset flow's last packet is an RST toward the client and the served flow ends in FINs; through the UDP relay, each
 * datagram and its echo. Needs curl, openssl and tshark.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CaptureTest {

    private static final String BLOCKED = "blocked.censorsim.test";
    private static final String ALLOWED = "allowed.censorsim.test";

    private static OpenSslServer tls;

    @BeforeAll
    static void start() throws Exception {
        Tools.require("tshark", "apt-get install tshark");
        tls = OpenSslServer.start(ALLOWED, BLOCKED);
    }

    @AfterAll
    static void stop() throws Exception {
        if (tls != null) {
            tls.close();
        }
    }

    @Test
    void tsharkShouldReadTheSniAndSeeTheResetFlowEndInRst(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("proxy.pcap");
        PolicyHolder policy = new PolicyHolder(PolicyLoader.parse("""
                rules:
                  - name: sni-reset
                    match: { sni: [blocked.censorsim.test] }
                    action: { type: reset }
                """, "policy.yaml"));
        int port;
        try (CaptureFile capture = CaptureFile.open(file)) {
            try (CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(tls.address()).policy(policy)
                    .capture(capture).build())) {
                port = proxy.localAddress().getPort();
                for (String name : List.of(BLOCKED, ALLOWED)) {
                    Curl.run("--cacert", tls.certificate().toString(), "--resolve", name + ":" + port + ":127.0.0.1",
                            "https://" + name + ":" + port + "/");
                }
            }
        }

        List<String[]> hellos = tshark(file, "-d", "tcp.port==" + port + ",tls", "-Y", "tls.handshake.type==1",
                "-T", "fields", "-e", "tcp.stream", "-e", "tls.handshake.extensions_server_name");
        assertThat(hellos).extracting(f -> f[1]).containsExactly(BLOCKED, ALLOWED);
        String blockedStream = hellos.get(0)[0];
        String allowedStream = hellos.get(1)[0];

        List<String[]> packets = tshark(file, "-T", "fields", "-e", "tcp.stream", "-e", "tcp.srcport",
                "-e", "tcp.flags.reset", "-e", "tcp.flags.fin");
        String[] lastBlocked = last(packets, blockedStream);
        assertThat(lastBlocked[1]).as("sent by the censor's side").isEqualTo(Integer.toString(port));
        assertThat(lastBlocked[2]).as("RST flag of the reset flow's last packet").isEqualTo("1");
        assertThat(packets.stream().filter(p -> p[0].equals(allowedStream)))
                .as("the served flow has no RST").noneMatch(p -> p[2].equals("1"))
                .filteredOn(p -> p[3].equals("1")).hasSize(2);
    }

    @Test
    void udpRelayCaptureShouldHoldEachDatagramAndItsEcho(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("udp.pcap");
        InetAddress loopback = InetAddress.getLoopbackAddress();
        int relayPort;
        try (DatagramSocket echo = new DatagramSocket(new InetSocketAddress(loopback, 0));
             DatagramSocket client = new DatagramSocket(new InetSocketAddress(loopback, 0));
             CaptureFile capture = CaptureFile.open(file)) {
            try (UdpRelay relay = UdpRelay.start(UdpRelayOptions.forward(
                    (InetSocketAddress) echo.getLocalSocketAddress()).capture(capture).build())) {
                relayPort = relay.localAddress().getPort();
                echo.setSoTimeout(5_000);
                client.setSoTimeout(5_000);
                byte[] buffer = new byte[512];
                for (int i = 0; i < 3; i++) {
                    byte[] payload = ("ping " + i).getBytes(StandardCharsets.US_ASCII);
                    client.send(new DatagramPacket(payload, payload.length, relay.localAddress()));
                    DatagramPacket got = new DatagramPacket(buffer, buffer.length);
                    echo.receive(got);
                    echo.send(new DatagramPacket(got.getData(), got.getLength(), got.getSocketAddress()));
                    client.receive(new DatagramPacket(buffer, buffer.length));
                }
            }
        }

        List<String[]> datagrams = tshark(file, "-Y", "udp", "-T", "fields", "-e", "udp.srcport", "-e", "udp.dstport",
                "-e", "data.data");
        assertThat(datagrams).hasSize(6);
        for (int i = 0; i < 3; i++) {
            String hex = HexFormat.of().formatHex(("ping " + i).getBytes(StandardCharsets.US_ASCII));
            assertThat(datagrams.get(2 * i)).as("client to relay").containsExactly(datagrams.get(2 * i)[0],
                    Integer.toString(relayPort), hex);
            assertThat(datagrams.get(2 * i + 1)).as("relay to client").containsExactly(Integer.toString(relayPort),
                    datagrams.get(2 * i)[0], hex);
        }
    }

    private static String[] last(List<String[]> packets, String stream) {
        String[] last = null;
        for (String[] p : packets) {
            if (p[0].equals(stream)) {
                last = p;
            }
        }
        assertThat(last).as("packets of stream " + stream).isNotNull();
        return last;
    }

    /** Runs tshark on {@code file} and splits each output line on tabs. */
    static List<String[]> tshark(Path file, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("tshark", "-n", "-r", file.toString()));
        command.addAll(Arrays.asList(args));
        ProcessResult result = Processes.run(command, Duration.ofSeconds(60));
        assertThat(result.exitCode()).as(result.toString()).isZero();
        List<String[]> rows = new ArrayList<>();
        for (String line : result.stdout().split("\n")) {
            if (!line.isBlank()) {
                rows.add(line.split("\t", -1));
            }
        }
        return rows;
    }
}
