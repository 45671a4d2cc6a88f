package dev.censorsim.cli;

import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * How the long-running commands ({@code proxy}, {@code socks}, {@code dns}, {@code messenger server}) start their
 * service and then run until SIGINT or SIGTERM: the JVM's shutdown hook closes the service and prints what it has to
 * say (rule counters), and the command returns 0.
 */
final class UntilSignal {

    private UntilSignal() {
    }

    /**
     * Starts a service, turning a failure into one CLI line: "cannot listen on H:P" for a port in use, "cannot start"
     * otherwise, both exit code 3; options the service rejects ({@link IllegalArgumentException}) exit 2.
     */
    static <T> T start(Callable<T> start, InetSocketAddress listen) {
        try {
            return start.call();
        } catch (CliException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            // Options that only turn out wrong once bound, such as an upstream that is the listener itself.
            throw new CliException(ExitCodes.BAD_INPUT, e.getMessage());
        } catch (Exception e) {
            if (e instanceof BindException || e.getCause() instanceof BindException) {
                throw new CliException(ExitCodes.RUNTIME_FAILURE,
                        "cannot listen on " + HostPortConverter.format(listen) + ": " + e.getMessage(), e);
            }
            throw new CliException(ExitCodes.RUNTIME_FAILURE, "cannot start: " + e.getMessage(), e);
        }
    }

    /**
     * Prints the stop hint, then blocks until a signal: the hook closes {@code service} and runs {@code onStop}
     * (e.g. printing counters to {@code out}). An interrupt closes the service too.
     */
    static int await(AutoCloseable service, Runnable onStop, PrintWriter out) {
        out.println("censorsim: press Ctrl-C to stop");
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            closeQuietly(service);
            onStop.run();
            out.flush();
            stopped.countDown();
        }, "censorsim-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(service);
        }
        return ExitCodes.OK;
    }

    private static void closeQuietly(AutoCloseable service) {
        try {
            service.close();
        } catch (Exception e) {
            // stopping anyway: nothing more useful to do with a failure to close
        }
    }
}
