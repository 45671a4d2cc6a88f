package dev.censorsim.transparent;

import java.io.IOException;

/**
 * Interception cannot start on this machine as things stand: no root, or a tool missing. The message is the whole
 * story (what is missing and what to do), so a command line prints it alone, without a stack trace to offer.
 */
public final class InterceptionUnavailableException extends IOException {

    private static final long serialVersionUID = 1L;

    public InterceptionUnavailableException(String message) {
        super(message);
    }
}
