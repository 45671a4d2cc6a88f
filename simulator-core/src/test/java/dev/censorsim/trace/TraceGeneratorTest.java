package dev.censorsim.trace;

import dev.censorsim.classify.Protocol;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TraceGeneratorTest {

    private static byte[] generate(int flows, long seed, List<GeneratedFlow> truth) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PcapWriter writer = new PcapWriter(out)) {
            truth.addAll(new TraceGenerator(flows, seed).write(writer));
        }
        return out.toByteArray();
    }

    @Test
    void sameSeedShouldGiveTheSameBytes() throws Exception {
        assertThat(generate(200, 9, new ArrayList<>())).isEqualTo(generate(200, 9, new ArrayList<>()));
    }

    @Test
    void otherSeedShouldGiveAnotherTrace() throws Exception {
        assertThat(generate(200, 9, new ArrayList<>())).isNotEqualTo(generate(200, 10, new ArrayList<>()));
    }

    @Test
    void traceShouldMixEveryProtocolAndBothNameLists() throws Exception {
        List<GeneratedFlow> truth = new ArrayList<>();
        generate(1000, 1, truth);

        Set<Protocol> protocols = truth.stream().map(GeneratedFlow::protocol).collect(Collectors.toSet());
        assertThat(protocols).containsAll(EnumSet.of(Protocol.TLS, Protocol.HTTP, Protocol.QUIC, Protocol.RTP,
                Protocol.DNS, Protocol.UNKNOWN));
        assertThat(truth).anyMatch(f -> f.name() != null && TraceGenerator.BLOCKED_NAMES.contains(f.name()))
                .anyMatch(f -> f.name() != null && TraceGenerator.ALLOWED_NAMES.contains(f.name()))
                .anyMatch(f -> TraceGenerator.ECH_OUTER_NAME.equals(f.name()))
                .anyMatch(f -> f.client().startsWith("[fd00:20::"));
    }

    @Test
    void groundTruthShouldCountEveryPacketWritten() throws Exception {
        List<GeneratedFlow> truth = new ArrayList<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long written;
        try (PcapWriter writer = new PcapWriter(out)) {
            truth.addAll(new TraceGenerator(300, 4).write(writer));
            written = writer.packets();
        }

        assertThat(truth.stream().mapToLong(GeneratedFlow::packets).sum()).isEqualTo(written);
    }

    @Test
    void endpointsShouldPrintIpv6CompressedAsRfc5952Says() {
        byte[] v6 = new byte[16];
        v6[0] = (byte) 0xfd;
        v6[3] = 0x20;
        v6[15] = 7;

        byte[] twoRuns = {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1};

        assertThat(TraceGenerator.endpoint(v6, 443)).isEqualTo("[fd00:20::7]:443");
        assertThat(TraceGenerator.endpoint(twoRuns, 1)).as("the first of two equal zero runs is compressed")
                .isEqualTo("[2001:db8::1:0:0:1]:1");
        assertThat(TraceGenerator.endpoint(new byte[] {10, 20, 0, 1}, 53)).isEqualTo("10.20.0.1:53");
    }

    @Test
    void zeroFlowsShouldBeRefused() {
        assertThatThrownBy(() -> new TraceGenerator(0, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
