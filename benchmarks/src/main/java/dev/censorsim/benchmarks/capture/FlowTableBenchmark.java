package dev.censorsim.benchmarks.capture;

import dev.censorsim.capture.FlowTable;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The flow table under churn against {@code HashMap<FlowKey, Integer>}: a packet stream over {@code liveFlows}
 * concurrent 5-tuples (IPv4 clients to a few servers, both directions), where one packet in {@code 1/churn} belongs
 * to a new flow and an old one ends, as short DNS and QUIC flows make real traffic churn. One operation is one packet
 * lookup (plus its share of inserts and removals).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar FlowTableBenchmark -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
public class FlowTableBenchmark {

    static final int OPERATIONS = 1 << 16;
    private static final int SERVERS = 64;

    @Param({"16384", "262144"})
    public int liveFlows;

    /** One new flow (and one ended flow) every this many packets. */
    @Param({"16"})
    public int churn;

    private FlowTable table;
    private Map<FlowKey, Integer> map;
    private int[] clients;
    private int[] ids;
    private int nextClient;
    private int cursor;
    private final SplittableRandom random = new SplittableRandom(1);
    private final FlowTable.EvictionListener ignore = id -> { };

    /** The key a straightforward implementation boxes per packet. */
    record FlowKey(long a, int aPort, long b, int bPort, int transport) {
    }

    @Setup(Level.Trial)
    public void setUp() {
        table = new FlowTable(liveFlows * 2);
        map = new HashMap<>(liveFlows * 4);
        clients = new int[liveFlows];
        ids = new int[liveFlows];
        for (int i = 0; i < liveFlows; i++) {
            clients[i] = nextClient++;
            ids[i] = table.lookupOrInsert(0, v4(clients[i]), 40_000, 0, v4(server(clients[i])), 443, 6, 0,
                    Long.MAX_VALUE, ignore);
            map.put(key(clients[i], true), i);
        }
    }

    private static long v4(int client) {
        return FlowTable.mapIpv4(0x0a000000 | client);
    }

    private static int server(int client) {
        return 0x7f000000 + client % SERVERS;
    }

    private static FlowKey key(int client, boolean fromClient) {
        long c = v4(client);
        long s = v4(server(client));
        long src = fromClient ? c : s;
        long dst = fromClient ? s : c;
        int srcPort = fromClient ? 40_000 : 443;
        int dstPort = fromClient ? 443 : 40_000;
        // Canonical order, the lower endpoint first, so both directions find the same entry.
        return src < dst || (src == dst && srcPort <= dstPort) ? new FlowKey(src, srcPort, dst, dstPort, 6)
                : new FlowKey(dst, dstPort, src, srcPort, 6);
    }

    @Benchmark
    @OperationsPerInvocation(OPERATIONS)
    public void flowTable(Blackhole blackhole) {
        final FlowTable table = this.table;
        int sum = 0;
        for (int op = 0; op < OPERATIONS; op++) {
            int slot = random.nextInt(liveFlows);
            int client = clients[slot];
            boolean fromClient = (op & 1) == 0;
            long c = v4(client);
            long s = v4(server(client));
            sum += fromClient
                    ? table.lookupOrInsert(0, c, 40_000, 0, s, 443, 6, op, Long.MAX_VALUE, ignore)
                    : table.lookupOrInsert(0, s, 443, 0, c, 40_000, 6, op, Long.MAX_VALUE, ignore);
            if (op % churn == 0) {
                table.remove(ids[slot]);
                clients[slot] = nextClient++ & 0x00ffffff;
                ids[slot] = table.lookupOrInsert(0, v4(clients[slot]), 40_000, 0, v4(server(clients[slot])), 443, 6,
                        op, Long.MAX_VALUE, ignore);
            }
        }
        blackhole.consume(sum);
    }

    @Benchmark
    @OperationsPerInvocation(OPERATIONS)
    public void hashMapBaseline(Blackhole blackhole) {
        int sum = 0;
        for (int op = 0; op < OPERATIONS; op++) {
            int slot = random.nextInt(liveFlows);
            int client = clients[slot];
            Integer id = map.get(key(client, (op & 1) == 0));
            sum += id == null ? 0 : id;
            if (op % churn == 0) {
                map.remove(key(client, true));
                clients[slot] = nextClient++ & 0x00ffffff;
                map.put(key(clients[slot], true), slot);
            }
        }
        blackhole.consume(sum);
    }
}
