package dev.censorsim.transparent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;

/**
 * Copies a command's output stream to a writer that censorsim's own log lines share, a whole line at a time.
 *
 * <p>A pipe hands over whatever the command has written so far, so one read can end in the middle of a line. Copied
 * as read, a flow log line written between two reads lands inside the command's line ({@code Connection re} ...
 * {@code set by peer}). The pump holds the unfinished tail until its newline comes, and writes each batch of whole
 * lines under the writer's lock, which the log's writers also take. A tail that no further input follows within
 * {@link #PARTIAL_LINE_WAIT_MILLIS} (a prompt, a progress bar) is written as it is, so nothing waits for long. Such a
 * tail can end inside a character of several bytes; the decoder keeps those bytes until the rest of the character
 * comes, so a cut never garbles the text.
 */
final class LinePump implements Runnable {

    /** How long an unfinished line waits for the rest of itself before it is written as it is. */
    static final long PARTIAL_LINE_WAIT_MILLIS = 50;
    private static final long POLL_MILLIS = 2;

    private final InputStream from;
    private final Writer to;
    private final CharsetDecoder decoder;
    private final byte[] buffer = new byte[8192];
    private final ByteArrayOutputStream tail = new ByteArrayOutputStream();

    LinePump(InputStream from, Writer to, Charset charset) {
        this.from = from;
        this.to = to;
        this.decoder = charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
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
                    write(tail, false);
                    tail.write(buffer, lastNewline + 1, n - lastNewline - 1);
                }
                if (tail.size() >= buffer.length || tail.size() > 0 && !restFollows()) {
                    write(tail, false);
                }
            }
        } catch (IOException ignored) {
            // the command closed its end, or ours was closed at shutdown
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                write(tail, true);
            } catch (IOException ignored) {
                // the writer is gone; nothing is left to tell
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

    /**
     * Decodes and writes what {@code bytes} holds. Unless the input has ended, the bytes of a character cut short stay
     * in {@code bytes} for the next read to finish; at the end they become a replacement character.
     */
    private void write(ByteArrayOutputStream bytes, boolean endOfInput) throws IOException {
        if (bytes.size() == 0) {
            return;
        }
        ByteBuffer in = ByteBuffer.wrap(bytes.toByteArray());
        CharBuffer out = CharBuffer.allocate((int) Math.ceil(in.remaining() * (double) decoder.maxCharsPerByte()) + 2);
        decoder.decode(in, out, endOfInput);
        if (endOfInput) {
            decoder.flush(out);
            decoder.reset();
        }
        bytes.reset();
        bytes.write(in.array(), in.position(), in.remaining());
        out.flip();
        if (!out.hasRemaining()) {
            return;
        }
        synchronized (to) {
            to.append(out);
            to.flush();
        }
        if (to instanceof PrintWriter printer && printer.checkError()) {
            // A PrintWriter never throws: a reader that went away (`censorsim run -- yes | head -1`) only sets its
            // error flag. Stop copying; closing our end of the command's pipe gives the command its SIGPIPE, as a
            // shell pipeline would, instead of draining it for ever.
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
