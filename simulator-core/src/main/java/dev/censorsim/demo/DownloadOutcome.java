package dev.censorsim.demo;

import java.util.Locale;

/** How one demo download ended, as the client saw it. */
public enum DownloadOutcome {
    /** All requested bytes arrived. */
    OK,
    /** The connection was reset (a TCP RST: "Connection reset by peer"). */
    RESET,
    /** Nothing (or nothing more) arrived before the read timeout: a blackhole or freeze. */
    TIMEOUT,
    /** The connection was refused or closed before the transfer completed. */
    FAILED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
