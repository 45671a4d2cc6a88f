package dev.censorsim.benchmarks.policy;

import dev.censorsim.benchmarks.classify.DomainMatcherBenchmark;
import dev.censorsim.classify.DomainMatcher;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyLoader;

import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a policy with a million-domain list file costs to load: wall time, bytes allocated while loading, and heap
 * retained after GC. Baseline in the same run: the naive way, {@code Files.readAllLines} then
 * {@link DomainMatcher#of}. Not JMH: a policy loads once, so the cold time is what a user waits for. Run:
 * {@code java -Xmx256m -cp benchmarks/target/benchmarks.jar dev.censorsim.benchmarks.policy.PolicyListLoad 1000000}
 */
public final class PolicyListLoad {

    private PolicyListLoad() {
    }

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path dir = Files.createTempDirectory("censorsim-list-load");
        try {
            List<String> generated = DomainMatcherBenchmark.generate(count, 1);
            String probe = "sub." + generated.get(count / 2);
            Path list = dir.resolve("blocked.txt");
            try (BufferedWriter w = Files.newBufferedWriter(list, StandardCharsets.US_ASCII)) {
                w.write("# generated block list\n");
                for (String domain : generated) {
                    w.write(domain);
                    w.write('\n');
                }
            }
            generated = null;
            Path policyFile = Files.writeString(dir.resolve("policy.yaml"), """
                    lists:
                      blocked: { file: blocked.txt }
                    rules:
                      - name: block
                        match: { qname: '@blocked' }
                        action: { type: nxdomain }
                    """);
            System.out.printf("policy list load: %,d domains in a %,d-byte list file, %d rounds (first is cold)%n",
                    count, Files.size(list), rounds);
            CompiledPolicy kept = null;
            for (int round = 1; round <= rounds; round++) {
                kept = null;
                long before = usedHeapAfterGc();
                long allocatedBefore = allocatedBytes();
                long cpuBefore = cpuNanos();
                long start = System.nanoTime();
                kept = PolicyLoader.load(policyFile);
                long millis = (System.nanoTime() - start) / 1_000_000;
                long cpuMillis = (cpuNanos() - cpuBefore) / 1_000_000;
                long allocated = allocatedBytes() - allocatedBefore;
                long retained = usedHeapAfterGc() - before;
                System.out.printf("list file  round %d: %,5d ms wall, %,5d ms CPU; allocated %6.1f MB; retained after"
                        + " GC %6.1f MB%n", round, millis, cpuMillis, allocated / 1e6, retained / 1e6);
            }
            if (kept.evaluateDns(probe, 1, InetAddress.getLoopbackAddress()) == null) {
                System.out.println("WARNING: a listed domain did not match the policy");
            }
            DomainMatcher naive = null;
            for (int round = 1; round <= rounds; round++) {
                naive = null;
                long before = usedHeapAfterGc();
                long allocatedBefore = allocatedBytes();
                long cpuBefore = cpuNanos();
                long start = System.nanoTime();
                List<String> lines = Files.readAllLines(list);
                lines.remove(0);
                naive = DomainMatcher.of(lines);
                long millis = (System.nanoTime() - start) / 1_000_000;
                long cpuMillis = (cpuNanos() - cpuBefore) / 1_000_000;
                long allocated = allocatedBytes() - allocatedBefore;
                lines = null;
                long retained = usedHeapAfterGc() - before;
                System.out.printf("baseline   round %d: %,5d ms wall, %,5d ms CPU; allocated %6.1f MB; retained after"
                        + " GC %6.1f MB (readAllLines + DomainMatcher.of)%n", round, millis, cpuMillis,
                        allocated / 1e6, retained / 1e6);
            }
            if (!naive.matches(probe)) {
                System.out.println("WARNING: a listed domain did not match");
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(PolicyListLoad::deleteQuietly);
            }
        }
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    /** This thread's CPU time: on a loaded machine the wall time measures the neighbours, this does not. */
    private static long cpuNanos() {
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.delete(p);
        } catch (IOException e) {
            // a temp file left behind is harmless
        }
    }
}
