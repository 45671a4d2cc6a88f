package dev.censorsim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code censorsim proxy --udp} as a real process: banner, policy applied per datagram, a flow line, counters. */
class UdpProxyCommandProcessTest {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void udpProxyShouldApplyThePolicyAndLogTheFlowWhenItGoesIdle(@TempDir Path dir) throws Exception {
        Path policy = dir.resolve("policy.yaml");
        Files.writeString(policy, """
                rules:
                  - name: first-three
                    action: { type: drop-after, packets: 3 }
                """);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (DatagramSocket server = new DatagramSocket(new InetSocketAddress(loopback, 0));
             DatagramSocket client = new DatagramSocket(new InetSocketAddress(loopback, 0))) {
            int port = freeUdpPort();
            Process process = new ProcessBuilder(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                    "proxy", "--udp", "--listen", "127.0.0.1:" + port,
                    "--upstream", HostPortConverter.format((InetSocketAddress) server.getLocalSocketAddress()),
                    "--udp-idle-timeout", "300ms", "--policy", policy.toString()))
                    .redirectErrorStream(true)
                    .start();
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                assertThat(out.readLine()).startsWith("censorsim proxy: UDP on 127.0.0.1:" + port)
                        .contains("idle timeout 300ms").contains("(1 rules)");
                assertThat(out.readLine()).contains("Ctrl-C");

                InetSocketAddress relay = new InetSocketAddress(loopback, port);
                for (int i = 0; i < 5; i++) {
                    byte[] payload = ("datagram " + i).getBytes(StandardCharsets.US_ASCII);
                    client.send(new DatagramPacket(payload, payload.length, relay));
                }
                assertThat(receiveAll(server)).as("drop-after 3 packets").isEqualTo(3);

                String flowLine = out.readLine();
                assertThat(flowLine).startsWith("udp 127.0.0.1:").contains("proto=unknown rule=first-three")
                        .contains("action=drop after 3 packets").contains("up=5p/50B (2 dropped)")
                        .endsWith("end=idle");

                new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor();
                StringBuilder rest = new StringBuilder();
                for (String line; (line = out.readLine()) != null; ) {
                    rest.append(line).append('\n');
                }
                assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
                assertThat(rest).contains("censorsim: rule counters").containsPattern("first-three +1 +30 +0");
            } finally {
                process.destroyForcibly();
            }
        }
    }

    private static int receiveAll(DatagramSocket server) throws Exception {
        server.setSoTimeout(1_000);
        byte[] buffer = new byte[2048];
        int count = 0;
        try {
            while (count < 10) {
                server.receive(new DatagramPacket(buffer, buffer.length));
                count++;
                server.setSoTimeout(300);
            }
        } catch (SocketTimeoutException quiet) {
            // no more datagrams
        }
        return count;
    }

    private static int freeUdpPort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return s.getLocalPort();
        }
    }
}
