package dev.censorsim.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * While {@code censorsim run}'s command runs on a terminal, SIGINT and SIGQUIT are the command's: the JVM catches them
 * and does nothing, as a shell or {@code system(3)} does for a foreground child. The terminal sends Ctrl-C to the
 * whole foreground process group, the JVM and the command alike; with the JVM's default handling it also ended the
 * run (hook, SIGTERM to the command, namespace gone), so a Python REPL or a {@code psql} query could not be
 * interrupted without losing the session. SIGTERM keeps its meaning. The previous handlers come back on
 * {@link #close()}.
 *
 * <p>The handler is a Java one, not {@code SIG_IGN}: an ignored signal stays ignored across {@code exec}, so the
 * command would not see Ctrl-C either, whereas a caught one is reset to the default in the command. HotSpot keeps
 * SIGQUIT for its thread dump (which does not end the run) and refuses a handler for it; it is then left as it is.
 */
final class CommandSignals implements AutoCloseable {

    /** The signals a terminal sends the foreground process group from the keyboard (Ctrl-C, Ctrl-\). */
    static final List<String> KEYBOARD = List.of("INT", "QUIT");

    private final List<Runnable> restores;

    private CommandSignals(List<Runnable> restores) {
        this.restores = restores;
    }

    /** Leaves the keyboard's signals to the command while it runs on a terminal; nothing otherwise. */
    static CommandSignals leaveToCommand(boolean terminal) {
        return leaveToCommand(terminal, CommandSignals::catchAndDropInJvm);
    }

    /**
     * As {@link #leaveToCommand(boolean)}, with {@code ignore} installing the do-nothing handler for a signal name and
     * returning what puts the previous one back; it throws {@link IllegalArgumentException} or
     * {@link UnsupportedOperationException} for a signal the JVM keeps for itself (tests pass their own).
     */
    static CommandSignals leaveToCommand(boolean terminal, Function<String, Runnable> ignore) {
        List<Runnable> restores = new ArrayList<>();
        if (terminal) {
            for (String name : KEYBOARD) {
                try {
                    restores.add(ignore.apply(name));
                } catch (IllegalArgumentException | UnsupportedOperationException e) {
                    // the JVM's own (SIGQUIT's thread dump) or not catchable here (-Xrs): left as it is
                }
            }
        }
        return new CommandSignals(restores);
    }

    /** Puts the previous handlers back, in the reverse order; once. */
    @Override
    public void close() {
        for (int i = restores.size() - 1; i >= 0; i--) {
            restores.get(i).run();
        }
        restores.clear();
    }

    @SuppressWarnings("sunapi") // sun.misc.Signal (jdk.unsupported) is how UntilSignal catches signals too
    private static Runnable catchAndDropInJvm(String name) {
        sun.misc.Signal signal = new sun.misc.Signal(name);
        sun.misc.SignalHandler previous = sun.misc.Signal.handle(signal, caught -> {
            // the command got it from the terminal as well, and decides what it means
        });
        return () -> sun.misc.Signal.handle(signal, previous);
    }
}
