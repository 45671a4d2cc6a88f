package dev.censorsim.benchmarks.classify;

import dev.censorsim.classify.DomainMatcher;

import java.util.List;

/**
 * Measures what loading a block list costs: build time and heap retained by a {@link DomainMatcher}. Not a JMH
 * benchmark: a load happens once per rule-set swap, so cold time is what matters. Run:
 * {@code java -Xmx2g -cp benchmarks/target/benchmarks.jar dev.censorsim.benchmarks.classify.DomainMatcherLoad 1000000}
 */
public final class DomainMatcherLoad {

    private DomainMatcherLoad() {
    }

    public static void main(String[] args) {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        List<String> domains = DomainMatcherBenchmark.generate(count, 1);
        System.out.printf("DomainMatcher load: %,d generated domains, %d rounds (first is cold)%n", count, rounds);
        DomainMatcher kept = null;
        for (int round = 1; round <= rounds; round++) {
            kept = null;
            long before = usedHeapAfterGc();
            long start = System.nanoTime();
            kept = DomainMatcher.of(domains);
            long millis = (System.nanoTime() - start) / 1_000_000;
            long retained = usedHeapAfterGc() - before;
            System.out.printf("round %d: built in %,d ms; size %,d; estimatedBytes %.1f MB; heap retained after GC"
                    + " %.1f MB (%.1f B/domain)%n", round, millis, kept.size(), kept.estimatedBytes() / 1e6,
                    retained / 1e6, (double) retained / kept.size());
        }
        if (!kept.matches("sub." + domains.get(count / 2))) {
            System.out.println("WARNING: a listed domain did not match");
        }
    }

    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
