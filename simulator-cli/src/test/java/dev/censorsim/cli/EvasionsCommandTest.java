package dev.censorsim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code censorsim evasions} in-process, over real loopback sockets. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EvasionsCommandTest {

    private static final String SNI_RESET = """
            dpi: { reassemble: %s }
            rules:
              - name: sni-reset
                match: { sni: [blocked.example] }
                action: { type: reset }
            """;

    @TempDir
    Path dir;

    @Test
    void tcpSplitShouldPassWithoutReassemblyAndNoneShouldBeBlocked() throws Exception {
        Path policy = write("no-reassembly.yaml", SNI_RESET.formatted("false"));
        Path json = dir.resolve("matrix.json");

        CliRun run = CliRun.of("evasions", "--policy", policy.toString(), "--name", "blocked.example",
                "--evasion", "none,tcp-split,no-sni", "--budget", "2s", "--json", json.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern("none +blocked +reset")
                .containsPattern("tcp-split +passed").containsPattern("no-sni +passed");
        assertThat(Files.readAllLines(json))
                .anySatisfy(l -> assertThat(l).startsWith("{\"evasion\": \"none\", \"outcome\": \"blocked\""))
                .anySatisfy(l -> assertThat(l).startsWith("{\"evasion\": \"tcp-split\", \"outcome\": \"passed\""))
                .anySatisfy(l -> assertThat(l).startsWith("{\"evasion\": \"no-sni\", \"outcome\": \"passed\""));
    }

    @Test
    void ccsPrefixShouldStillBeThrottledByThe2021ProfileAsXueEtAlFound() {
        CliRun run = CliRun.of("evasions", "--policy",
                Path.of("..", "scenarios", "policies", "tspu-2021-throttler-and-blocker.yaml").toString(),
                "--name", "twitter.com", "--evasion", "none,ccs-prefix,garbage-prefix", "--budget", "2s");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern("none +throttled").containsPattern("ccs-prefix +throttled")
                .as("a >100-byte non-TLS first packet still makes it give up").containsPattern("garbage-prefix +passed");
    }

    @Test
    void aDnsEvasionAgainstAPolicyWithoutDnsRulesShouldBeBadInput() throws Exception {
        Path policy = write("sni-only.yaml", SNI_RESET.formatted("true"));

        CliRun run = CliRun.of("evasions", "--policy", policy.toString(), "--name", "blocked.example",
                "--evasion", "doh");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).contains("evasion 'doh' evades DNS rules, and the policy has none");
    }

    @Test
    void everyEvasionShouldRunAgainstAReassemblingSniReset() throws Exception {
        Path policy = write("reassembly.yaml", SNI_RESET.formatted("true"));
        Path reports = dir.resolve("report");

        CliRun run = CliRun.of("evasions", "--policy", policy.toString(), "--name", "blocked.example",
                "--budget", "2s", "--report-dir", reports.toString());

        System.out.print(run.out());
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern("none +blocked").containsPattern("tcp-split +blocked")
                .containsPattern("sni-case +blocked").containsPattern("sni-trailing-dot +blocked")
                .containsPattern("no-sni +passed").containsPattern("ech +passed")
                .containsPattern("garbage-prefix +passed").containsPattern("fake-hello +passed");
        assertThat(Files.readString(reports.resolve("evasions.html")))
                .contains("<td>tcp-split</td><td class=\"blocked\">blocked</td>");
    }

    @Test
    void quicShouldBeBlockedByAUdpSniDropAndPassATcpOnlyReset() throws Exception {
        Path both = write("quic.yaml", """
                rules:
                  - name: quic-sni-drop
                    match: { sni: [blocked.example] }
                    action: { type: drop }
                  - name: tls-sni-reset
                    match: { sni: [blocked.example] }
                    action: { type: reset }
                """);
        Path tcpOnly = write("tcp-only.yaml", SNI_RESET.formatted("true"));

        CliRun dropped = CliRun.of("evasions", "--policy", both.toString(), "--name", "blocked.example",
                "--evasion", "quic,none", "--budget", "2s");
        CliRun passed = CliRun.of("evasions", "--policy", tcpOnly.toString(), "--name", "blocked.example",
                "--evasion", "quic", "--budget", "2s");

        assertThat(dropped.exitCode()).as(dropped.err()).isZero();
        assertThat(dropped.out()).containsPattern("quic +blocked +0 of 64").containsPattern("none +blocked");
        assertThat(passed.exitCode()).as(passed.err()).isZero();
        assertThat(passed.out()).as("a reset is a TCP action").containsPattern("quic +passed +64 of 64");
    }

    @Test
    void throttleShouldShowAsThrottled() throws Exception {
        Path policy = write("throttle.yaml", """
                rules:
                  - name: slow
                    match: { sni: [slow.example] }
                    action: { type: throttle, rate: 256kbit }
                """);

        CliRun run = CliRun.of("evasions", "--policy", policy.toString(), "--name", "slow.example",
                "--evasion", "none,no-sni", "--budget", "2s");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern("none +throttled").containsPattern("no-sni +passed");
    }

    @Test
    void unknownEvasionShouldBeOneLineAndExitTwo() throws Exception {
        Path policy = write("p.yaml", SNI_RESET.formatted("true"));

        CliRun run = CliRun.of("evasions", "--policy", policy.toString(), "--name", "x.example",
                "--evasion", "teleport");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err().strip()).startsWith("censorsim: unknown evasion 'teleport'; expected one of none, ")
                .doesNotContain("\n");
    }

    private Path write(String name, String text) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }
}
