package dev.censorsim.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.censorsim.classify.Protocol;
import dev.censorsim.capture.CaptureFormatException;
import dev.censorsim.capture.FlowSummary;
import dev.censorsim.capture.PacketClassifier;
import dev.censorsim.capture.PacketReader;
import dev.censorsim.capture.PacketReaders;
import dev.censorsim.capture.ShardedClassifier;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.CompiledRule;
import dev.censorsim.policy.DnsRule;
import io.netty.buffer.ByteBuf;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code censorsim classify TRACE}: the classifier's packet face over a capture file, with nDPI-style throughput. */
@Command(name = "classify",
        header = "Classify every flow of a pcap or pcapng trace with the proxy's recognisers and policy.",
        description = "Reads the capture memory-mapped, tracks flows by 5-tuple, classifies each from its first packets "
                + "(TLS SNI, HTTP Host, QUIC, STUN, RTP, DTLS, DNS) and evaluates the policy on it, as the proxy "
                + "would. Prints flows per protocol and per rule, then packets/s and Gbit/s over the classification "
                + "loop alone (mapping the file, writing JSON and reporting excluded). With --threads N, flows are "
                + "sharded by 5-tuple hash over N threads: one walks the records and decodes each packet's headers "
                + "once to find its shard, each classifies its own flows from the decoded fields; flows, counters "
                + "and JSON are the same as with one thread.",
        mixinStandardHelpOptions = true)
