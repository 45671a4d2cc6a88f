package dev.censorsim.benchmarks.capture;

import dev.censorsim.classify.InspectionSettings;
import dev.censorsim.classify.Protocol;
import dev.censorsim.capture.EthernetFlyweight;
import dev.censorsim.capture.Ipv4Flyweight;
import dev.censorsim.capture.Ipv6Flyweight;
import dev.censorsim.capture.LinkType;
import dev.censorsim.capture.PacketClassifier;
import dev.censorsim.capture.TcpFlyweight;
import dev.censorsim.capture.UdpFlyweight;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.trace.TraceGenerator;
import io.netty.buffer.ByteBuf;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Per-packet cost of the packet face over an in-memory mixed messenger trace (TLS incl. split ClientHellos, HTTP,
 * QUIC, STUN+RTP calls, DNS, VPNs (WireGuard, OpenVPN over UDP and TCP, IKEv2, Shadowsocks-style fully encrypted
 * TCP: about 5% of flows), unknown; IPv4/IPv6, some VLAN-tagged), every packet type interleaved in capture order so
 * branch prediction cannot flatter the figure. One operation is one packet; each invocation classifies the whole
 * trace from an empty flow table (the flows are ended at the end of the invocation, so every flow is classified anew).
 *
 * <ul>
 *   <li>{@code classify}: the real {@link PacketClassifier}, no policy, as {@code censorsim classify} runs it: each
 *       QUIC flow's client Initials are decrypted for its SNI (JDK crypto, a few KB per QUIC flow; two Initials for
 *       the 40% of QUIC flows whose ClientHello carries a post-quantum key share).</li>
 *   <li>{@code classifyWithoutQuicDecryption}: the same without that: 0 B/op.</li>
 *   <li>{@code classifyWithPolicy}: plus WhatsApp and YouTube SNI rules evaluated once per flow.</li>
 *   <li>{@code classifyWithVpnPolicy}: without QUIC decryption, with a 2024-style VPN policy (WireGuard, OpenVPN,
 *       IKEv2 dropped or reset; fully encrypted with the GFW's 26% probability) evaluated once per flow.</li>
 *   <li>{@code headersFloor}: only the link, IP and transport headers of each packet: the floor any packet classifier
 *       pays to touch the trace.</li>
 *   <li>{@code naiveBaseline}: what a first attempt looks like: copy each packet to an array, key flows by a record of
 *       address strings in a {@code HashMap}, find "the SNI" with a regex over the ClientHello as a {@code String} and
 *       look it up in a {@code HashSet}.</li>
 * </ul>
 * Run with {@code -prof gc}: {@code classifyWithoutQuicDecryption} allocates 0 B/op; the others show what their
 * per-flow work costs spread over the packets.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar PacketClassifierBenchmark -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
public class PacketClassifierBenchmark {

    /** Packets per invocation: a 2,000-flow trace has about 70,000. */
    static final int OPERATIONS = 70_000;

    @Param({"2000"})
    public int flows;

    private InMemoryTrace trace;
    private int packets;
    private PacketClassifier classifier;
    private PacketClassifier noQuicClassifier;
    private PacketClassifier policyClassifier;
    private PacketClassifier vpnPolicyClassifier;
    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private final Ipv6Flyweight ipv6 = new Ipv6Flyweight();
    private final TcpFlyweight tcp = new TcpFlyweight();
    private final UdpFlyweight udp = new UdpFlyweight();
    private final NaiveClassifier naive = new NaiveClassifier();

    /** Flows identified and left unknown per invocation: a classifier that got faster by seeing less shows here. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Outcome {
        public long identified;
        public long unknown;

        @Setup(Level.Iteration)
        public void clear() {
            identified = 0;
            unknown = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        trace = InMemoryTrace.generate(flows, 42);
        packets = Math.min(trace.packets(), OPERATIONS);
        if (trace.packets() < OPERATIONS) {
            throw new IllegalStateException("trace has only " + trace.packets() + " packets; raise flows");
        }
        classifier = new PacketClassifier(1 << 16, PacketClassifier.DEFAULT_IDLE_TIMEOUT_NANOS, 4096,
                InspectionSettings.DEFAULT, CompiledPolicy.empty(), null);
        noQuicClassifier = new PacketClassifier(1 << 16, PacketClassifier.DEFAULT_IDLE_TIMEOUT_NANOS, 4096,
                InspectionSettings.DEFAULT, CompiledPolicy.empty(), null).decryptQuicInitials(false);
        CompiledPolicy policy = PolicyLoader.parse("""
                rules:
                  - name: whatsapp-reset
                    match: { sni: [whatsapp.com, whatsapp.net] }
                    action: { type: reset }
                  - name: youtube-throttle
                    match: { sni: [googlevideo.com, youtube.com] }
                    action: { type: throttle, rate: 1mbit }
                """, "benchmark.yaml");
        policyClassifier = new PacketClassifier(1 << 16, PacketClassifier.DEFAULT_IDLE_TIMEOUT_NANOS, 4096,
                InspectionSettings.DEFAULT, policy, null);
        CompiledPolicy vpnPolicy = PolicyLoader.parse("""
                rules:
                  - name: vpn-udp
                    match: { protocol: [wireguard, openvpn, ikev2, esp, l2tp] }
                    action: { type: drop }
                  - name: vpn-tcp
                    match: { protocol: [openvpn] }
                    action: { type: reset }
                  - name: fully-encrypted
                    match: { protocol: [fully-encrypted], probability: 26%, seed: 1 }
                    action: { type: blackhole }
                """, "vpn-benchmark.yaml");
        vpnPolicyClassifier = new PacketClassifier(1 << 16, PacketClassifier.DEFAULT_IDLE_TIMEOUT_NANOS, 4096,
                InspectionSettings.DEFAULT, vpnPolicy, null).decryptQuicInitials(false);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        trace.release();
    }

    @Benchmark
    @OperationsPerInvocation(OPERATIONS)
    public void classify(Outcome outcome) {
        run(classifier, outcome);
    }

    @Benchmark
    @OperationsPerInvocation(OPERATIONS)
    public void classifyWithoutQuicDecryption(Outcome outcome) {
        run(noQuicClassifier, outcome);
    }

    @Benchmark
    @OperationsPerInvocation(OPERATIONS)
    public void classifyWithPolicy(Outcome outcome) {
        run(policyClassifier, outcome);
    }

    @Benchmark
    @OperationsPerInvocation(OPERATIONS)
    public void classifyWithVpnPolicy(Outcome outcome) {
        run(vpnPolicyClassifier, outcome);
    }

    private void run(PacketClassifier classifier, Outcome outcome) {
        final ByteBuf buffer = trace.buffer;
        final int[] offsets = trace.offsets;
        final int[] lengths = trace.lengths;
        final long[] timestamps = trace.timestamps;
        long unknownBefore = classifier.flows(Protocol.UNKNOWN);
        long flowsBefore = classifier.flows();
        for (int i = 0; i < packets; i++) {
            classifier.onPacket(buffer, offsets[i], lengths[i], lengths[i], LinkType.ETHERNET, timestamps[i]);
        }
        classifier.finish();
        long unknown = classifier.flows(Protocol.UNKNOWN) - unknownBefore;
        outcome.unknown += unknown;
        outcome.identified += classifier.flows() - flowsBefore - unknown;
    }

    @Benchmark
    @OperationsPerInvocation(OPERATIONS)
    public void headersFloor(Blackhole blackhole) {
        final ByteBuf buffer = trace.buffer;
        final int[] offsets = trace.offsets;
        final int[] lengths = trace.lengths;
        long ports = 0;
        for (int i = 0; i < packets; i++) {
            if (!ethernet.wrap(buffer, offsets[i], lengths[i])) {
                continue;
            }
            int transport;
            int offset;
            int length;
            if (ethernet.etherType() == EthernetFlyweight.ETHER_TYPE_IPV4
                    && ipv4.wrap(buffer, ethernet.payloadOffset(), ethernet.payloadLength())) {
                transport = ipv4.protocol();
                offset = ipv4.payloadOffset();
                length = ipv4.payloadLength();
                ports += ipv4.source();
            } else if (ipv6.wrap(buffer, ethernet.payloadOffset(), ethernet.payloadLength())) {
                transport = ipv6.protocol();
                offset = ipv6.payloadOffset();
                length = ipv6.payloadLength();
                ports += ipv6.sourceLow();
            } else {
                continue;
            }
            if (transport == 6 && tcp.wrap(buffer, offset, length)) {
                ports += tcp.sourcePort() ^ tcp.destinationPort();
            } else if (transport == 17 && udp.wrap(buffer, offset, length)) {
                ports += udp.sourcePort() ^ udp.destinationPort();
            }
        }
        blackhole.consume(ports);
    }

    @Benchmark
    @OperationsPerInvocation(OPERATIONS)
    public void naiveBaseline(Outcome outcome) {
        for (int i = 0; i < packets; i++) {
            byte[] frame = new byte[trace.lengths[i]];
            trace.buffer.getBytes(trace.offsets[i], frame);
            naive.onPacket(frame);
        }
        outcome.identified += naive.identified;
        outcome.unknown += naive.flows.size() - naive.identified;
        naive.flows.clear();
        naive.identified = 0;
    }

    /** The straightforward version a reviewer would write first; correct on this trace, but allocation-heavy. */
    static final class NaiveClassifier {
        private static final Pattern HOST_NAME = Pattern.compile("(?:[a-z0-9-]{1,63}\\.)+[a-z]{2,24}");
        private final Set<String> known = new HashSet<>();
        final Map<FlowKey, NaiveFlow> flows = new HashMap<>();
        long identified;

        NaiveClassifier() {
            known.addAll(TraceGenerator.BLOCKED_NAMES);
            known.addAll(TraceGenerator.ALLOWED_NAMES);
        }

        record FlowKey(String a, int aPort, String b, int bPort, int transport) {
            static FlowKey of(String src, int srcPort, String dst, int dstPort, int transport) {
                String left = src + ":" + srcPort;
                String right = dst + ":" + dstPort;
                return left.compareTo(right) <= 0 ? new FlowKey(src, srcPort, dst, dstPort, transport)
                        : new FlowKey(dst, dstPort, src, srcPort, transport);
            }
        }

        static final class NaiveFlow {
            String protocol;
            String name;
            long packets;
        }

        void onPacket(byte[] frame) {
            ByteBuffer packet = ByteBuffer.wrap(frame);
            int at = 12;
            int type = packet.getShort(at) & 0xffff;
            while (type == 0x8100) {
                at += 4;
                type = packet.getShort(at) & 0xffff;
            }
            at += 2;
            String src;
            String dst;
            int transport;
            try {
                if (type == 0x0800) {
                    int headerLength = (frame[at] & 0x0f) * 4;
                    transport = frame[at + 9] & 0xff;
                    src = InetAddress.getByAddress(java.util.Arrays.copyOfRange(frame, at + 12, at + 16))
                            .getHostAddress();
                    dst = InetAddress.getByAddress(java.util.Arrays.copyOfRange(frame, at + 16, at + 20))
                            .getHostAddress();
                    at += headerLength;
                } else if (type == 0x86dd) {
                    transport = frame[at + 6] & 0xff;
                    src = InetAddress.getByAddress(java.util.Arrays.copyOfRange(frame, at + 8, at + 24))
                            .getHostAddress();
                    dst = InetAddress.getByAddress(java.util.Arrays.copyOfRange(frame, at + 24, at + 40))
                            .getHostAddress();
                    at += 40;
                } else {
                    return;
                }
            } catch (UnknownHostException e) {
                return;
            }
            int srcPort = packet.getShort(at) & 0xffff;
            int dstPort = packet.getShort(at + 2) & 0xffff;
            int payload = transport == 6 ? at + ((frame[at + 12] & 0xf0) >> 2) : at + 8;
            NaiveFlow flow = flows.computeIfAbsent(FlowKey.of(src, srcPort, dst, dstPort, transport),
                    k -> new NaiveFlow());
            flow.packets++;
            if (flow.protocol != null || payload >= frame.length) {
                return;
            }
            String text = new String(frame, payload, frame.length - payload, StandardCharsets.ISO_8859_1);
            if (transport == 6 && frame[payload] == 0x16) {
                Matcher matcher = HOST_NAME.matcher(text);
                flow.protocol = "tls";
                flow.name = matcher.find() ? matcher.group() : null;
            } else if (transport == 6 && text.startsWith("GET ")) {
                flow.protocol = "http";
                for (String line : text.split("\r\n")) {
                    if (line.regionMatches(true, 0, "Host:", 0, 5)) {
                        flow.name = line.substring(5).trim();
                    }
                }
            } else if (transport == 17 && (frame[payload] & 0xc0) == 0xc0 && frame.length - payload >= 1200) {
                flow.protocol = "quic";
            } else if (transport == 17 && frame.length - payload >= 20 && packet.getInt(payload + 4) == 0x2112a442) {
                flow.protocol = "stun";
            } else if (transport == 17 && (srcPort == 53 || dstPort == 53)) {
                flow.protocol = "dns";
            } else {
                flow.protocol = "unknown";
            }
            if (!"unknown".equals(flow.protocol) && (flow.name == null || known.contains(flow.name))) {
                identified++;
            }
        }
    }
}
