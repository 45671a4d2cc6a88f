package dev.censorsim.cli;

import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How the long-running commands ({@code proxy}, {@code socks}, {@code dns}, {@code messenger server}) start their
 * service and then run until SIGINT or SIGTERM, which close the service, print what it has to say (rule counters) and
 * return 0.
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
            if (addressInUse(e)) {
                String message = e.getMessage() == null ? "address in use" : e.getMessage();
                throw new CliException(ExitCodes.RUNTIME_FAILURE, message.startsWith("cannot listen on ") ? message
                        : "cannot listen on " + HostPortConverter.format(listen) + ": " + message, e);
            }
            throw new CliException(ExitCodes.RUNTIME_FAILURE, "cannot start: " + e.getMessage(), e);
        }
    }

    /**
     * Whether binding failed because the address is taken: NIO raises {@link BindException}; Netty's epoll an
     * {@code IOException} whose message carries the errno text ("bind(..) failed with error(-98): Address already in
     * use"), usually wrapped by the service's own "cannot listen on" exception.
     */
    static boolean addressInUse(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException
                    || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Prints the stop hint, then blocks until SIGINT or SIGTERM; then closes {@code service}, runs {@code onStop}
     * (e.g. printing counters to {@code out}) and returns 0: a clean, signal-driven stop is a success, not the 130/143
     * a JVM killed by the signal reports. The signals are caught with {@code sun.misc.Signal} for that reason (a
     * shutdown hook runs, but the JVM still exits 128+signal). A second signal during the stop kills the process as
     * usual; a shutdown hook still stops the service when the JVM ends any other way (SIGHUP, {@code System.exit}).
     */
    static int await(AutoCloseable service, Runnable onStop, PrintWriter out) {
        CountDownLatch signalled = new CountDownLatch(1);
        AtomicBoolean stopped = new AtomicBoolean();
        Runnable stop = () -> {
            if (stopped.compareAndSet(false, true)) {
                closeQuietly(service);
                onStop.run();
                out.flush();
            }
        };
        Thread hook = new Thread(stop, "censorsim-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        catchSignal("INT", signalled);
        catchSignal("TERM", signalled);
        // Printed once the hook and the handlers are in place: a script (or a test) that waits for this line and then
        // signals gets the clean stop, never the JVM's default exit without it.
        out.println("censorsim: press Ctrl-C to stop");
        out.flush();
        try {
            signalled.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stop.run();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the JVM is ending anyway; the hook has run or will find the service stopped
        }
        return ExitCodes.OK;
    }

    /**
     * Turns {@code name} into a count-down of {@code signalled}, once: the handler restores the default, so a second
     * Ctrl-C during a slow stop ends the process. Where the signal cannot be caught (e.g. the JVM runs with
     * {@code -Xrs}) the shutdown hook does the work and the exit code is the JVM's.
     */
    @SuppressWarnings("sunapi") // sun.misc.Signal (jdk.unsupported) is the only way to exit 0 on a caught signal
    private static void catchSignal(String name, CountDownLatch signalled) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                signalled.countDown();
                sun.misc.Signal.handle(signal, sun.misc.SignalHandler.SIG_DFL);
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // left to the shutdown hook
        }
    }

    private static void closeQuietly(AutoCloseable service) {
        try {
            service.close();
        } catch (Exception e) {
            // stopping anyway: nothing more useful to do with a failure to close
        }
    }
}
