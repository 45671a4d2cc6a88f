package dev.censorsim.transparent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;

/**
 * Copies a command's output stream, byte for byte, to an output stream that censorsim's own log lines share, a whole
 * line at a time.
 *
 * <p>A pipe hands over whatever the command has written so far, so one read can end in the middle of a line. Copied
 * as read, a flow log line written between two reads lands inside the command's line ({@code Connection re} ...
 * {@code set by peer}). The pump holds the unfinished tail until its newline comes, and writes each batch of whole
 * lines while holding a lock that the log's writers also take. A tail that no further input follows within
 * {@link #PARTIAL_LINE_WAIT_MILLIS} (a prompt, a progress bar) is written as it is, so nothing waits for long.
 *
 * <p>The bytes are never decoded: the command's output may be binary ({@code curl -s URL > file}) or in another
 * encoding than the JVM's default (US-ASCII under {@code LANG=C}), and a character cut by a partial write reaches the
 * reader's decoder in order, like any other pipe.
 */
final class LinePump implements Runnable {

    /** How long an unfinished line waits for the rest of itself before it is written as it is. */
    static final long PARTIAL_LINE_WAIT_MILLIS = 50;
    private static final long POLL_MILLIS = 2;

    private final InputStream from;
    private final OutputStream to;
    private final Object lock;
    private final byte[] buffer = new byte[8192];
    private final ByteArrayOutputStream tail = new ByteArrayOutputStream();

    /**
     * @param lock held while a batch is written and flushed; whoever writes its own lines to {@code to}'s
     *             destination takes it too, and flushes before letting it go
     */
    LinePump(InputStream from, OutputStream to, Object lock) {
        this.from = from;
        this.to = to;
        this.lock = lock;
    }

    @Override
    public void run() {
        try (from) {
            for (int n; (n = from.read(buffer)) >= 0; ) {
                int lastNewline = lastNewline(buffer, n);
                if (lastNewline < 0) {
                    tail.write(buffer, 0, n);
                } else {
                    tail.write(buffer, 0, lastNewline + 1);
                    write(tail);
                    tail.write(buffer, lastNewline + 1, n - lastNewline - 1);
                }
                if (tail.size() >= buffer.length || tail.size() > 0 && !restFollows()) {
                    write(tail);
                }
            }
        } catch (IOException ignored) {
            // the command closed its end, or ours was closed at shutdown, or the output went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                write(tail);
            } catch (IOException ignored) {
                // the output is gone; nothing is left to tell
            }
        }
    }

    /** Waits up to {@link #PARTIAL_LINE_WAIT_MILLIS} for more input; true if some is there to read. */
    private boolean restFollows() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + PARTIAL_LINE_WAIT_MILLIS * 1_000_000;
        while (from.available() == 0) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            Thread.sleep(POLL_MILLIS);
        }
        return true;
    }

    /** Writes and flushes what {@code bytes} holds, as it is, and empties it. */
    private void write(ByteArrayOutputStream bytes) throws IOException {
        if (bytes.size() == 0) {
            return;
        }
        synchronized (lock) {
            bytes.writeTo(to);
            to.flush();
        }
        bytes.reset();
        if (to instanceof PrintStream printer && printer.checkError()) {
            // A PrintStream (System.out) never throws: a reader that went away (`censorsim run -- yes | head -1`) only
            // sets its error flag. Stop copying; closing our end of the command's pipe gives the command its SIGPIPE,
            // as a shell pipeline would, instead of draining it for ever.
            throw new IOException("the output was closed");
        }
    }

    private static int lastNewline(byte[] bytes, int length) {
        for (int i = length - 1; i >= 0; i--) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
