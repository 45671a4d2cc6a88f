package dev.censorsim.cli;

/**
 * SIGHUP as "re-read your configuration", the daemon convention. Uses {@code sun.misc.Signal} (module
 * jdk.unsupported, present in every JDK build), the only way a JVM can catch a signal; where it is missing or the
 * signal is reserved (a JVM run with {@code -Xrs}), reload stays available through the API and {@code --watch}.
 */
final class HangupSignal {

    private HangupSignal() {
    }

    /** Runs {@code onHangup} on the JVM's signal thread at each SIGHUP; returns whether the handler is installed. */
    static boolean install(Runnable onHangup) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> onHangup.run());
            return true;
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            return false;
        }
    }
}
