package dev.censorsim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code censorsim messenger server} as a real process (banner, CA file, SIGTERM) and {@code messenger client} in
 * process against it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MessengerCommandTest {

    private static final Pattern LISTENING = Pattern.compile("listening on (127\\.0\\.0\\.1:\\d+) for ");
    private static final Pattern CA = Pattern.compile("CA certificate (\\S+) ");

    @Test
    void caWithoutCaOutShouldLiveInAPrivateDirectoryRemovedOnSigterm(@TempDir Path tmp) throws Exception {
        Process server = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "messenger", "server", "--name", "g.whatsapp.net"))
                .redirectErrorStream(true)
                .start();
        Path caFile;
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(LISTENING.matcher(out.readLine()).find()).isTrue();
            Matcher ca = CA.matcher(out.readLine());
            assertThat(ca.find()).isTrue();
            caFile = Path.of(ca.group(1));
            assertThat(caFile.getParent().getParent()).isEqualTo(tmp.toRealPath());
            assertThat(Files.getPosixFilePermissions(caFile.getParent()))
                    .isEqualTo(PosixFilePermissions.fromString("rwx------"));
            assertThat(Files.readString(caFile)).startsWith("-----BEGIN CERTIFICATE-----");
            // The server is ready for a clean stop once it says so; a SIGTERM before that is the JVM's default exit.
            for (String line = out.readLine(); line != null && !line.contains("press Ctrl-C to stop");
                 line = out.readLine()) {
                // the UDP endpoint line comes first
            }
        } finally {
            server.destroy(); // SIGTERM: the shutdown hook closes the server and removes the CA
            assertThat(server.waitFor(20, TimeUnit.SECONDS)).as("exits on SIGTERM").isTrue();
        }
        assertThat(caFile.getParent()).doesNotExist();
        try (var left = Files.list(tmp)) {
            assertThat(left).as("nothing left in the temporary directory").isEmpty();
        }
    }

    @Test
    void clientShouldChatWithAServerProcessAndPrintItsFigures(@TempDir Path dir) throws Exception {
        Path caFile = dir.resolve("ca.pem");
        Process server = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "messenger", "server", "--name", "g.whatsapp.net", "mmg.whatsapp.net", "--ca-out", caFile.toString()))
                .redirectErrorStream(true)
                .start();
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
            Matcher listening = LISTENING.matcher(out.readLine());
            assertThat(listening.find()).isTrue();
            Matcher ca = CA.matcher(out.readLine());
            assertThat(ca.find()).isTrue();
            assertThat(Path.of(ca.group(1))).isEqualTo(caFile.toAbsolutePath());
            assertThat(Files.readString(caFile)).startsWith("-----BEGIN CERTIFICATE-----");

            CliRun run = CliRun.of("messenger", "client", "--ca", caFile.toString(), "--via", listening.group(1),
                    "--chat-rate", "20", "--media-size", "200kb", "--duration", "3s", "--series");

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out()).startsWith("censorsim messenger client: chat 20/s to g.whatsapp.net, media 200000 B "
                    + "down x1 to mmg.whatsapp.net, by route for 3s");
            // Only loose bounds: two cold JVMs on a loaded 2-core box may need a second for the first handshake.
            assertThat(run.out()).containsPattern("chat\\.delivered_ratio\\s+(1\\.000|0\\.[5-9]\\d\\d)")
                    .containsPattern("media\\.throughput\\s+[\\d.]+ [MG]bit/s")
                    .contains("connect.ok").contains("per second").doesNotContain("warning");
        } finally {
            server.destroy(); // SIGTERM: the shutdown hook closes the server
            assertThat(server.waitFor(10, TimeUnit.SECONDS)).as("exits on SIGTERM").isTrue();
        }
    }

    @Test
    void clientShouldWarnInPlainWordsWhenNothingConnects(@TempDir Path dir) throws Exception {
        Path caFile = dir.resolve("ca.pem");
        try (dev.censorsim.messenger.MessengerServer server = dev.censorsim.messenger.MessengerServer.start(
                dev.censorsim.messenger.MessengerServerOptions.builder().names(List.of("g.whatsapp.net")).build())) {
            server.trust().writePem(caFile);
        }
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }

        CliRun run = CliRun.of("messenger", "client", "--ca", caFile.toString(), "--via", "127.0.0.1:" + closedPort,
                "--chat-rate", "10", "--duration", "500ms");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("connect.refused").contains("warning: no connection succeeded")
                .contains("warning: no chat message was delivered");
    }

    @Test
    void clientShouldPlaceCallsAndTryQuicFirstAgainstTheServersUdpEndpoint(@TempDir Path dir) throws Exception {
        Path caFile = dir.resolve("ca.pem");
        try (dev.censorsim.messenger.MessengerServer server = dev.censorsim.messenger.MessengerServer.start(
                dev.censorsim.messenger.MessengerServerOptions.builder().names(List.of("g.whatsapp.net")).build())) {
            server.trust().writePem(caFile);
            String udp = HostPortConverter.format(server.mediaAddress());

            CliRun run = CliRun.of("messenger", "client", "--ca", caFile.toString(), "--via",
                    HostPortConverter.format(server.address()), "--chat-rate", "10", "--calls", udp,
                    "--call-length", "1s", "--call-gap", "0s", "--quic", udp, "--quic-timeout", "5s", "--churn", "1s",
                    "--duration", "3s");

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out()).contains("calls via udp " + udp, "QUIC first via udp " + udp)
                    .containsPattern("call\\.setup_ok\\s+[1-9]")
                    .containsPattern("call\\.mos\\s+4\\.\\d\\d")
                    // Real QUIC: a cold JVM's first handshake on a loaded box can take seconds, hence --quic-timeout.
                    .containsPattern("quic\\.ok\\s+[1-9]")
                    .containsPattern("quic\\.share\\s+1\\.000")
                    .doesNotContain("warning");
        }
    }

    @Test
    void clientShouldResolveThroughDnsAndFallBackToAHardcodedAddressWhenTheNameIsRemoved(@TempDir Path dir)
            throws Exception {
        Path caFile = dir.resolve("ca.pem");
        dev.censorsim.dns.Zone zone = dev.censorsim.dns.Zone.builder().ttl(1).a("g.whatsapp.net", "127.0.0.1")
                .build();
        dev.censorsim.policy.CompiledPolicy removal = dev.censorsim.policy.PolicyLoader.parse(
                "rules:\n  - { name: removal, match: { qname: [g.whatsapp.net] }, action: { type: nxdomain } }\n",
                "removal.yaml");
        try (dev.censorsim.messenger.MessengerServer server = dev.censorsim.messenger.MessengerServer.start(
                dev.censorsim.messenger.MessengerServerOptions.builder().names(List.of("g.whatsapp.net")).build());
             dev.censorsim.dns.DnsServer open = dev.censorsim.dns.DnsServer.start(
                     dev.censorsim.dns.DnsServerOptions.builder().zone(zone).build());
             dev.censorsim.dns.DnsServer censored = dev.censorsim.dns.DnsServer.start(
                     dev.censorsim.dns.DnsServerOptions.builder().zone(zone).policy(removal).build())) {
            server.trust().writePem(caFile);
            String via = HostPortConverter.format(server.address());

            CliRun resolved = CliRun.of("messenger", "client", "--ca", caFile.toString(), "--via", via,
                    "--dns", HostPortConverter.format(open.udpAddress()), "--chat-rate", "10", "--churn", "500ms",
                    "--duration", "2s");
            CliRun fallback = CliRun.of("messenger", "client", "--ca", caFile.toString(), "--via", via,
                    "--dns", HostPortConverter.format(censored.udpAddress()), "--dns-fallback", "127.0.0.1",
                    "--chat-rate", "10", "--churn", "500ms", "--duration", "2s");

            assertThat(resolved.exitCode()).as(resolved.err()).isZero();
            assertThat(resolved.out()).contains("DNS via " + HostPortConverter.format(open.udpAddress()))
                    .containsPattern("dns\\.ok\\s+[1-9]").containsPattern("dns\\.fallback\\s+0\\s")
                    .doesNotContain("warning");
            assertThat(fallback.exitCode()).as(fallback.err()).isZero();
            assertThat(fallback.out()).containsPattern("dns\\.nxdomain\\s+[1-9]")
                    .containsPattern("dns\\.fallback\\s+[1-9]").containsPattern("connect\\.ok\\s+[1-9]")
                    .doesNotContain("warning");
        }
        CliRun needsDns = CliRun.of("messenger", "client", "--ca", caFile.toString(), "--via", "127.0.0.1:1",
                "--doh", "dns.doh.test");
        assertThat(needsDns.exitCode()).isEqualTo(2);
        assertThat(needsDns.err()).contains("--doh is asked when a lookup fails; it needs --dns");
    }

    @Test
    void badOptionsShouldExitTwoWithOneLine(@TempDir Path dir) throws Exception {
        Path caFile = dir.resolve("missing.pem");

        CliRun missingCa = CliRun.of("messenger", "client", "--ca", caFile.toString(), "--via", "127.0.0.1:1");
        Files.writeString(caFile, "junk");
        CliRun badDirection = CliRun.of("messenger", "client", "--ca", caFile.toString(), "--via", "127.0.0.1:1",
                "--media-direction", "sideways");
        CliRun noRoute = CliRun.of("messenger", "client", "--ca", caFile.toString());
        CliRun noName = CliRun.of("messenger", "server");

        assertThat(missingCa.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(missingCa.err()).startsWith("censorsim: --ca: ");
        assertThat(badDirection.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(noRoute.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(noName.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(noName.err()).contains("--name");
    }
}
