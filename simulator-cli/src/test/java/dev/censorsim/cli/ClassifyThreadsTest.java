package dev.censorsim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code classify --threads N} must give what one thread gives, byte for byte: the same flow per JSON line in the
 * same order, the same counters and per-rule lines. Only the throughput line may differ.
 */
class ClassifyThreadsTest {

    @TempDir
    Path dir;

    private record Run(int exitCode, String out, String err) {
    }

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
        return new Run(cli.execute(args), out.toString(), err.toString());
    }

    private Path generate(int flows, long seed) {
        Path trace = dir.resolve("t" + seed + ".pcap");
        Run run = run(new TraceCommand(), "generate", "--flows", String.valueOf(flows), "--seed",
                String.valueOf(seed), trace.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        return trace;
    }

    /** The report without its throughput line (wall time and thread count) and the JSON path. */
    private static String counters(String out) {
        return out.lines().filter(line -> !line.startsWith("throughput:") && !line.startsWith("flows written to"))
                .collect(Collectors.joining("\n"));
    }

    /** A cold run's report without the note that only a cold run on a small capture prints. */
    private static String withoutColdNote(String report) {
        return report.lines().filter(line -> !line.startsWith("note: under a million packets"))
                .collect(Collectors.joining("\n"));
    }

    private void assertSameWithThreads(Path trace, String... extra) throws Exception {
        Path oneJson = dir.resolve("one.jsonl");
        Run one = run(new ClassifyCommand(), args(trace, oneJson, "1", extra));
        assertThat(one.exitCode()).as(one.err()).isZero();
        byte[] expected = Files.readAllBytes(oneJson);
        assertThat(expected).as("one thread wrote flows").isNotEmpty();
        for (int threads : new int[] {2, 3, 4}) {
            Path json = dir.resolve("n" + threads + ".jsonl");
            Run sharded = run(new ClassifyCommand(), args(trace, json, String.valueOf(threads), extra));
            assertThat(sharded.exitCode()).as(sharded.err()).isZero();
            assertThat(sharded.out()).contains(threads + " threads");
            assertThat(counters(sharded.out())).as("report with %d threads", threads).isEqualTo(counters(one.out()));
            assertThat(Files.readAllBytes(json)).as("JSON with %d threads", threads).isEqualTo(expected);
        }
    }

    private static String[] args(Path trace, Path json, String threads, String... extra) {
        String[] base = {trace.toString(), "--json", json.toString(), "--threads", threads};
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return all;
    }

    @Test
    @Timeout(120)
    void shardedRunShouldWriteTheSameFlowsAndCountersAsOneThread() throws Exception {
        Path trace = generate(3000, 11);

        assertSameWithThreads(trace);
    }

    @Test
    @Timeout(120)
    void shardedRunShouldMatchOneThreadWithVpnAndDnsRules() throws Exception {
        Path trace = generate(2000, 12);
        String out = run(new ClassifyCommand(), trace.toString(), "--threads", "1").out();
        assertThat(out).as("the trace has the flows the rules are about")
                .contains("quic").contains("dns").contains("wireguard").contains("openvpn");

        assertSameWithThreads(trace, "--policy", Path.of("..", "scenarios", "policies", "vpn-2026-block.yaml")
                .toString());
        assertSameWithThreads(trace, "--policy", Path.of("..", "scenarios", "policies",
                "whatsapp-2026-dns-and-sni.yaml").toString());
    }

    @Test
    @Timeout(120)
    void warmRunShouldReportWhatAColdRunReportsOnOneThreadAndOnTwo() throws Exception {
        // Nothing of the warm-up passes (flows, names, counters, per-rule figures, JSON lines) may show in the report.
        Path trace = generate(2000, 14);
        String policy = Path.of("..", "scenarios", "policies", "whatsapp-2026-dns-and-sni.yaml").toString();
        for (String threads : new String[] {"1", "2"}) {
            Path coldJson = dir.resolve("cold" + threads + ".jsonl");
            Run cold = run(new ClassifyCommand(), args(trace, coldJson, threads, "--policy", policy));
            Path warmJson = dir.resolve("warm" + threads + ".jsonl");
            Run warm = run(new ClassifyCommand(), args(trace, warmJson, threads, "--policy", policy, "--warmup", "3"));
            assertThat(warm.exitCode()).as(warm.err()).isZero();
            assertThat(warm.out()).contains("after 3 warm-up pass(es)");
            assertThat(counters(warm.out())).as("report on %s thread(s)", threads)
                    .isEqualTo(withoutColdNote(counters(cold.out())));
            assertThat(Files.readAllBytes(warmJson)).as("JSON on %s thread(s)", threads)
                    .isEqualTo(Files.readAllBytes(coldJson)).isNotEmpty();
        }
    }

    @Test
    @Timeout(120)
    void shardedRunShouldEndIdleFlowsWhereOneThreadDoes() throws Exception {
        // Flows start 0.5-4 ms apart, so a 1 s timeout sweeps many times over a 3,000-flow trace and idles out the
        // flows that pause (calls, keep-alives): the sweeps must fall at the same packets in every shard.
        Path trace = generate(3000, 13);

        assertSameWithThreads(trace, "--idle-timeout-seconds", "1");
    }

    @Test
    @Timeout(120)
    void coldRunOfASmallCaptureShouldDefaultToOneThreadAndSayWhy() throws Exception {
        Path trace = generate(200, 15);

        Run run = run(new ClassifyCommand(), trace.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("one thread, the default for a cold run under 128 MiB, cold JIT");
    }

    @Test
    void defaultShouldBeEveryCoreWhenWarmOrLargeOnAnIdleMachine() {
        assertThat(ClassifyCommand.oneThreadReason(2, 10, ClassifyCommand.WARM_PARALLEL_MIN_BYTES, 0.5)).isNull();
        assertThat(ClassifyCommand.oneThreadReason(2, 0, ClassifyCommand.COLD_PARALLEL_MIN_BYTES, 3.9)).isNull();
        assertThat(ClassifyCommand.oneThreadReason(8, 1, 1L << 30, -1)).as("load unknown").isNull();
    }

    @Test
    void defaultShouldBeOneThreadWhenSmallOrTheMachineIsBusy() {
        assertThat(ClassifyCommand.oneThreadReason(2, 0, ClassifyCommand.COLD_PARALLEL_MIN_BYTES - 1, 0.1))
                .isEqualTo("the default for a cold run under 128 MiB");
        assertThat(ClassifyCommand.oneThreadReason(2, 10, 1L << 40, 4.5))
                .isEqualTo("the default at load 4.5 on 2 cores");
        assertThat(ClassifyCommand.oneThreadReason(1, 10, 1L << 40, 0)).as("one core").isEmpty();
        assertThat(ClassifyCommand.oneThreadReason(2, 10, ClassifyCommand.WARM_PARALLEL_MIN_BYTES - 1, 0.1))
                .isEqualTo("the default for a capture under 32 MiB");
    }

    @Test
    void zeroThreadsShouldBeBadInput() throws Exception {
        Path trace = generate(10, 14);

        Run run = run(new ClassifyCommand(), trace.toString(), "--threads", "0");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).contains("--threads");
    }
}
