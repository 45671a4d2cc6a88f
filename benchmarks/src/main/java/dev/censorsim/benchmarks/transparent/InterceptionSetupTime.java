package dev.censorsim.benchmarks.transparent;

import dev.censorsim.transparent.TransparentRun;
import dev.censorsim.transparent.TransparentRunOptions;

import java.util.Arrays;
import java.util.Locale;

/**
 * How long {@code censorsim run} takes to set interception up and to take it down, without the JVM's own start: N
 * rounds of {@link TransparentRun#start} (sweep, namespace, veth, addresses, DNS servers, listeners, nftables table,
 * rules, routes) and {@link TransparentRun#close} with one {@code --host}, after two warm-up rounds, in one JVM; prints
 * the medians and extremes. Not JMH: each round is a few hundred milliseconds of subprocesses and netlink, which a
 * single-shot median describes. Needs root, iproute2 and nftables; everything made is removed each round.
 *
 * <p>Run (as root): {@code java -cp benchmarks/target/benchmarks.jar
 * dev.censorsim.benchmarks.transparent.InterceptionSetupTime 9}
 */
public final class InterceptionSetupTime {

    private InterceptionSetupTime() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        long[] up = new long[rounds];
        long[] down = new long[rounds];
        for (int i = -2; i < rounds; i++) {
            long t0 = System.nanoTime();
            TransparentRun run = TransparentRun.start(TransparentRunOptions.builder().host("a.test").build());
            long t1 = System.nanoTime();
            run.close();
            long t2 = System.nanoTime();
            if (!run.teardownErrors().isEmpty()) {
                System.out.println("teardown left something: " + run.teardownErrors());
            }
            if (i >= 0) {
                up[i] = t1 - t0;
                down[i] = t2 - t1;
            }
        }
        System.out.println(String.format(Locale.ROOT,
                "rounds=%d setup_ms_median=%s (%s..%s) teardown_ms_median=%s (%s..%s)",
                rounds, median(up), min(up), max(up), median(down), min(down), max(down)));
    }

    private static String median(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return ms(sorted[sorted.length / 2]);
    }

    private static String min(long[] nanos) {
        return ms(Arrays.stream(nanos).min().orElse(0));
    }

    private static String max(long[] nanos) {
        return ms(Arrays.stream(nanos).max().orElse(0));
    }

    private static String ms(long nanos) {
        return Long.toString(Math.round(nanos / 1e6));
    }
}
