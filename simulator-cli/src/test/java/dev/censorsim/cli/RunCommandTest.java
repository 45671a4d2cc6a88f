package dev.censorsim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.censorsim.testing.Interceptions;
import dev.censorsim.testing.OpenSslServer;
import dev.censorsim.testing.ProcessResult;
import dev.censorsim.testing.Tools;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code censorsim run}: an unmodified curl with no proxy settings, reset on a blocked SNI and served on another name;
 * CMD's exit code is the command's; nothing is left afterwards; and with censorsim killed -9 the namespace's traffic
 * is refused rather than delivered around the censor, and the next run sweeps the leftovers. Needs root, iproute2,
 * nftables, curl and openssl.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RunCommandTest {

    private static final Pattern BANNER = Pattern.compile("namespace (censorsim-\\d+-\\d+), DNS ([0-9.]+):53");

    private static OpenSslServer tls;

    @BeforeAll
    static void start() throws Exception {
        Interceptions.requireRootTools();
        Tools.require("curl", "apt-get install curl");
        Tools.require("tshark", "apt-get install tshark");
        tls = OpenSslServer.start("ok.test", "blocked.test");
    }

    @AfterAll
    static void stop() throws Exception {
        if (tls != null) {
            tls.close();
        }
    }

    @Test
    void curlShouldBeResetOnTheBlockedNameAndGet200OnTheOther(@TempDir Path dir) throws Exception {
        Path policy = dir.resolve("policy.yaml");
        Files.writeString(policy, """
                rules:
                  - name: sni-reset
                    match: { sni: [blocked.test] }
                    action: { type: reset }
                """);

        Path pcap = dir.resolve("run.pcap");
        CliRun blocked = CliRun.of("run", "--policy", policy.toString(), "--host", "blocked.test", "--host", "ok.test",
                "--pcap", pcap.toString(), "--", "curl", "-sS", "-4", "--max-time", "20",
                "--cacert", tls.certificate().toString(), "https://blocked.test:" + tls.port() + "/");
        assertThat(blocked.exitCode()).as(blocked.err()).isIn(35, 56);
        assertThat(blocked.err()).contains("Connection reset by peer")
                .contains("target=blocked.test sni=blocked.test rule=sni-reset action=reset")
                .containsPattern("sni-reset +1 ").contains("packets to " + pcap);
        Interceptions.assertNothingLeft(namespaceOf(blocked));

        // The pcap holds the namespace's side: curl's ClientHello to blocked.test's made-up address, then the RST.
        String hostAddress = hostAddressOf(blocked, "blocked.test");
        ProcessResult hello = Interceptions.run("tshark", "-n", "-r", pcap.toString(),
                "-d", "tcp.port==" + tls.port() + ",tls", "-Y", "tls.handshake.type==1", "-T", "fields",
                "-e", "ip.dst", "-e", "tls.handshake.extensions_server_name");
        assertThat(hello.stdout().strip()).as(hello.toString()).isEqualTo(hostAddress + "\tblocked.test");
        ProcessResult packets = Interceptions.run("tshark", "-n", "-r", pcap.toString(), "-T", "fields",
                "-e", "ip.src", "-e", "tcp.flags.reset");
        String[] lines = packets.stdout().strip().split("\n");
        assertThat(lines[lines.length - 1]).as("the flow ends with the censor's RST").isEqualTo(hostAddress + "\t1");

        CliRun ok = CliRun.of("run", "--policy", policy.toString(), "--host", "blocked.test", "--host", "ok.test",
                "--", "curl", "-sS", "--max-time", "20", "-o", "/dev/null", "-w", "%{http_code}",
                "--cacert", tls.certificate().toString(), "https://ok.test:" + tls.port() + "/");
        assertThat(ok.exitCode()).as(ok.err()).isZero();
        assertThat(ok.out()).isEqualTo("200");
        assertThat(ok.err()).contains("target=ok.test sni=ok.test rule=- action=pass");
        Interceptions.assertNothingLeft(namespaceOf(ok));
    }

    @Test
    void exitCodeShouldBeTheCommandsOwn() throws Exception {
        CliRun run = CliRun.of("run", "--quiet", "--", "sh", "-c", "exit 7");
        assertThat(run.exitCode()).as(run.err()).isEqualTo(7);
        Interceptions.assertNothingLeft(namespaceOf(run));
    }

    /**
     * Binary and UTF-8 output through a pipe, with censorsim's JVM under the C locale (its default charset US-ASCII):
     * the bytes arrive as the command wrote them (they were decoded and encoded again: 0xff became "?", "é" "??").
     */
    @Test
    void commandOutputShouldPassByteForByteUnderTheCLocale() throws Exception {
        byte[] expected = {(byte) 0xff, (byte) 0xfe, '\n', 'c', 'a', 'f', (byte) 0xc3, (byte) 0xa9, '\n'};
        ProcessBuilder builder = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "run", "--quiet", "--", "printf", "\\377\\376\\ncaf\\303\\251\\n"))
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("LC_ALL", "C");
        builder.environment().put("LANG", "C");
        Process censor = builder.start();
        try {
            byte[] out = censor.getInputStream().readAllBytes();
            assertThat(censor.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(censor.exitValue()).isZero();
            assertThat(out).isEqualTo(expected);
        } finally {
            censor.destroyForcibly();
        }
    }

    @Test
    void missingCommandShouldBeAUsageError() {
        CliRun run = CliRun.of("run", "--host", "a.test");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).contains("CMD");
    }

    @Test
    void badHostNameShouldBeOneLineOfBadInput() {
        CliRun run = CliRun.of("run", "--host", "not a name", "--", "true");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err().strip()).startsWith("censorsim: --host not a name: expected a DNS name");
    }

    /**
     * A host process listening on a wildcard address would take the namespace's flows if a dead censor's packets were
     * merely routed locally; the test listens so, and checks that nothing reaches it.
     */
    @Test
    void trafficShouldFailWhenCensorsimIsKilledAndTheNextRunSweepsTheLeftovers() throws Exception {
        Process censor = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "run", "--host", "ok.test", "--", "sleep", "120"))
                .redirectErrorStream(true)
                .start();
        String namespace;
        String hostSide;
        try (ServerSocket bystander = new ServerSocket()) {
            bystander.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0));
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(censor.getInputStream(), StandardCharsets.UTF_8))) {
                String banner = out.readLine();
                Matcher m = BANNER.matcher(String.valueOf(banner));
                assertThat(m.find()).as("banner: %s", banner).isTrue();
                namespace = m.group(1);
                hostSide = m.group(2);
            }
            // Both families' rules are in place (a batched IPv6 rule once came out IPv4 and IPv6 was not intercepted).
            String[] idParts = namespace.split("-");
            String table = Long.toString(0x4000_0000L | Long.parseLong(idParts[1]) << 8 | Long.parseLong(idParts[2]));
            assertThat(Interceptions.run("ip", "-4", "rule", "show").stdout()).contains("lookup " + table);
            assertThat(Interceptions.run("ip", "-6", "rule", "show").stdout()).contains("lookup " + table);
            censor.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            assertThat(censor.isAlive()).isFalse();
            assertThat(Interceptions.run("ip", "netns", "list").stdout()).as("the crash left the namespace")
                    .contains(namespace);

            for (String address : List.of(hostSide, "203.0.113.9")) {
                ProcessResult curl = Interceptions.run("ip", "netns", "exec", namespace, "curl", "-sS",
                        "--max-time", "5", "http://" + address + ":" + bystander.getLocalPort() + "/");
                assertThat(curl.exitCode()).as("to %s: %s", address, curl).isEqualTo(7); // connection refused
            }
            bystander.setSoTimeout(500);
            try {
                bystander.accept().close();
                throw new AssertionError("a flow from the namespace reached a host socket with censorsim dead");
            } catch (SocketTimeoutException expected) {
                // nothing got through
            }
        } finally {
            censor.destroyForcibly();
        }

        CliRun next = CliRun.of("run", "--quiet", "--", "true");
        assertThat(next.exitCode()).as(next.err()).isZero();
        Interceptions.assertNothingLeft(namespace);
        Interceptions.assertNothingLeft(namespaceOf(next));
    }

    @Test
    void sigtermShouldStopTheCommandAndRemoveEverything() throws Exception {
        Process censor = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "run", "--", "sleep", "120"))
                .redirectErrorStream(true)
                .start();
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(censor.getInputStream(), StandardCharsets.UTF_8))) {
            String banner = out.readLine();
            Matcher m = BANNER.matcher(String.valueOf(banner));
            assertThat(m.find()).as("banner: %s", banner).isTrue();
            String namespace = m.group(1);
            // The banner comes once the namespace is up; the command may still be starting inside it.
            ProcessResult pids = Interceptions.run("ip", "netns", "pids", namespace);
            for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                 pids.stdout().isBlank() && System.nanoTime() < deadline; ) {
                Thread.sleep(100);
                pids = Interceptions.run("ip", "netns", "pids", namespace);
            }
            assertThat(pids.stdout()).as("sleep runs inside").isNotBlank();

            Interceptions.run("kill", "-TERM", Long.toString(censor.pid()));
            assertThat(censor.waitFor(30, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
            Interceptions.assertNothingLeft(namespace);
            for (String pid : pids.stdout().strip().split("\\s+")) {
                assertThat(ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false))
                        .as("process %s of the namespace", pid).isFalse();
            }
        } finally {
            censor.destroyForcibly();
        }
    }

    /**
     * SIGTERM while set-up runs, here while nft loads the table (a wrapper first on PATH holds {@code nft -f} for 2 s):
     * what was made so far is removed before the JVM exits, and the table does not appear after it. The shutdown hook
     * used to be registered only after set-up, so the JVM exited at once and left the namespace, the veth pair, the
     * rules and routes, and then the table. A fresh JVM's first interception is {@code censorsim-PID-0}.
     */
    @Test
    void sigtermDuringSetUpShouldRemoveWhatWasMadeSoFar(@TempDir Path dir) throws Exception {
        SlowNft nft = new SlowNft(dir);
        Path log = dir.resolve("censor.log");
        ProcessBuilder builder = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "run", "--quiet", "--", "sleep", "120"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("PATH", nft.path());
        Process censor = builder.start();
        long nftPid = -1;
        try {
            nftPid = nft.awaitLoading(censor, log);
            Interceptions.run("kill", "-TERM", Long.toString(censor.pid()));
            assertThat(censor.waitFor(30, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
            SlowNft.awaitEnd(nftPid);
            Interceptions.assertNothingLeft("censorsim-" + censor.pid() + "-0");
        } finally {
            censor.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            SlowNft.awaitEnd(nftPid);
            // Sweeps whatever a failed run of this test left (its pid is dead now).
            CliRun.of("run", "--quiet", "--", "true");
        }
    }

    /**
     * A bounded loop of curl inside the namespace (a new TLS connection every 200 ms), and the policy swapped through
     * the API after the first 200: the next connection is reset, the loop sees it and exits 0; the API listed the
     * namespace's flows under the front end "transparent" meanwhile.
     */
    @Test
    void policyPutThroughTheApiShouldResetTheCommandsNextConnection(@TempDir Path dir) throws Exception {
        Path policy = dir.resolve("reset.yaml");
        Files.writeString(policy, SNI_RESET);
        Process censor = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "run", "--api", "127.0.0.1:0", "--host", "blocked.test", "--", "sh", "-c", curlUntilReset(80)))
                .redirectErrorStream(true)
                .start();
        StringBuilder seen = new StringBuilder();
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(censor.getInputStream(), StandardCharsets.UTF_8))) {
            String banner = out.readLine();
            seen.append(banner).append('\n');
            Matcher m = Pattern.compile(BANNER.pattern() + ".*, api http://([0-9.]+:\\d+)").matcher(
                    String.valueOf(banner));
            assertThat(m.find()).as("banner: %s", banner).isTrue();
            String namespace = m.group(1);
            String api = m.group(3);
            String line;
            while ((line = out.readLine()) != null && !line.contains("rc=0 code=200")) {
                seen.append(line).append('\n');
            }
            assertThat(line).as("a first connection passed: %s", seen).isNotNull();

            CliRun flows = CliRun.of("ctl", "--api", api, "flows", "--json");
            assertThat(flows.exitCode()).as(flows.err()).isZero();
            assertThat(flows.out()).contains("\"front\":\"transparent\"").contains("blocked.test");
            CliRun swap = CliRun.of("ctl", "--api", api, "policy", "set", policy.toString());
            assertThat(swap.exitCode()).as(swap.err()).isZero();

            while ((line = out.readLine()) != null) {
                seen.append(line).append('\n');
            }
            assertThat(censor.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(censor.exitValue()).as("the loop saw a reset: %s", seen).isZero();
            assertThat(seen).containsPattern("rc=(35|56) ")
                    .contains("target=blocked.test sni=blocked.test rule=sni-reset action=reset");
            Interceptions.assertNothingLeft(namespace);
        } finally {
            censor.destroyForcibly();
        }
    }

    @Test
    void timelineShouldSwitchFromPassToResetWhileTheCommandRunsAndReportEachPhase(@TempDir Path dir)
            throws Exception {
        Path timeline = dir.resolve("timeline.yaml");
        Files.writeString(timeline, """
                scenario: run-timeline
                policies:
                  open: { rules: [] }
                  block:
                %s
                timeline:
                  - phase: open
                    duration: 3s
                    policy: open
                  - phase: block
                    duration: 60s
                    policy: block
                """.formatted(SNI_RESET.indent(4).stripTrailing()));
        Path reports = dir.resolve("reports");

        CliRun run = CliRun.of("run", "--timeline", timeline.toString(), "--report-dir", reports.toString(),
                "--host", "blocked.test", "--", "sh", "-c", curlUntilReset(80));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("censorsim run: phase 1/2 open: policy open (0 rules",
                "censorsim run: phase 2/2 block: policy block (1 rules", "timeline stopped; reports: ");
        assertThat(run.out()).contains("rc=0 code=200").containsPattern("rc=(35|56) ");
        JsonNode phases = new ObjectMapper().readTree(reports.resolve("run-timeline/report.json").toFile())
                .path("phases");
        JsonNode open = phases.get(0);
        JsonNode block = phases.get(1);
        assertThat(open.path("metrics").path("censor.flows_ended").asDouble()).as("open: %s", open)
                .isGreaterThanOrEqualTo(1);
        assertThat(open.path("metrics").path("censor.bytes_down").asDouble()).as("open: %s", open).isPositive();
        assertThat(block.path("rule_counters").get(0).path("rule").asText()).isEqualTo("sni-reset");
        assertThat(block.path("rule_counters").get(0).path("flows").asLong()).as("block: %s", block).isEqualTo(1);
        Interceptions.assertNothingLeft(namespaceOf(run));
    }

    @Test
    void apiOnAForeignAddressWithoutATokenShouldBeBadInput() {
        CliRun run = CliRun.of("run", "--api", "0.0.0.0:0", "--api-token", "", "--", "true");
        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err().strip()).startsWith("censorsim: ").contains("token");
    }

    private static final String SNI_RESET = """
            rules:
              - name: sni-reset
                match: { sni: [blocked.test] }
                action: { type: reset }
            """;

    /**
     * A shell loop of at most {@code tries} curls to blocked.test, one line each ({@code try N rc=R code=C}); it
     * exits 0 at the first failed connection after a passed one, 1 when none failed.
     */
    private static String curlUntilReset(int tries) {
        return "i=0; while [ $i -lt " + tries + " ]; do "
                + "code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --cacert " + tls.certificate()
                + " https://blocked.test:" + tls.port() + "/); rc=$?; echo \"try $i rc=$rc code=$code\"; "
                + "if [ $rc -ne 0 ]; then [ $i -gt 0 ]; exit $?; fi; i=$((i+1)); sleep 0.2; done; exit 1";
    }

    private static String hostAddressOf(CliRun run, String name) {
        Matcher m = Pattern.compile(Pattern.quote(name) + "=([0-9.]+)").matcher(run.err());
        assertThat(m.find()).as("address of %s in: %s", name, run.err()).isTrue();
        return m.group(1);
    }

    private static String namespaceOf(CliRun run) {
        Matcher m = BANNER.matcher(run.err());
        assertThat(m.find()).as("banner in: %s", run.err()).isTrue();
        return m.group(1);
    }
}
