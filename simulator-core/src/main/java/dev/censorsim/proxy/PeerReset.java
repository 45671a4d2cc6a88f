package dev.censorsim.proxy;

import java.util.Locale;

/**
 * Recognises the I/O errors a socket raises when its peer sent a TCP RST, so the relay can pass the RST on rather than
 * turn it into a FIN. A box in the path forwards a peer's RST as it is; a proxy that closed politely would show the
 * other peer a clean end of stream where the wire had an abort.
 */
final class PeerReset {

    private PeerReset() {
    }

    /**
     * Whether {@code cause} (or one of its causes) says the peer reset the connection. NIO reports a read after a RST
     * as "Connection reset", the native transports as "...: Connection reset by peer" (ECONNRESET); a write after the
     * RST fails with EPIPE ("Broken pipe"), since the kernel already tore the socket down. The JDK gives no errno, so
     * the message is all there is to go on.
     */
    static boolean isReset(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            String message = t.getMessage();
            if (message == null) {
                continue;
            }
            String lower = message.toLowerCase(Locale.ROOT);
            if (lower.contains("connection reset") || lower.contains("broken pipe")) {
                return true;
            }
        }
        return false;
    }
}
