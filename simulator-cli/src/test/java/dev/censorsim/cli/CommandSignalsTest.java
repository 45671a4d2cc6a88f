package dev.censorsim.cli;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which signals {@code censorsim run} leaves to its command, and that they come back. That Ctrl-C on a real terminal
 * reaches the command and not the run is {@code RunCommandTerminalTest}'s.
 */
class CommandSignalsTest {

    private final List<String> events = new ArrayList<>();

    /** Records "ignore NAME" and, when the returned restore runs, "restore NAME". */
    private final Function<String, Runnable> recording = name -> {
        events.add("ignore " + name);
        return () -> events.add("restore " + name);
    };

    @Test
    void withoutATerminalNothingShouldChange() {
        try (CommandSignals signals = CommandSignals.leaveToCommand(false, recording)) {
            assertThat(events).isEmpty();
        }
        assertThat(events).isEmpty();
    }

    @Test
    void onATerminalCtrlCAndCtrlBackslashShouldBeTheCommandsUntilClose() {
        CommandSignals signals = CommandSignals.leaveToCommand(true, recording);
        assertThat(events).containsExactly("ignore INT", "ignore QUIT");
        assertThat(events).as("SIGTERM keeps ending the run").noneMatch(e -> e.contains("TERM"));
        signals.close();
        assertThat(events).containsExactly("ignore INT", "ignore QUIT", "restore QUIT", "restore INT");
        signals.close();
        assertThat(events).as("restored once").hasSize(4);
    }

    @Test
    void aSignalTheJvmKeepsShouldNotStopTheOthers() {
        // HotSpot refuses a handler for SIGQUIT (its thread dump) unless run with -Xrs.
        Function<String, Runnable> quitRefused = name -> {
            if (name.equals("QUIT")) {
                throw new IllegalArgumentException("Signal already used by VM or OS: SIGQUIT");
            }
            return recording.apply(name);
        };
        try (CommandSignals signals = CommandSignals.leaveToCommand(true, quitRefused)) {
            assertThat(events).containsExactly("ignore INT");
        }
        assertThat(events).containsExactly("ignore INT", "restore INT");
    }
}
