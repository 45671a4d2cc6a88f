package dev.censorsim.cli;

import dev.censorsim.dns.DnsLookupClient;
import dev.censorsim.dns.DnsLookupOutcome;
import dev.censorsim.dns.DnsLookupResult;
import io.netty.handler.codec.dns.DnsRecordType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code censorsim dns}: bad input in-process, and the real server as a process with the shipped files. */
class DnsCommandTest {

    private static final Path SCENARIOS = Path.of("..", "scenarios");

    @Test
    void badZoneFileShouldExitWithBadInputAndOneLine(@TempDir Path dir) throws IOException {
        Path zone = dir.resolve("bad.zone");
        Files.writeString(zone, "$ORIGIN a.test.\n@ 60 IN SOA ns hm 1 2 3 4 5\nwww 60 IN A 300.0.0.1\n");

        CliRun run = CliRun.of("dns", "--zone", zone.toString(), "--listen", "127.0.0.1:0");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err().lines().count()).as(run.err()).isEqualTo(1);
        assertThat(run.err()).contains(zone + ":3:");
    }

    @Test
    @Timeout(30)
    void zoneThatIsDevZeroShouldBeRefusedAtOnce() {
        CliRun run = CliRun.of("dns", "--zone", "/dev/zero", "--listen", "127.0.0.1:0");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).isEqualTo("censorsim: /dev/zero: not a regular file (a device, FIFO or socket); "
                + "expected a zone file\n");
    }

    @Test
    void publicForwarderWithoutAllowListShouldNotStart() {
        CliRun run = CliRun.of("dns", "--zone", SCENARIOS.resolve("zones/messenger.zone").toString(),
                "--listen", "0.0.0.0:0", "--upstream", "127.0.0.1:53");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).startsWith("censorsim: refusing to forward to 127.0.0.1:53 for any client while "
                + "listening on 0.0.0.0: name the clients with --allow-client CIDR");
        assertThat(run.err().lines()).hasSize(1);
    }

    @Test
    void badAllowClientAndRateLimitOptionsShouldBeBadInput() {
        String zone = SCENARIOS.resolve("zones/messenger.zone").toString();

        assertThat(CliRun.of("dns", "--zone", zone, "--allow-client", "10.0.0.0/33").err())
                .startsWith("censorsim: --allow-client: ");
        assertThat(CliRun.of("dns", "--zone", zone, "--rate-limit", "0").err())
                .startsWith("censorsim: --rate-limit: the response rate limit must be at least 1/s");
        assertThat(CliRun.of("dns", "--zone", zone, "--rate-limit", "5", "--rate-limit-action", "slip").exitCode())
                .isEqualTo(ExitCodes.BAD_INPUT);
    }

    @Test
    void missingZoneOptionShouldBeAUsageError() {
        CliRun run = CliRun.of("dns");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).contains("--zone");
    }

    @Test
    void dnsPolicyErrorShouldPointAtTheLine(@TempDir Path dir) throws IOException {
        Path policy = dir.resolve("p.yaml");
        Files.writeString(policy, "rules:\n  - name: x\n    match: { qname: [a.test] }\n    action: { type: reset }\n");

        CliRun run = CliRun.of("dns", "--zone", SCENARIOS.resolve("zones/messenger.zone").toString(),
                "--policy", policy.toString());

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).contains(policy + ":3:14: 'qname' only applies to DNS rules");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void dnsShouldServeTheShippedPolicyLogQueriesAndPrintCountersOnSigterm() throws Exception {
        int port = freeUdpPort();
        Process process = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "dns", "--listen", "127.0.0.1:" + port, "--log-queries",
                "--zone", SCENARIOS.resolve("zones/messenger.zone").toString(),
                "--policy", SCENARIOS.resolve("policies/whatsapp-2026-dns.yaml").toString()))
                .redirectErrorStream(true)
                .start();
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(out.readLine()).startsWith("censorsim dns: serving").contains("udp+tcp 127.0.0.1:" + port)
                    .contains("(1 DNS rules)");
            assertThat(out.readLine()).contains("Ctrl-C");

            try (DnsLookupClient client = DnsLookupClient.open(new InetSocketAddress("127.0.0.1", port))) {
                DnsLookupResult removed = client.lookup("web.whatsapp.com", DnsRecordType.A).join();
                DnsLookupResult kept = client.lookup("g.whatsapp.net", DnsRecordType.A).join();
                assertThat(removed.outcome()).isEqualTo(DnsLookupOutcome.NXDOMAIN);
                assertThat(kept.addresses()).containsExactly(InetAddress.getByName("127.0.0.1"));
            }
            assertThat(out.readLine()).startsWith("udp 127.0.0.1:")
                    .contains("web.whatsapp.com. A NXDOMAIN answers=0 rule=nsdi-removal");
            assertThat(out.readLine()).contains("g.whatsapp.net. A NOERROR answers=1");

            new ProcessBuilder("kill", "-TERM", Long.toString(process.pid())).start().waitFor();
            StringBuilder rest = new StringBuilder();
            for (String line; (line = out.readLine()) != null; ) {
                rest.append(line).append('\n');
            }
            assertThat(process.waitFor(20, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
            assertThat(rest).contains("censorsim: DNS rule counters").containsPattern("nsdi-removal +1 +nxdomain");
        } finally {
            process.destroyForcibly();
        }
    }

    /** A loopback port free for UDP and for TCP at once: the server listens on both (a full run once hit a TCP clash). */
    private static int freeUdpPort() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                 java.net.ServerSocket tcp = new java.net.ServerSocket(s.getLocalPort(), 1,
                         InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (java.net.BindException takenForTcp) {
                // try another
            }
        }
        throw new IOException("no loopback port free for both UDP and TCP in 50 tries");
    }
}
