package dev.censorsim.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.censorsim.classify.Protocol;
import dev.censorsim.trace.GeneratedFlow;
import dev.censorsim.trace.PcapWriter;
import dev.censorsim.trace.TraceGenerator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code censorsim trace}: synthetic captures for the classifier, nDPI and tshark. */
@Command(name = "trace",
        header = "Generate synthetic packet traces.",
        mixinStandardHelpOptions = true,
        subcommands = TraceCommand.Generate.class)
final class TraceCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command: try 'censorsim trace generate'");
    }

    /** {@code censorsim trace generate --flows N --seed S OUT.pcap}. */
    @Command(name = "generate",
            header = "Write a deterministic mixed messenger trace (TLS, HTTP, QUIC, STUN+RTP calls, DNS) as pcap.",
            description = "TLS flows to blocked and allowed names (some with the ClientHello split over two "
                    + "segments, some with ECH, some over IPv6 or 802.1Q) followed by bulk records, plain HTTP, QUIC "
                    + "Initials then short-header packets, calls opening with STUN then RTP and RTCP, DNS lookups and "
                    + "some unidentifiable TCP and UDP. The same --flows and --seed give the same bytes.",
            mixinStandardHelpOptions = true)
    static final class Generate implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        VerboseOption verbose;

        @Option(names = "--flows", paramLabel = "N", defaultValue = "10000", description = "Number of flows (default: ${DEFAULT-VALUE}).")
        int flows;

        @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--truth", paramLabel = "FILE",
                description = "Also write each flow's ground truth (JSON Lines: client, server, transport, protocol, "
                        + "name, packets, bytes) to FILE.")
        Path truth;

        @Parameters(index = "0", paramLabel = "OUT.pcap", description = "The capture to write (overwritten).")
        Path out;

        @Override
        public Integer call() {
            if (flows < 1) {
                throw new CliException(ExitCodes.BAD_INPUT, "--flows must be at least 1, was " + flows);
            }
            List<GeneratedFlow> generated;
            long packets;
            long bytes;
            try (PcapWriter writer = new PcapWriter(new BufferedOutputStream(Files.newOutputStream(out), 1 << 16))) {
                generated = new TraceGenerator(flows, seed).write(writer);
                packets = writer.packets();
                bytes = writer.bytes();
            } catch (IOException e) {
                throw new CliException(ExitCodes.RUNTIME_FAILURE, out + ": " + e.getMessage(), e);
            }
            if (truth != null) {
                writeTruth(generated);
            }
            Map<Protocol, Integer> byProtocol = new EnumMap<>(Protocol.class);
            for (GeneratedFlow flow : generated) {
                byProtocol.merge(flow.protocol(), 1, Integer::sum);
            }
            long blocked = generated.stream()
                    .filter(f -> f.name() != null && TraceGenerator.BLOCKED_NAMES.contains(f.name())).count();
            PrintWriter console = spec.commandLine().getOut();
            console.printf(Locale.ROOT, "wrote %s: %,d packets, %,d bytes, %,d flows (seed %d)%n", out, packets,
                    bytes, flows, seed);
            StringBuilder mix = new StringBuilder("flows:");
            byProtocol.forEach((protocol, count) -> mix.append(' ').append(protocol.wireName()).append(' ')
                    .append(count));
            console.println(mix);
            console.printf(Locale.ROOT, "flows naming a blocked service: %,d%n", blocked);
            console.flush();
            return ExitCodes.OK;
        }

        private void writeTruth(List<GeneratedFlow> generated) {
            try (Writer writer = Files.newBufferedWriter(truth, StandardCharsets.UTF_8);
                 JsonGenerator json = new JsonFactory().createGenerator(writer)) {
                json.setRootValueSeparator(null);
                for (GeneratedFlow flow : generated) {
                    json.writeStartObject();
                    json.writeStringField("client", flow.client());
                    json.writeStringField("server", flow.server());
                    json.writeStringField("transport", flow.transport());
                    json.writeStringField("protocol", flow.protocol().wireName());
                    json.writeStringField("name", flow.name());
                    json.writeNumberField("packets", flow.packets());
                    json.writeNumberField("bytes", flow.bytes());
                    json.writeEndObject();
                    json.writeRaw('\n');
                }
            } catch (IOException e) {
                throw new CliException(ExitCodes.RUNTIME_FAILURE, truth + ": " + e.getMessage(), e);
            }
        }
    }
}
