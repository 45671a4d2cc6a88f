package dev.censorsim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code censorsim evasions} with the DNS evasions (DoH, a hard-coded address), in-process, over real loopback
 * sockets and real TLS.
 *
 * <p>Each DNS evasion chats for a fixed window (8 s at the least, so a cold DoH lookup and two TLS handshakes fit on a
 * loaded box) and is judged on whether any message was acknowledged, not on a rate; at 5 messages/s over loopback a
 * run mostly waits. So the two policies' runs go side by side, each with its own servers, resolver and proxy on
 * ephemeral loopback ports: 16 s of waiting instead of 32 s. (JUnit's parallel execution stays off for the module;
 * the overlap is this test's own.)
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DnsEvasionsCommandTest {

    private static final String DNS_REMOVAL = """
            rules:
              - name: nsdi-removal
                match: { qname: [removed.example] }
                action: { type: nxdomain }
            """;

    @TempDir
    Path dir;

    @Test
    void dohAndHardcodedIpShouldEvadeADnsRemovalOverRealTlsButStillMeetAnSniReset() throws Exception {
        Path removal = write("dns-removal.yaml", DNS_REMOVAL);
        Path json = dir.resolve("dns.json");
        Path removalAndReset = write("dns-and-sni.yaml", DNS_REMOVAL + """
                  - name: sni-reset
                    match: { sni: [removed.example] }
                    action: { type: reset }
                """);

        ExecutorService runs = Executors.newFixedThreadPool(2);
        CliRun evaded;
        CliRun reset;
        try {
            Future<CliRun> first = runs.submit(() -> CliRun.of("evasions", "--policy", removal.toString(),
                    "--name", "removed.example", "--evasion", "doh,hardcoded-ip", "--budget", "3s",
                    "--json", json.toString()));
            Future<CliRun> second = runs.submit(() -> CliRun.of("evasions", "--policy", removalAndReset.toString(),
                    "--name", "removed.example", "--evasion", "doh,hardcoded-ip", "--budget", "3s"));
            evaded = first.get(150, TimeUnit.SECONDS);
            reset = second.get(150, TimeUnit.SECONDS);
        } finally {
            runs.shutdownNow();
            assertThat(runs.awaitTermination(30, TimeUnit.SECONDS)).as("both runs ended").isTrue();
        }

        // Only a DNS removal: both evasions get chat through over real TLS.
        assertThat(evaded.exitCode()).as(evaded.err()).isZero();
        assertThat(evaded.out()).containsPattern("doh +passed").containsPattern("hardcoded-ip +passed");
        assertThat(Files.readAllLines(json))
                .anySatisfy(l -> assertThat(l).startsWith("{\"evasion\": \"doh\", \"outcome\": \"passed\"")
                        .contains("NXDOMAIN").contains("messages acknowledged over real TLS"))
                .anySatisfy(l -> assertThat(l).startsWith("{\"evasion\": \"hardcoded-ip\", \"outcome\": \"passed\"")
                        .contains("no lookup"));
        // The removal plus an SNI reset: evading DNS does not evade the reset.
        assertThat(reset.exitCode()).as(reset.err()).isZero();
        assertThat(reset.out()).containsPattern("doh +blocked").containsPattern("hardcoded-ip +blocked")
                .contains("reset");
    }

    private Path write(String name, String text) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }
}
