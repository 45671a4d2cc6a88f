package dev.censorsim.benchmarks.dns;

import dev.censorsim.dns.DnsMessageProcessor;
import dev.censorsim.dns.DnsServer;
import dev.censorsim.dns.DnsServerOptions;
import dev.censorsim.dns.Zone;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * censorsim's DNS server, with no policy and with the Feb 2026 removal policy ({@code nxdomain} for whatsapp.com and
 * below), in one run:
 * <ul>
 *   <li>{@link #udpRoundTrip}: queries per second through the real UDP path, one query in flight, from an in-process
 *       blocking client over loopback (so the figure is 1 / round-trip time);</li>
 *   <li>{@link #inMemoryAnswer}: the answer path alone (read, lookup, surgery, write) on pooled-free heap buffers;
 *       run with {@code -prof gc} for bytes allocated per query;</li>
 *   <li>{@link #naiveCannedAnswer}: the baseline, a HashMap of pre-built answers with the ID patched in.</li>
 * </ul>
 * Each invocation cycles through a mix of names (removed, allowed, CNAME, NODATA, NXDOMAIN) so that branch
 * prediction sees every outcome; {@link Outcomes} counts them.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar DnsServerBenchmark -prof gc}
 */
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "-Dslf4j.internal.verbosity=ERROR"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DnsServerBenchmark {

    private static final String[][] MIX = {
            {"g.whatsapp.net", "1"}, {"web.whatsapp.com", "1"}, {"mmg.whatsapp.net", "1"}, {"whatsapp.com", "28"},
            {"wa.me", "1"}, {"g.whatsapp.net", "28"}, {"nope.whatsapp.net", "1"}, {"wa.me", "16"},
    };

    /** {@code none}: zone answers only; {@code removal}: whatsapp-2026-dns, one nxdomain rule over a list. */
    @Param({"none", "removal"})
    public String policy;

    private DnsServer server;
    private DatagramSocket socket;
    private DnsMessageProcessor processor;
    private byte[][] queries;
    private ByteBuf[] queryBufs;
    private final byte[] receive = new byte[1500];
    private DatagramPacket reply;
    private ByteBuf out;
    private Map<String, byte[]> canned;
    private String[] cannedKeys;
    private int next;

    /** How the mixed queries came out; the shares are fixed by {@link #MIX}, so these check the run was sane. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Outcomes {
        public long noerror;
        public long nxdomain;
        public long other;

        void count(int rcode) {
            if (rcode == 0) {
                noerror++;
            } else if (rcode == 3) {
                nxdomain++;
            } else {
                other++;
            }
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException, PolicyException {
        Zone zone = Zone.builder()
                .a("g.whatsapp.net", "127.0.0.1").aaaa("g.whatsapp.net", "::1")
                .cname("mmg.whatsapp.net", "g.whatsapp.net")
                .a("whatsapp.com", "127.0.0.1").aaaa("whatsapp.com", "::1")
                .a("web.whatsapp.com", "127.0.0.1")
                .a("wa.me", "127.0.0.1").txt("wa.me", "short links")
                .build();
        CompiledPolicy compiled = "removal".equals(policy) ? PolicyLoader.parse("""
                lists:
                  removed-from-nsdi: [whatsapp.com]
                rules:
                  - name: nsdi-removal
                    match: { qname: ["@removed-from-nsdi"] }
                    action: { type: nxdomain }
                """, "whatsapp-2026-dns.yaml") : CompiledPolicy.empty();
        PolicyHolder holder = new PolicyHolder(compiled);
        server = DnsServer.start(DnsServerOptions.builder().zone(zone).policy(holder).build());
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket.setSoTimeout(2_000);
        socket.connect(server.udpAddress());
        reply = new DatagramPacket(receive, receive.length);
        processor = new DnsMessageProcessor(java.util.List.of(zone), holder);
        queries = new byte[MIX.length][];
        queryBufs = new ByteBuf[MIX.length];
        canned = new HashMap<>();
        cannedKeys = new String[MIX.length];
        ByteBuf scratch = Unpooled.buffer(512);
        for (int i = 0; i < MIX.length; i++) {
            queries[i] = query(i, MIX[i][0], Integer.parseInt(MIX[i][1]));
            queryBufs[i] = Unpooled.wrappedBuffer(queries[i]);
            scratch.clear();
            processor.answer(queryBufs[i].duplicate(), InetAddress.getLoopbackAddress(), scratch);
            byte[] answer = new byte[scratch.readableBytes()];
            scratch.getBytes(0, answer);
            cannedKeys[i] = MIX[i][0] + "/" + MIX[i][1];
            canned.put(cannedKeys[i], answer);
        }
        out = Unpooled.buffer(1500);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        socket.close();
        server.close();
    }

    private int nextIndex() {
        int i = next;
        next = i + 1 == MIX.length ? 0 : i + 1;
        return i;
    }

    @Benchmark
    public int udpRoundTrip(Outcomes outcomes) throws IOException {
        byte[] q = queries[nextIndex()];
        socket.send(new DatagramPacket(q, q.length));
        socket.receive(reply);
        int rcode = receive[3] & 0xf;
        outcomes.count(rcode);
        return rcode;
    }

    @Benchmark
    public int inMemoryAnswer(Outcomes outcomes) {
        ByteBuf q = queryBufs[nextIndex()];
        out.clear();
        int rcode = processor.answer(q, InetAddress.getLoopbackAddress(), out);
        outcomes.count(rcode);
        return out.writerIndex() + rcode;
    }

    @Benchmark
    public int naiveCannedAnswer(Outcomes outcomes) {
        int i = nextIndex();
        byte[] q = queries[i];
        byte[] answer = canned.get(cannedKeys[i]);
        out.clear();
        out.writeBytes(answer);
        out.setByte(0, q[0]);
        out.setByte(1, q[1]);
        int rcode = answer[3] & 0xf;
        outcomes.count(rcode);
        return out.writerIndex() + rcode;
    }

    /** RFC 1035 4.1.1 header (RD set, one question) and 4.1.2 question, uncompressed. */
    private static byte[] query(int id, String name, int type) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) (id >>> 8), (byte) id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0});
        for (String label : name.split("\\.")) {
            byte[] l = label.getBytes(StandardCharsets.US_ASCII);
            b.write(l.length);
            b.writeBytes(l);
        }
        b.writeBytes(new byte[] {0, (byte) (type >>> 8), (byte) type, 0, 1});
        return b.toByteArray();
    }
}
