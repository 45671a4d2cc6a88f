package dev.censorsim.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;

/** Blocking reads on a test's client socket, shared by the tests that only need to know how much came back. */
public final class SocketReads {

    private SocketReads() {
    }

    /**
     * Reads and discards until the peer closes, and returns how many bytes came. A reset ends the connection as
     * clearly as a FIN (a loop refusal or a censor's reset is either), so it ends the count too; the socket's own
     * SO_TIMEOUT still bounds a peer that never closes ({@link java.net.SocketTimeoutException} is thrown).
     */
    public static int drainUntilClosed(Socket client) throws IOException {
        int total = 0;
        try {
            InputStream in = client.getInputStream();
            byte[] buffer = new byte[1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                total += n;
            }
        } catch (SocketException reset) {
            // Connection reset: what came before it is the count.
        }
        return total;
    }
}
