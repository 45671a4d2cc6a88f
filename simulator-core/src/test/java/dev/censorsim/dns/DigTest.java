package dev.censorsim.dns;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.testing.ProcessResult;
import dev.censorsim.testing.Processes;
import dev.censorsim.testing.Tools;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real {@code dig} against the in-process server on loopback: what a person would type to check the simulator.
 * The zone is the shipped {@code scenarios/zones/messenger.zone} and the policy the shipped
 * {@code whatsapp-2026-dns.yaml}, plus a zone with an RRset too large for a classic UDP answer.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DigTest {

    private static DnsServer server;
    private static Path dig;

    @BeforeAll
    static void start() throws Exception {
        dig = Tools.require("dig", "apt-get install bind9-dnsutils");
        Path scenarios = Path.of("..", "scenarios");
        CompiledPolicy policy = PolicyLoader.load(scenarios.resolve("policies/whatsapp-2026-dns.yaml"));
        Zone.Builder big = Zone.builder("big.test");
        for (int i = 0; i < 30; i++) {
            big.txt("txt.big.test", "chunk " + i + " of an RRset that cannot fit 512 bytes");
        }
        server = DnsServer.start(DnsServerOptions.builder()
                .zone(ZoneFileLoader.load(scenarios.resolve("zones/messenger.zone")))
                .zone(big.build())
                .policy(policy)
                .build());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static ProcessResult dig(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(dig.toString(), "@127.0.0.1", "-p",
                Integer.toString(server.udpAddress().getPort()), "+time=2", "+tries=1"));
        command.addAll(List.of(args));
        ProcessResult result = Processes.run(command, Duration.ofSeconds(20));
        return result;
    }

    @Test
    void removedNameShouldBeNxdomain() throws Exception {
        ProcessResult result = dig("web.whatsapp.com", "A");

        assertThat(result.stdout()).as(result.stdout()).contains("status: NXDOMAIN").contains("flags: qr aa rd;");
    }

    @Test
    void allowedNameShouldResolveToItsARecord() throws Exception {
        ProcessResult result = dig("+short", "g.whatsapp.net", "A");
        ProcessResult waMe = dig("+short", "wa.me", "A");

        assertThat(result.exitCode()).isZero();
        assertThat(result.stdout().strip()).isEqualTo("127.0.0.1");
        assertThat(waMe.stdout().strip()).as("wa.me still resolved in Feb 2026").isEqualTo("127.0.0.1");
    }

    @Test
    void tcpShouldWork() throws Exception {
        ProcessResult result = dig("+tcp", "mmg.whatsapp.net", "A");

        assertThat(result.stdout()).as(result.stdout()).contains("status: NOERROR")
                .containsPattern("mmg\\.whatsapp\\.net\\.\\s+300\\s+IN\\s+CNAME\\s+g\\.whatsapp\\.net\\.")
                .containsPattern("g\\.whatsapp\\.net\\.\\s+300\\s+IN\\s+A\\s+127\\.0\\.0\\.1");
    }

    @Test
    void bigRecordShouldBeTruncatedOverUdpAndWholeOverTcp() throws Exception {
        ProcessResult udp = dig("+ignore", "+noedns", "txt.big.test", "TXT");
        ProcessResult tcp = dig("+tcp", "txt.big.test", "TXT");

        assertThat(udp.stdout()).as(udp.stdout()).contains("flags: qr aa tc rd;").contains("ANSWER: 0");
        assertThat(tcp.stdout()).as(tcp.stdout()).contains("ANSWER: 30").doesNotContain(" tc ");
    }

    @Test
    void httpsRecordAndEdnsShouldBeServed() throws Exception {
        ProcessResult result = dig("whatsapp.net", "HTTPS");
        ProcessResult https = dig("+short", "g.whatsapp.net", "HTTPS");

        assertThat(result.stdout()).as("EDNS echoed: %s", result.stdout()).contains("; EDNS: version: 0")
                .contains("udp: 1232");
        assertThat(https.stdout()).as("no HTTPS at g.whatsapp.net: NODATA").isBlank();
        assertThat(dig("+short", "web.whatsapp.com", "HTTPS").stdout()).as("removed names have no HTTPS either")
                .isBlank();
        assertThat(dig("+short", "cdn.allowed.test", "A").stdout().strip()).isEqualTo("127.0.0.1");
    }

    @Test
    void nodataShouldCarryTheSoa() throws Exception {
        ProcessResult result = dig("wa.me", "AAAA");

        assertThat(result.stdout()).as(result.stdout()).contains("status: NOERROR").contains("ANSWER: 0")
                .contains("AUTHORITY: 1").containsPattern("IN\\s+SOA\\s+ns\\.censorsim\\.test\\.");
    }
}
