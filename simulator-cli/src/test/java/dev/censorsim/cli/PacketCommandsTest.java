package dev.censorsim.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.censorsim.io.SpecialFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PacketCommandsTest {

    @TempDir
    Path dir;

    private record Run(int exitCode, String out, String err) {
    }

    /** Runs the command in-process with the same error mapping as {@code Main}, which registers these commands. */
    private static Run run(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("censorsim: " + e.getMessage());
            return e instanceof CliException ce ? ce.exitCode() : ExitCodes.RUNTIME_FAILURE;
        });
        cli.setParameterExceptionHandler((e, a) -> {
            e.getCommandLine().getErr().println("censorsim: " + e.getMessage());
            return ExitCodes.BAD_INPUT;
        });
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private Path generate(int flows) {
        Path trace = dir.resolve("t.pcap");
        Run run = run(new TraceCommand(), "generate", "--flows", String.valueOf(flows), "--seed", "5",
                "--truth", dir.resolve("truth.jsonl").toString(), trace.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        return trace;
    }

    @Test
    void generateShouldWriteTheTraceAndItsGroundTruth() throws Exception {
        Run run = run(new TraceCommand(), "generate", "--flows", "50", "--seed", "5",
                "--truth", dir.resolve("truth.jsonl").toString(), dir.resolve("t.pcap").toString());

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("50 flows (seed 5)").contains("flows: tls");
        assertThat(Files.readAllLines(dir.resolve("truth.jsonl"))).hasSize(50);
        assertThat(Files.size(dir.resolve("t.pcap"))).isGreaterThan(24);
    }

    @Test
    void classifyShouldReportProtocolsThroughputAndOneJsonLinePerFlow() throws Exception {
        Path trace = generate(300);
        Path json = dir.resolve("flows.jsonl");

        Run run = run(new ClassifyCommand(), trace.toString(), "--json", json.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("300 flows").contains("tls").contains("quic").contains("rtp").contains("dns")
                .containsPattern("throughput: [0-9,]+ packets/s, [0-9.]+ Gbit/s");
        assertThat(run.out().strip().lines().reduce((a, b) -> b).orElseThrow()).as("the report ends with it")
                .startsWith("throughput:");
        List<String> lines = Files.readAllLines(json);
        assertThat(lines).hasSize(300);
        ObjectMapper mapper = new ObjectMapper();
        JsonNode first = mapper.readTree(lines.get(0));
        assertThat(first.fieldNames()).toIterable().contains("client", "server", "transport", "protocol", "sni",
                "host", "rule", "action", "packets", "bytes");
        long withSni = lines.stream().map(l -> readTree(mapper, l)).filter(n -> !n.get("sni").isNull()).count();
        assertThat(withSni).isPositive();
    }

    private static JsonNode readTree(ObjectMapper mapper, String line) {
        try {
            return mapper.readTree(line);
        } catch (Exception e) {
            throw new AssertionError(line, e);
        }
    }

    @Test
    void classifyWithPolicyShouldCountFlowsPerRule() throws Exception {
        Path trace = generate(300);
        Path policy = dir.resolve("p.yaml");
        Files.writeString(policy, """
                rules:
                  - name: whatsapp-reset
                    match: { sni: [whatsapp.com, whatsapp.net] }
                    action: { type: reset }
                """);
        Path json = dir.resolve("flows.jsonl");

        Run run = run(new ClassifyCommand(), trace.toString(), "--policy", policy.toString(), "--json",
                json.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern("whatsapp-reset +[1-9]");
        assertThat(Files.readAllLines(json)).anyMatch(l -> l.contains("\"rule\":\"whatsapp-reset\""));
    }

    @Test
    void classifyWithDnsRulesShouldGiveDnsFlowsTheServersRule() throws Exception {
        Path trace = generate(300);
        Path json = dir.resolve("flows.jsonl");

        Run run = run(new ClassifyCommand(), trace.toString(), "--policy",
                Path.of("../scenarios/policies/whatsapp-2026-dns.yaml").toString(), "--json", json.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern("nsdi-removal +[1-9][0-9,]* +[0-9,]+ +[0-9,]+  dns nxdomain");
        ObjectMapper mapper = new ObjectMapper();
        List<JsonNode> dns = Files.readAllLines(json).stream().map(l -> readTree(mapper, l))
                .filter(n -> n.get("protocol").asText().equals("dns")).toList();
        assertThat(dns).isNotEmpty().allSatisfy(n -> {
            boolean removed = n.get("query").asText().matches("(.*\\.)?whatsapp\\.com");
            assertThat(n.get("rule").isNull()).as("rule of %s", n).isEqualTo(!removed);
            if (removed) {
                assertThat(n.get("rule").asText()).isEqualTo("nsdi-removal");
                assertThat(n.get("action").asText()).contains("nxdomain");
            }
        });
        assertThat(dns).anyMatch(n -> !n.get("rule").isNull()).anyMatch(n -> n.get("rule").isNull());
    }

    @Test
    void truncatedTraceShouldBeClassifiedUpToTheCutWithAWarning() throws Exception {
        Path trace = generate(50);
        byte[] bytes = Files.readAllBytes(trace);
        Path cut = dir.resolve("cut.pcap");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 7));

        Run run = run(new ClassifyCommand(), cut.toString());

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("warning: the capture stopped early (1 unreadable record(s))");
    }

    @Test
    void fileThatIsNotACaptureShouldBeBadInput() throws Exception {
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "this is not a capture, just some text long enough");

        Run run = run(new ClassifyCommand(), text.toString());

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).contains("not a pcap file");
    }

    @Test
    void missingTraceShouldBeBadInput() {
        Run run = run(new ClassifyCommand(), dir.resolve("absent.pcap").toString());

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).contains("no such file");
    }

    @Test
    @Timeout(30)
    void fifoShouldBeBadInputAtOnceInsteadOfHanging() throws Exception {
        Path fifo = SpecialFiles.fifo(dir, "live.pcap");

        Run run = run(new ClassifyCommand(), fifo.toString());

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).isEqualTo("censorsim: " + fifo + ": not a regular file (a device, FIFO or socket); "
                + "expected a capture file\n");
    }

    @Test
    void originalLengthAboveTwoGigabytesShouldCountUnsignedInTextAndJson() throws Exception {
        Path trace = generate(5);
        byte[] bytes = Files.readAllBytes(trace);
        // The first record's u32 original_length (pcap: 24-byte file header, then ts_sec, ts_usec, incl_len).
        Arrays.fill(bytes, 36, 40, (byte) 0xff);
        Path patched = Files.write(dir.resolve("huge.pcap"), bytes);
        Path json = dir.resolve("flows.jsonl");

        Run run = run(new ClassifyCommand(), patched.toString(), "--json", json.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).doesNotContainPattern(" -[0-9]").containsPattern("4,29[0-9],[0-9,]+ bytes");
        long total = 0;
        for (String line : Files.readAllLines(json)) {
            long flowBytes = new ObjectMapper().readTree(line).get("bytes").asLong();
            assertThat(flowBytes).as(line).isNotNegative();
            total += flowBytes;
        }
        assertThat(total).isGreaterThan(0xffffffffL);
    }

    @Test
    void zeroFlowsShouldBeBadInput() {
        Run run = run(new TraceCommand(), "generate", "--flows", "0", dir.resolve("t.pcap").toString());

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
    }
}
