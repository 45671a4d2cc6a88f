package dev.censorsim.benchmarks.classify;

import dev.censorsim.classify.DomainMatcher;
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
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One host-name lookup against a block list of {@code domains} names: {@link DomainMatcher} (hash per label suffix,
 * primitive table, packed bytes) against the naive baseline, a {@code HashSet<String>} probed with every suffix after
 * {@code toLowerCase}. Queries cycle through 4096 names, half hits (subdomains of listed names, a quarter of them in
 * upper case with a trailing dot) and half misses (unlisted names and look-alikes such as {@code xlisted.com}),
 * shuffled so branch prediction cannot learn the pattern.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Benchmark)
public class DomainMatcherBenchmark {

    private static final int QUERIES = 4096;
    private static final String[] TLDS = {"com", "net", "org", "ru", "io", "me", "de", "info", "xyz", "co.uk"};

    @Param({"1000", "100000", "1000000"})
    public int domains;

    private DomainMatcher matcher;
    private Set<String> naive;
    private String[] queries;
    private byte[][] queryBytes;

    /** Hits and misses seen, so the report shows the mix really was half and half. */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Outcomes {
        public long hits;
        public long misses;

        @Setup(Level.Iteration)
        public void clear() {
            hits = 0;
            misses = 0;
        }
    }

    /** Per-thread cursor into the query ring. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;
    }

    @Setup(Level.Trial)
    public void setUp() {
        List<String> list = generate(domains, 1);
        matcher = DomainMatcher.of(list);
        naive = new HashSet<>(list);
        Random random = new Random(2);
        List<String> mix = new ArrayList<>(QUERIES);
        for (int i = 0; i < QUERIES / 2; i++) {
            String listed = list.get(random.nextInt(list.size()));
            String hit = (random.nextBoolean() ? "media." : "a.b.") + listed;
            mix.add(random.nextInt(4) == 0 ? hit.toUpperCase(Locale.ROOT) + "." : hit);
        }
        List<String> unlisted = generate(QUERIES / 4, 3);
        for (int i = 0; i < QUERIES / 4; i++) {
            mix.add("www." + unlisted.get(i) + ".example");
            mix.add("x" + list.get(random.nextInt(list.size())));
        }
        java.util.Collections.shuffle(mix, random);
        queries = mix.toArray(new String[0]);
        queryBytes = new byte[QUERIES][];
        for (int i = 0; i < QUERIES; i++) {
            queryBytes[i] = queries[i].getBytes(StandardCharsets.US_ASCII);
        }
    }

    @Benchmark
    public boolean matcherBytes(Cursor cursor, Outcomes outcomes) {
        byte[] q = queryBytes[cursor.next++ & (QUERIES - 1)];
        return count(outcomes, matcher.matches(q, 0, q.length));
    }

    @Benchmark
    public boolean matcherCharSequence(Cursor cursor, Outcomes outcomes) {
        return count(outcomes, matcher.matches(queries[cursor.next++ & (QUERIES - 1)]));
    }

    /** Baseline: what one writes first. */
    @Benchmark
    public boolean naiveHashSetOfSuffixes(Cursor cursor, Outcomes outcomes) {
        String q = queries[cursor.next++ & (QUERIES - 1)].toLowerCase(Locale.ROOT);
        if (q.endsWith(".")) {
            q = q.substring(0, q.length() - 1);
        }
        while (true) {
            if (naive.contains(q)) {
                return count(outcomes, true);
            }
            int dot = q.indexOf('.');
            if (dot < 0) {
                return count(outcomes, false);
            }
            q = q.substring(dot + 1);
        }
    }

    private static boolean count(Outcomes outcomes, boolean hit) {
        if (hit) {
            outcomes.hits++;
        } else {
            outcomes.misses++;
        }
        return hit;
    }

    /** Distinct names like {@code kqzt4f.cdnedge.net}: a unique base-36 label, an optional site label, a TLD. */
    public static List<String> generate(int count, long seed) {
        Random random = new Random(seed);
        List<String> names = new ArrayList<>(count);
        StringBuilder sb = new StringBuilder(48);
        for (int i = 0; i < count; i++) {
            sb.setLength(0);
            for (int j = 3 + random.nextInt(6); j > 0; j--) {
                sb.append((char) ('a' + random.nextInt(26)));
            }
            sb.append(Integer.toString(i, 36)).append(seed == 1 ? "" : "q").append('.');
            if (random.nextBoolean()) {
                for (int j = 4 + random.nextInt(8); j > 0; j--) {
                    sb.append((char) ('a' + random.nextInt(26)));
                }
                sb.append('.');
            }
            sb.append(TLDS[random.nextInt(TLDS.length)]);
            names.add(sb.toString());
        }
        return names;
    }
}
