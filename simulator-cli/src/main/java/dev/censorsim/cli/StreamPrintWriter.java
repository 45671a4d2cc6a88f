package dev.censorsim.cli;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.Charset;

/**
 * A {@link PrintWriter} over a byte stream that also hands that stream out, for output that must pass as bytes:
 * {@code censorsim run} copies the command's stdout and stderr unchanged, where text written through a writer would
 * be decoded and encoded again (binary output and, under {@code LANG=C}, every non-ASCII byte garbled).
 */
final class StreamPrintWriter extends PrintWriter {

    private final OutputStream stream;

    /** Writes text to {@code stream} in {@code charset}, flushing at every line, as {@code PrintWriter(out, true)}. */
    StreamPrintWriter(OutputStream stream, Charset charset) {
        super(stream, true, charset);
        this.stream = stream;
    }

    /**
     * The stream under this writer. Whoever writes bytes to it while others use the writer holds this writer's
     * monitor ({@code synchronized (writer)}), as censorsim's own line writers do, and text written before is flushed.
     */
    OutputStream stream() {
        return stream;
    }
}
