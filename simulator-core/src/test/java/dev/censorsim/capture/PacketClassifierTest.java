package dev.censorsim.capture;

import dev.censorsim.classify.InspectionSettings;
import dev.censorsim.classify.Protocol;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.trace.FrameBuilder;
import dev.censorsim.trace.GeneratedFlow;
import dev.censorsim.trace.PcapWriter;
import dev.censorsim.trace.TlsMessages;
import dev.censorsim.trace.TraceGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class PacketClassifierTest {

    private static final byte[] CLIENT = {10, 0, 0, 7};
    private static final byte[] SERVER = {(byte) 203, 0, 113, 9};
    private static final long SECOND = 1_000_000_000L;

    private final List<FlowSummary> summaries = new ArrayList<>();

    private PacketClassifier classifier(InspectionSettings inspection) {
        return new PacketClassifier(4096, 60 * SECOND, 64, inspection, CompiledPolicy.empty(), summaries::add);
    }

    private static void feed(PacketClassifier classifier, byte[]... frames) {
        long time = 1_000 * SECOND;
        for (byte[] frame : frames) {
            classifier.onPacket(Unpooled.wrappedBuffer(frame), 0, frame.length, frame.length, LinkType.ETHERNET,
                    time += 1_000_000);
        }
    }

    private static byte[][] tlsFlow(String sni, int cut) {
        byte[] hello = TlsMessages.clientHello(sni, List.of("h2"), false, new SplittableRandom(5));
        List<byte[]> frames = new ArrayList<>();
        frames.add(FrameBuilder.tcp(CLIENT, 40_000, SERVER, 443, 99, 0, FrameBuilder.TCP_SYN, new byte[0]));
        frames.add(FrameBuilder.tcp(SERVER, 443, CLIENT, 40_000, 500, 100, FrameBuilder.TCP_SYN | FrameBuilder.TCP_ACK,
                new byte[0]));
        frames.add(FrameBuilder.tcp(CLIENT, 40_000, SERVER, 443, 100, 501, FrameBuilder.TCP_ACK, new byte[0]));
        if (cut > 0) {
            frames.add(FrameBuilder.tcp(CLIENT, 40_000, SERVER, 443, 100, 501, FrameBuilder.TCP_ACK, hello, 0, cut,
                    FrameBuilder.NO_VLAN));
            frames.add(FrameBuilder.tcp(CLIENT, 40_000, SERVER, 443, 100 + cut, 501, FrameBuilder.TCP_ACK, hello, cut,
                    hello.length - cut, FrameBuilder.NO_VLAN));
        } else {
            frames.add(FrameBuilder.tcp(CLIENT, 40_000, SERVER, 443, 100, 501, FrameBuilder.TCP_ACK, hello));
        }
        return frames.toArray(new byte[0][]);
    }

    @Test
    void clientHelloSplitAcrossSegmentsShouldYieldItsSni() {
        PacketClassifier classifier = classifier(InspectionSettings.DEFAULT);
        feed(classifier, tlsFlow("web.whatsapp.com", 30));
        classifier.finish();

        assertThat(summaries).singleElement().satisfies(flow -> {
            assertThat(flow.protocol()).isEqualTo(Protocol.TLS);
            assertThat(flow.sni()).isEqualTo("web.whatsapp.com");
            assertThat(flow.client()).isEqualTo("10.0.0.7:40000");
            assertThat(flow.server()).isEqualTo("203.0.113.9:443");
            assertThat(flow.packets()).isEqualTo(5);
        });
    }

    @Test
    void splitClientHelloShouldBeUnknownWhenReassemblyIsOff() {
        PacketClassifier classifier = classifier(new InspectionSettings(false, InspectionSettings.DEFAULT_MAX_BYTES));
        feed(classifier, tlsFlow("web.whatsapp.com", 30));
        classifier.finish();

        assertThat(summaries).singleElement().satisfies(flow -> {
            assertThat(flow.protocol()).as("the evasion that works on a non-reassembling box").isEqualTo(Protocol.UNKNOWN);
            assertThat(flow.sni()).isNull();
        });
    }

    @Test
    void segmentsArrivingOutOfOrderShouldBeSkippedUntilTheGapIsFilled() {
        byte[][] frames = tlsFlow("x.com", 30);
        byte[][] swapped = {frames[0], frames[1], frames[2], frames[4], frames[3], frames[4]};
        PacketClassifier classifier = classifier(InspectionSettings.DEFAULT);
        feed(classifier, swapped);
        classifier.finish();

        assertThat(classifier.outOfOrderSegments()).isEqualTo(1);
        assertThat(summaries).singleElement().satisfies(flow -> assertThat(flow.sni()).isEqualTo("x.com"));
    }

    @Test
    void flowSeenFromTheSynAckShouldStillKnowItsClient() {
        byte[][] frames = tlsFlow("vk.com", 0);
        PacketClassifier classifier = classifier(InspectionSettings.DEFAULT);
        feed(classifier, frames[1], frames[2], frames[3]);
        classifier.finish();

        assertThat(summaries).singleElement().satisfies(flow -> {
            assertThat(flow.client()).isEqualTo("10.0.0.7:40000");
            assertThat(flow.sni()).isEqualTo("vk.com");
        });
    }

    @Test
    void serverSpeakingFirstShouldBeUnknown() {
        PacketClassifier classifier = classifier(InspectionSettings.DEFAULT);
        feed(classifier,
                FrameBuilder.tcp(CLIENT, 40_001, SERVER, 25, 1, 0, FrameBuilder.TCP_SYN, new byte[0]),
                FrameBuilder.tcp(SERVER, 25, CLIENT, 40_001, 9, 2, FrameBuilder.TCP_ACK, "220 mx ESMTP\r\n".getBytes()),
                FrameBuilder.tcp(CLIENT, 40_001, SERVER, 25, 2, 23, FrameBuilder.TCP_ACK, "EHLO a\r\n".getBytes()));
        classifier.finish();

        assertThat(summaries).singleElement().satisfies(flow -> assertThat(flow.protocol()).isEqualTo(Protocol.UNKNOWN));
    }

    @Test
    void truncatedAndGarbageFramesShouldBeCountedNotThrown() {
        PacketClassifier classifier = classifier(InspectionSettings.DEFAULT);
        byte[] frame = tlsFlow("vk.com", 0)[3];
        SplittableRandom random = new SplittableRandom(9);
        for (int cut = 0; cut < frame.length; cut++) {
            classifier.onPacket(Unpooled.wrappedBuffer(frame), 0, cut, frame.length, LinkType.ETHERNET, cut);
        }
        for (int i = 0; i < 5_000; i++) {
            byte[] garbage = new byte[random.nextInt(0, 200)];
            random.nextBytes(garbage);
            classifier.onPacket(Unpooled.wrappedBuffer(garbage), 0, garbage.length, garbage.length,
                    random.nextBoolean() ? LinkType.ETHERNET : LinkType.RAW, i);
        }
        classifier.finish();

        assertThat(classifier.malformedPackets()).isPositive();
        assertThat(classifier.packets()).isEqualTo(frame.length + 5_000L);
    }

    private static byte[] trace(int flows, long seed, List<GeneratedFlow> truth) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PcapWriter writer = new PcapWriter(out)) {
            truth.addAll(new TraceGenerator(flows, seed).write(writer));
        }
        return out.toByteArray();
    }

    @Test
    void generatedTraceShouldBeClassifiedExactlyAsItsGroundTruth() throws Exception {
        List<GeneratedFlow> truth = new ArrayList<>();
        byte[] pcap = trace(600, 17, truth);
        PacketClassifier classifier = classifier(InspectionSettings.DEFAULT);
        PacketReader reader = PacketReaders.of(Unpooled.wrappedBuffer(pcap));
        while (reader.next()) {
            classifier.onPacket(reader);
        }
        classifier.finish();

        Map<String, FlowSummary> seen = new HashMap<>();
        for (FlowSummary flow : summaries) {
            seen.put(flow.transport() + " " + flow.client() + " " + flow.server(), flow);
        }
        assertThat(seen).hasSameSizeAs(truth);
        for (GeneratedFlow expected : truth) {
            FlowSummary actual = seen.get(expected.transport() + " " + expected.client() + " " + expected.server());
            assertThat(actual).as("flow %s", expected).isNotNull();
            assertThat(actual.protocol()).as("protocol of %s", expected).isEqualTo(expected.protocol());
            assertThat(actual.packets()).as("packets of %s", expected).isEqualTo(expected.packets());
            assertThat(actual.bytes()).isEqualTo(expected.bytes());
            String name = actual.sni() != null ? actual.sni() : actual.host() != null ? actual.host() : actual.query();
            assertThat(name).as("name of %s", expected).isEqualTo(expected.name());
        }
        assertThat(classifier.malformedPackets()).isZero();
    }

    @Test
    void resetClassifierShouldClassifyTheNextCaptureExactlyAsAFreshOne() throws Exception {
        byte[] first = trace(300, 3, new ArrayList<>());
        byte[] second = trace(300, 4, new ArrayList<>());
        PacketClassifier fresh = classifier(InspectionSettings.DEFAULT);
        readAll(fresh, second, Integer.MAX_VALUE);
        fresh.finish();
        List<FlowSummary> expected = List.copyOf(summaries);
        summaries.clear();

        PacketClassifier reused = classifier(InspectionSettings.DEFAULT);
        // Stopped half-way: flows open, parsers and QUIC streams busy, names interned, counters running.
        readAll(reused, first, 1_500);
        summaries.clear();
        reused.reset();
        readAll(reused, second, Integer.MAX_VALUE);
        reused.finish();

        assertThat(summaries).as("the reset classifier's flows").isEqualTo(expected);
        assertThat(reused.packets()).isEqualTo(fresh.packets());
        assertThat(reused.bytes()).isEqualTo(fresh.bytes());
        assertThat(reused.flows()).isEqualTo(fresh.flows());
        assertThat(reused.liveFlows()).isZero();
        assertThat(reused.inspectorShortfalls()).isEqualTo(fresh.inspectorShortfalls());
    }

    private static void readAll(PacketClassifier classifier, byte[] pcap, int maxPackets) throws Exception {
        PacketReader reader = PacketReaders.of(Unpooled.wrappedBuffer(pcap));
        for (int i = 0; i < maxPackets && reader.next(); i++) {
            classifier.onPacket(reader);
        }
    }

    private static long allocatedOnSecondPass(PacketClassifier classifier, ByteBuf buffer) throws Exception {
        PacketReader warm = PacketReaders.of(buffer);
        while (warm.next()) {
            classifier.onPacket(warm);
        }
        classifier.finish();
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        PacketReader reader = PacketReaders.of(buffer);
        long before = threads.getCurrentThreadAllocatedBytes();
        while (reader.next()) {
            classifier.onPacket(reader);
        }
        classifier.finish();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }

    @Test
    void warmClassifierShouldAllocateNothingPerPacket() throws Exception {
        byte[] pcap = trace(400, 3, new ArrayList<>());
        PacketClassifier classifier = new PacketClassifier(1 << 14, 60 * SECOND, 1024, InspectionSettings.DEFAULT,
                CompiledPolicy.empty(), null).decryptQuicInitials(false);

        long allocated = allocatedOnSecondPass(classifier, Unpooled.wrappedBuffer(pcap));

        assertThat(classifier.packets()).isGreaterThan(20_000);
        assertThat(allocated).as("bytes allocated over %d packets (second pass, names interned)",
                classifier.packets() / 2).isLessThan(classifier.packets() / 20);
    }

    @Test
    void quicDecryptionShouldCostAFewKilobytesPerQuicFlowOnly() throws Exception {
        List<GeneratedFlow> truth = new ArrayList<>();
        byte[] pcap = trace(400, 3, truth);
        long quicFlows = truth.stream().filter(f -> f.protocol() == Protocol.QUIC).count();
        PacketClassifier classifier = new PacketClassifier(1 << 14, 60 * SECOND, 1024, InspectionSettings.DEFAULT,
                CompiledPolicy.empty(), null);

        long allocated = allocatedOnSecondPass(classifier, Unpooled.wrappedBuffer(pcap));

        assertThat(quicFlows).isPositive();
        assertThat(allocated / quicFlows).as("bytes per QUIC flow").isLessThan(12_000);
    }

    @Test
    void policyShouldGiveEachFlowTheVerdictTheProxyWouldApply() throws Exception {
        CompiledPolicy policy = PolicyLoader.parse("""
                rules:
                  - name: whatsapp-reset
                    match: { sni: [whatsapp.com] }
                    action: { type: reset }
                """, "test.yaml");
        PacketClassifier classifier = new PacketClassifier(4096, 60 * SECOND, 64, InspectionSettings.DEFAULT, policy,
                summaries::add);
        feed(classifier, tlsFlow("web.whatsapp.com", 0));
        classifier.finish();

        assertThat(summaries).singleElement().satisfies(flow -> {
            assertThat(flow.rule()).isEqualTo("whatsapp-reset");
            assertThat(flow.action()).contains("reset");
        });
        assertThat(classifier.flowsByRule(0)).isEqualTo(1);
        assertThat(classifier.packetsByRule(0)).isEqualTo(4);
    }

    @Test
    void udpFlowsShouldGetTheUdpRulesTheRelayWouldApply() throws Exception {
        CompiledPolicy policy = PolicyLoader.parse("""
                rules:
                  - name: whatsapp-reset
                    match: { sni: [whatsapp.com] }
                    action: { type: reset }
                  - name: quic-2022
                    match: { protocol: [quic], port: [443], min-size: 1001 }
                    action: { type: drop }
                  - name: calls
                    match: { protocol: [stun, rtp] }
                    action: { type: loss, rate: 20% }
                """, "test.yaml");
        PacketClassifier classifier = new PacketClassifier(1 << 14, 60 * SECOND, 1024, InspectionSettings.DEFAULT,
                policy, summaries::add);

        PacketReader reader = PacketReaders.of(Unpooled.wrappedBuffer(trace(400, 5, new ArrayList<>())));
        while (reader.next()) {
            classifier.onPacket(reader);
        }
        classifier.finish();

        List<FlowSummary> udp = summaries.stream().filter(f -> f.transport().equals("udp")).toList();
        assertThat(udp).filteredOn(f -> f.protocol() == Protocol.QUIC).isNotEmpty()
                .as("client Initials are padded to at least 1200 bytes (RFC 9000 §14.1), so the 2022 rule hits")
                .allSatisfy(f -> assertThat(f.rule()).isEqualTo("quic-2022"));
        assertThat(udp).filteredOn(f -> f.protocol() == Protocol.STUN || f.protocol() == Protocol.RTP).isNotEmpty()
                .allSatisfy(f -> {
                    assertThat(f.rule()).isEqualTo("calls");
                    assertThat(f.action()).contains("loss");
                });
        assertThat(udp).filteredOn(f -> f.protocol() == Protocol.DNS).isNotEmpty()
                .allSatisfy(f -> assertThat(f.rule()).as("no UDP rule lists DNS").isNull());
        assertThat(summaries).filteredOn(f -> f.transport().equals("tcp"))
                .noneSatisfy(f -> assertThat(f.rule()).isIn("quic-2022", "calls"));
    }

    @Test
    void rtcpOnlyFlowInAPcapShouldBeLabelledRtcpAndMatchedByProtocolRtcp() throws Exception {
        // RTCP on its own port (RFC 3550 §11): sender reports both ways, no RTP on this 4-tuple.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (PcapWriter writer = new PcapWriter(out)) {
            long time = 1_000 * SECOND;
            for (int i = 0; i < 6; i++) {
                writer.write(time += 20_000_000, FrameBuilder.udp(CLIENT, 40_001, SERVER, 3479,
                        dev.censorsim.trace.UdpPayloads.rtcpSenderReport(0xcafe0001, 1L << 40 | i, i * 960, i, i * 160)));
                writer.write(time += 1_000_000, FrameBuilder.udp(SERVER, 3479, CLIENT, 40_001,
                        dev.censorsim.trace.UdpPayloads.rtcpSenderReport(0xbeef0002, 1L << 40 | i, i * 960, i, i * 160)));
            }
        }
        CompiledPolicy policy = PolicyLoader.parse("""
                rules:
                  - name: rtcp-only
                    match: { protocol: [rtcp] }
                    action: { type: drop }
                """, "test.yaml");
        PacketClassifier classifier = new PacketClassifier(64, 60 * SECOND, 8, InspectionSettings.DEFAULT, policy,
                summaries::add);

        PacketReader reader = PacketReaders.of(Unpooled.wrappedBuffer(out.toByteArray()));
        while (reader.next()) {
            classifier.onPacket(reader);
        }
        classifier.finish();

        assertThat(summaries).singleElement().satisfies(flow -> {
            assertThat(flow.protocol()).as("the relay labels this flow rtcp too").isEqualTo(Protocol.RTCP);
            assertThat(flow.rule()).isEqualTo("rtcp-only");
            assertThat(flow.packets()).isEqualTo(12);
        });
        assertThat(classifier.flows(Protocol.RTCP)).isEqualTo(1);
        assertThat(classifier.flowsByRule(0)).isEqualTo(1);
    }

    @Test
    void idleFlowShouldEndAndTheSameTupleLaterShouldBeANewFlow() {
        PacketClassifier classifier = new PacketClassifier(64, 10 * SECOND, 8, InspectionSettings.DEFAULT,
                CompiledPolicy.empty(), summaries::add);
        byte[] query = dev.censorsim.trace.UdpPayloads.dnsQuery(1, "vk.com", 1);
        byte[] frame = FrameBuilder.udp(CLIENT, 5353, SERVER, 53, query);
        ByteBuf buffer = Unpooled.wrappedBuffer(frame);

        classifier.onPacket(buffer, 0, frame.length, frame.length, LinkType.ETHERNET, 0);
        classifier.onPacket(buffer, 0, frame.length, frame.length, LinkType.ETHERNET, 60 * SECOND);
        assertThat(summaries).as("the first flow ended by idle eviction").hasSize(1);
        classifier.finish();

        assertThat(summaries).hasSize(2).allSatisfy(flow -> {
            assertThat(flow.protocol()).isEqualTo(Protocol.DNS);
            assertThat(flow.query()).isEqualTo("vk.com");
            assertThat(flow.packets()).isEqualTo(1);
        });
        assertThat(classifier.flows()).isEqualTo(2);
    }

    @Test
    void linuxCookedAndLoopbackCapturesShouldBeClassified() {
        byte[] ethernet = tlsFlow("ya.ru", 0)[3];
        byte[] ip = java.util.Arrays.copyOfRange(ethernet, 14, ethernet.length);
        byte[] cooked = new byte[16 + ip.length];
        cooked[14] = 0x08;
        System.arraycopy(ip, 0, cooked, 16, ip.length);
        byte[] loopback = new byte[4 + ip.length];
        loopback[0] = 2;
        System.arraycopy(ip, 0, loopback, 4, ip.length);
        PacketClassifier classifier = classifier(InspectionSettings.DEFAULT);

        classifier.onPacket(Unpooled.wrappedBuffer(cooked), 0, cooked.length, cooked.length, LinkType.LINUX_SLL, 1);
        classifier.onPacket(Unpooled.wrappedBuffer(loopback), 0, loopback.length, loopback.length, LinkType.NULL, 2);
        classifier.onPacket(Unpooled.wrappedBuffer(ip), 0, ip.length, ip.length, 147, 3);
        classifier.finish();

        assertThat(classifier.unsupportedLinkPackets()).as("link type 147 (user-defined)").isEqualTo(1);
        assertThat(summaries).singleElement().satisfies(flow -> {
            assertThat(flow.sni()).isEqualTo("ya.ru");
            assertThat(flow.packets()).isEqualTo(2);
        });
    }

    @Test
    void flowFindingEveryParserBusyShouldBeUnknownAndCounted() {
        PacketClassifier classifier = new PacketClassifier(64, 60 * SECOND, 1, InspectionSettings.DEFAULT,
                CompiledPolicy.empty(), summaries::add);
        byte[][] first = tlsFlow("vk.com", 30);
        byte[] hello = TlsMessages.clientHello("ya.ru", List.of(), false, new SplittableRandom(1));
        byte[] other = FrameBuilder.tcp(CLIENT, 40_002, SERVER, 443, 7, 1, FrameBuilder.TCP_ACK, hello);

        // The first flow holds the only parser while its ClientHello is half in; the second finds none.
        feed(classifier, first[0], first[1], first[2], first[3], other, first[4]);
        classifier.finish();

        assertThat(classifier.inspectorShortfalls()).isEqualTo(1);
        assertThat(summaries).extracting(FlowSummary::sni).containsExactlyInAnyOrder("vk.com", null);
    }

    @Test
    void nonFirstFragmentsShouldBeCountedNotAttributed() {
        byte[] frame = FrameBuilder.udp(CLIENT, 5000, SERVER, 53, dev.censorsim.trace.UdpPayloads.dnsQuery(1, "a.b", 1));
        frame[14 + 6] = 0x00;
        frame[14 + 7] = 0x20;
        PacketClassifier classifier = classifier(InspectionSettings.DEFAULT);

        feed(classifier, frame);
        classifier.finish();

        assertThat(classifier.fragmentPackets()).isEqualTo(1);
        assertThat(classifier.flows()).isZero();
    }
}