final class ClassifyCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    VerboseOption verbose;

    @Mixin
    PolicyOption policyOption;

    @Parameters(index = "0", paramLabel = "TRACE", description = "The capture (pcap or pcapng, any size).")
    Path trace;

    @Option(names = "--json", paramLabel = "FILE",
            description = "Write one JSON object per flow (JSON Lines) to FILE.")
    Path json;

    @Option(names = "--max-flows", paramLabel = "N", defaultValue = "262144",
            description = "Most concurrent flows held (default: ${DEFAULT-VALUE}).")
    int maxFlows;

    @Option(names = "--idle-timeout-seconds", paramLabel = "SECONDS", defaultValue = "120",
            description = "A flow idle this long (capture time) ends (default: ${DEFAULT-VALUE}).")
    long idleTimeoutSeconds;

    @Option(names = "--warmup", paramLabel = "PASSES", defaultValue = "0",
            description = "Classify the trace this many extra times first, untimed, to warm up the JIT "
                    + "(default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--threads", paramLabel = "N",
            description = "Threads, each owning the flows of one 5-tuple hash shard; results do not depend on it. "
                    + "Default: all cores when that is faster, else 1: one "
                    + "thread for a cold run (no --warmup) of a capture under 128 MiB, whose time is mostly the JIT "
                    + "compiling on the other cores, for a capture under 32 MiB (the hand-offs between threads "
                    + "outweigh the split), and when the load average exceeds twice the cores. "
                    + "--max-flows applies to each thread.")
    Integer threads;

    /** The smallest capture a cold run classifies on every core by default; see {@link #defaultThreads}. */
    static final long COLD_PARALLEL_MIN_BYTES = 128L << 20;

    /**
     * The smallest capture a warm run classifies on every core by default: below it starting the threads and filling
     * the pipeline outweigh the split. Quiet 2-core box, warm, 2 threads against one (median of the timed passes,
     * interleaved JVMs): a 10 k-packet trace of 6 MB at 0.5-0.6 times, 27 k packets and 16 MB at 0.8-1.3 times,
     * 81 k packets and 49 MB at 1.1-1.3 times.
     */
    static final long WARM_PARALLEL_MIN_BYTES = 32L << 20;

    /** Why the default thread count was not all cores, for the throughput line; {@code null} otherwise. */
    private String oneThreadReason;

    @Override
    public Integer call() throws Exception {
        if (threads == null) {
            threads = defaultThreads();
        }
        if (maxFlows < 1 || idleTimeoutSeconds < 1 || warmup < 0 || threads < 1) {
            throw new CliException(ExitCodes.BAD_INPUT,
                    "--max-flows, --idle-timeout-seconds and --threads must be positive, --warmup not negative");
        }
        CompiledPolicy policy = policyOption.load();
        PrintWriter out = spec.commandLine().getOut();
        ShardedClassifier.ReaderSource capture = open();
        for (int i = 0; i < warmup; i++) {
            classifyAll(newClassifier(policy, false), capture);
        }
        ShardedClassifier classifier = newClassifier(policy, json != null);
        long elapsed = classifyAll(classifier, capture);
        if (json != null) {
            writeJson(classifier.flowReports());
        }
        report(out, classifier, classifier.reader(), policy, elapsed);
        out.flush();
        return ExitCodes.OK;
    }

    /**
     * All cores, except where one thread is faster. Cold (no warm-up pass), much of a short run is the JIT compiling
     * the classifier on the other cores, and a second classifying thread takes a core from the compiler: on the 2-core
     * box, through the launcher (C1 alone), 2 threads ran an 81 k-packet, 49 MB trace at 0.96-0.98 times one thread's
     * rate and a 300 k-packet, 180 MB one at 1.22-1.26 times ({@code benchmarks/compare.sh classify}, two runs), so
     * from 128 MiB the split outweighs the compiler's loss. On a machine whose load average is over twice its cores, a
     * second thread mostly waits for the first to be scheduled (at load 20 on the 2-core box, 2 threads ran at 0.6
     * times one thread's rate, warm).
     */
    private int defaultThreads() {
        int cores = Runtime.getRuntime().availableProcessors();
        long bytes;
        try {
            bytes = Files.size(trace);
        } catch (IOException e) {
            bytes = 0; // open() reports the file's problem
        }
        oneThreadReason = oneThreadReason(cores, warmup, bytes,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        return oneThreadReason == null ? cores : 1;
    }

    /**
     * Why the default is one thread rather than {@code cores}, or {@code null} when it is all of them.
     *
     * @param loadAverage the last minute's system load average, negative when unknown
     */
    static String oneThreadReason(int cores, int warmup, long captureBytes, double loadAverage) {
        if (cores == 1) {
            return "";
        }
        if (warmup == 0 && captureBytes < COLD_PARALLEL_MIN_BYTES) {
            return "the default for a cold run under 128 MiB";
        }
        if (warmup > 0 && captureBytes < WARM_PARALLEL_MIN_BYTES) {
            return "the default for a capture under 32 MiB";
        }
        if (loadAverage > 2.0 * cores) {
            return String.format(Locale.ROOT, "the default at load %.1f on %d cores", loadAverage, cores);
        }
        return null;
    }

    /** Whether the JVM compiles with C1 alone, as the launcher starts a cold run of a capture under 1 GiB. */
    private static boolean c1Only() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().contains("-XX:TieredStopAtLevel=1");
    }

    /** One pass over the capture on every shard; returns the loops' wall time in nanoseconds. */
    private long classifyAll(ShardedClassifier classifier, ShardedClassifier.ReaderSource capture)
            throws InterruptedException {
        try {
            return classifier.classify(capture);
        } catch (CaptureFormatException e) {
            throw new CliException(ExitCodes.BAD_INPUT, trace + ": " + e.getMessage());
        } catch (IOException e) {
            throw new CliException(ExitCodes.RUNTIME_FAILURE, trace + ": " + e.getMessage(), e);
        }
    }

    private ShardedClassifier newClassifier(CompiledPolicy policy, boolean collectFlows) {
        return new ShardedClassifier(threads, collectFlows, listener -> new PacketClassifier(maxFlows,
                idleTimeoutSeconds * 1_000_000_000L, PacketClassifier.DEFAULT_MAX_INSPECTORS, policy.inspection(),
                policy, listener));
    }

    /**
     * Readers over the capture, one per shard. Up to 2 GiB (one mapping), the whole file is mapped and pre-faulted
     * once and every reader walks that one mapping, so the timed loop measures classification, not page faults.
     * Larger, each reader maps the file in 1 GiB windows of its own, faulting its pages in as it goes (the page cache
     * is shared).
     */
    private ShardedClassifier.ReaderSource open() {
        try {
            ShardedClassifier.ReaderSource source;
            if (Files.size(trace) <= Integer.MAX_VALUE) {
                ByteBuf capture = PacketReaders.map(trace, true);
                source = () -> PacketReaders.of(capture);
            } else {
                source = () -> PacketReaders.open(trace);
            }
            source.open();
            return source;
        } catch (NoSuchFileException e) {
            throw new CliException(ExitCodes.BAD_INPUT, trace + ": no such file");
        } catch (CaptureFormatException e) {
            throw new CliException(ExitCodes.BAD_INPUT, trace + ": " + e.getMessage());
        } catch (IOException e) {
            throw new CliException(ExitCodes.RUNTIME_FAILURE, trace + ": " + e.getMessage(), e);
        }
    }

    private void writeJson(List<FlowSummary> flows) {
        try (Writer writer = Files.newBufferedWriter(json, StandardCharsets.UTF_8);
             JsonGenerator generator = new JsonFactory().createGenerator(writer)) {
            generator.setRootValueSeparator(null);
            for (FlowSummary flow : flows) {
                generator.writeStartObject();
                generator.writeStringField("client", flow.client());
                generator.writeStringField("server", flow.server());
                generator.writeStringField("transport", flow.transport());
                generator.writeStringField("protocol", flow.protocol().wireName());
                generator.writeStringField("sni", flow.sni());
                generator.writeStringField("host", flow.host());
                generator.writeStringField("query", flow.query());
                generator.writeBooleanField("ech", flow.ech());
                generator.writeStringField("rule", flow.rule());
                generator.writeStringField("action", flow.action());
                generator.writeNumberField("packets", flow.packets());
                generator.writeNumberField("bytes", flow.bytes());
                generator.writeNumberField("first_seen_ns", flow.firstSeenNanos());
                generator.writeNumberField("last_seen_ns", flow.lastSeenNanos());
                generator.writeEndObject();
                generator.writeRaw('\n');
            }
        } catch (IOException e) {
            throw new CliException(ExitCodes.RUNTIME_FAILURE, json + ": " + e.getMessage(), e);
        }
    }

    private void report(PrintWriter out, ShardedClassifier classifier, PacketReader reader, CompiledPolicy policy,
                        long elapsedNanos) {
        out.printf(Locale.ROOT, "censorsim classify %s: %,d packets, %,d bytes, %,d flows; policy %s%n", trace,
                classifier.packets(), classifier.bytes(), classifier.flows(), policyOption.describe());
        out.printf(Locale.ROOT, "%n%-15s %10s %12s %15s%n", "protocol", "flows", "packets", "bytes");
        for (Protocol protocol : Protocol.values()) {
            if (classifier.flows(protocol) > 0) {
                out.printf(Locale.ROOT, "%-15s %,10d %,12d %,15d%n", protocol.wireName(), classifier.flows(protocol),
                        classifier.packets(protocol), classifier.bytes(protocol));
            }
        }
        List<CompiledRule> rules = classifier.rules();
        List<DnsRule> dnsRules = classifier.dnsRules();
        if (!rules.isEmpty() || !dnsRules.isEmpty()) {
            out.printf(Locale.ROOT, "%n%-24s %10s %12s %15s  %s%n", "rule", "flows", "packets", "bytes", "action");
            for (int i = 0; i < rules.size(); i++) {
                out.printf(Locale.ROOT, "%-24s %,10d %,12d %,15d  %s%n", rules.get(i).name(),
                        classifier.flowsByRule(i), classifier.packetsByRule(i), classifier.bytesByRule(i),
                        rules.get(i).describe());
            }
            // DNS rules answer queries, as censorsim's DNS server would; their flows are DNS flows.
            for (int i = 0; i < dnsRules.size(); i++) {
                out.printf(Locale.ROOT, "%-24s %,10d %,12d %,15d  dns %s%n", dnsRules.get(i).name(),
                        classifier.flowsByDnsRule(i), classifier.packetsByDnsRule(i), classifier.bytesByDnsRule(i),
                        dnsRules.get(i).action().describe());
            }
        }
        out.println();
        long skipped = classifier.malformedPackets() + classifier.nonIpPackets() + classifier.fragmentPackets()
                + classifier.otherTransportPackets() + classifier.unsupportedLinkPackets()
                + classifier.refusedPackets();
        if (skipped > 0) {
            out.printf(Locale.ROOT, "skipped packets: %,d malformed, %,d not IP, %,d non-first fragments, %,d "
                            + "neither TCP nor UDP, %,d unsupported link type, %,d refused (flow table full)%n",
                    classifier.malformedPackets(), classifier.nonIpPackets(), classifier.fragmentPackets(),
                    classifier.otherTransportPackets(), classifier.unsupportedLinkPackets(),
                    classifier.refusedPackets());
        }
        if (classifier.outOfOrderSegments() > 0) {
            out.printf(Locale.ROOT, "note: %,d client segments after a sequence gap were not inspected%n",
                    classifier.outOfOrderSegments());
        }
        if (classifier.quicHellosOverSeveralInitials() > 0) {
            out.printf(Locale.ROOT, "note: %,d QUIC ClientHellos were gathered from several Initials%n",
                    classifier.quicHellosOverSeveralInitials());
        }
        if (classifier.quicStreamShortfalls() > 0) {
            out.printf(Locale.ROOT, "warning: %,d QUIC flows were judged on their first Initial alone because %,d "
                    + "handshakes were already being gathered%n", classifier.quicStreamShortfalls(),
                    PacketClassifier.DEFAULT_MAX_QUIC_HANDSHAKES);
        }
        if (classifier.inspectorShortfalls() > 0) {
            out.printf(Locale.ROOT, "warning: %,d TCP flows left unknown because %,d flows were already under "
                    + "inspection%n", classifier.inspectorShortfalls(), PacketClassifier.DEFAULT_MAX_INSPECTORS);
        }
        if (reader.problem() != null) {
            out.printf(Locale.ROOT, "warning: the capture stopped early (%,d unreadable record(s)): %s%n",
                    reader.truncatedRecords(), reader.problem());
        } else if (reader.truncatedRecords() > 0) {
            out.printf(Locale.ROOT, "warning: %,d packet record(s) skipped: they name an interface the capture "
                    + "never described%n", reader.truncatedRecords());
        }
        if (json != null) {
            out.printf(Locale.ROOT, "flows written to %s%n", json);
        }
        if (classifier.packets() < 1_000_000 && warmup == 0) {
            out.println("note: under a million packets the JIT is still warming up; use --warmup 3 or a bigger "
                    + "trace for a steady-state figure");
        }
        double seconds = elapsedNanos / 1e9;
        double packetsPerSecond = classifier.packets() / Math.max(seconds, 1e-9);
        double gigabitsPerSecond = classifier.bytes() * 8 / Math.max(seconds, 1e-9) / 1e9;
        out.printf(Locale.ROOT, "throughput: %,.0f packets/s, %.2f Gbit/s over the classification loop "
                        + "(%.3f s, %s%s)%n", packetsPerSecond, gigabitsPerSecond, seconds,
                threads == 1 ? "one thread" + (oneThreadReason == null || oneThreadReason.isEmpty() ? ""
                        : ", " + oneThreadReason)
                        : threads + " threads",
                warmup > 0 ? ", after " + warmup + " warm-up pass(es)" : ", cold JIT" + (c1Only() ? " (C1 only)" : ""));
    }
}
