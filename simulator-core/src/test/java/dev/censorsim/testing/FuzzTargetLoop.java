package dev.censorsim.testing;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Runs one Jazzer fuzz target's body in a plain loop over a corpus folder, without Jazzer: what an execution costs in
 * the product and the harness, apart from coverage instrumentation and libFuzzer. Used to find where a slow target's
 * time goes (run it under JFR) and to compare two builds side by side. Half the time warms the JIT, the other half is
 * measured; the figure that holds up on a shared machine is executions per CPU-second of the calling thread, beside
 * the wall-clock rate. Inputs the target rejects with an exception count as executions, as they do for the fuzzer.
 *
 * <p>{@code scripts/fuzz-loop.sh 'LoaderFuzzTargetsTest#scenario' 60} runs it; see that script.
 */
public final class FuzzTargetLoop {

    private FuzzTargetLoop() {
    }

    /** Arguments: fully qualified test class, method name, corpus folder, seconds. */
    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: FuzzTargetLoop CLASS METHOD CORPUS_DIR SECONDS");
            System.exit(2);
        }
        Class<?> type = Class.forName(args[0]);
        Constructor<?> constructor = type.getDeclaredConstructor();
        constructor.setAccessible(true);
        Object target = constructor.newInstance();
        Method method = type.getDeclaredMethod(args[1], byte[].class);
        method.setAccessible(true);
        List<byte[]> inputs = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of(args[2]))) {
            for (Path file : (Iterable<Path>) files.sorted()::iterator) {
                if (Files.isRegularFile(file)) {
                    inputs.add(Files.readAllBytes(file));
                }
            }
        }
        if (inputs.isEmpty()) {
            System.err.println("no inputs in " + args[2]);
            System.exit(2);
        }
        long halfNanos = Long.parseLong(args[3]) * 500_000_000L;
        run(target, method, inputs, System.nanoTime() + halfNanos);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpuStart = threads.getCurrentThreadCpuTime();
        long wallStart = System.nanoTime();
        long executions = run(target, method, inputs, wallStart + halfNanos);
        double wallSeconds = (System.nanoTime() - wallStart) / 1e9;
        double cpuSeconds = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
        System.out.printf("%s#%s: %,d executions over %d inputs in %.1f s: %,.0f exec/s wall, %,.0f per CPU-second%n",
                type.getSimpleName(), args[1], executions, inputs.size(), wallSeconds, executions / wallSeconds,
                executions / cpuSeconds);
    }

    private static long run(Object target, Method method, List<byte[]> inputs, long until) throws Exception {
        long executions = 0;
        while (System.nanoTime() < until) {
            for (byte[] input : inputs) {
                try {
                    method.invoke(target, (Object) input.clone());
                } catch (InvocationTargetException e) {
                    // a finding for the fuzzer; here it only costs what it costs
                }
                executions++;
            }
        }
        return executions;
    }
}
