package dev.censorsim.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.epoll.AbstractEpollStreamChannel;
import io.netty.channel.epoll.Native;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.io.IOException;
import java.util.concurrent.atomic.LongAdder;

/**
 * Moves a passed flow's bytes from one TCP socket to the other with {@code splice(2)}, through a pipe, so they never
 * enter the JVM: the kernel hands the received pages to the pipe and from the pipe to the sending socket, where a read
 * and a write would copy each byte out of the kernel and back in. Used by {@link DirectionRelay} on epoll for a
 * direction whose action needs no byte handling (a pass with no shaping, delay, freeze, limit, reset, capture or
 * inspection left to do), and only between two of its reads: whatever the direction does next starts from a
 * pipe that is empty again.
 *
 * <p>One pump, and one pipe, per event loop thread: a move empties the pipe before it returns, so every flow of the
 * loop can use it in turn. What the sink did not take (its send buffer full, or an error) is read back out of the pipe
 * into a buffer, {@link #takeRest}, that the relay writes the ordinary way, with the ordinary backpressure: the
 * flow waits for the sink to drain before it moves again, and a failed write is reported as any other.
 *
 * <p>Disabled with {@code -Dcensorsim.splice=false}; without the native epoll transport there is nothing to splice.
 */
final class SplicePump {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(SplicePump.class);

    /** Whether relays splice at all ({@code -Dcensorsim.splice=false}: never). */
    static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty("censorsim.splice"));

    /**
     * Bytes asked of the source per {@code splice(2)}: a pipe holds 16 pages (64 KiB) unless resized, so a larger
     * request moves no more.
     */
    private static final int STEP_BYTES = 64 * 1024;

    private static final FastThreadLocal<SplicePump> PUMPS = new FastThreadLocal<>() {
        @Override
        protected SplicePump initialValue() {
            return open();
        }

        @Override
        protected void onRemoval(SplicePump pump) {
            if (pump != null) {
                pump.close(); // Netty's event loop threads remove their thread locals as they end
            }
        }
    };

    /** Bytes every relay of this process has spliced, for tests and diagnostics. */
    private static final LongAdder SPLICED = new LongAdder();

    private final FileDescriptor pipeOut; // read end
    private final FileDescriptor pipeIn;  // write end
    /** Bytes the last {@link #move} left in the pipe. */
    private int rest;
    /** The last {@link #move} stopped on a source error; the ordinary read reports it. */
    private boolean sourceFailed;

    private SplicePump(FileDescriptor pipeOut, FileDescriptor pipeIn) {
        this.pipeOut = pipeOut;
        this.pipeIn = pipeIn;
    }

    private static SplicePump open() {
        try {
            FileDescriptor[] pipe = FileDescriptor.pipe();
            return new SplicePump(pipe[0], pipe[1]);
        } catch (IOException | RuntimeException | LinkageError e) {
            LOG.debug("no pipe for splice(2); relaying by read and write", e);
            return null;
        }
    }

    /** Whether {@code source} to {@code sink} can be spliced at all: both are epoll TCP sockets. */
    static boolean supports(Channel source, Channel sink) {
        return ENABLED && source instanceof AbstractEpollStreamChannel && sink instanceof AbstractEpollStreamChannel;
    }

    /** This event loop thread's pump, or null when it has no pipe (then nothing is spliced on it). */
    static SplicePump current() {
        return PUMPS.get();
    }

    /**
     * Splices up to {@code budget} bytes from {@code source} to {@code sink}, stopping early when the source has
     * nothing more right now (or is at its end: {@code splice(2)} reports both as 0), when the sink takes less than
     * a step, or on an error. Returns the bytes taken from the source; those the sink did not take wait in
     * {@link #takeRest}.
     */
    int move(int source, int sink, int budget) {
        rest = 0;
        sourceFailed = false;
        int moved = 0;
        while (moved < budget) {
            int in;
            try {
                in = Native.splice(source, -1, pipeIn.intValue(), -1, Math.min(STEP_BYTES, budget - moved));
            } catch (IOException e) {
                sourceFailed = true; // a reset or error: the ordinary read meets it and reports it
                break;
            }
            if (in <= 0) {
                break;
            }
            moved += in;
            int out = 0;
            try {
                while (out < in) {
                    int n = Native.splice(pipeOut.intValue(), -1, sink, -1, in - out);
                    if (n <= 0) {
                        break; // the sink's send buffer is full
                    }
                    out += n;
                }
            } catch (IOException e) {
                // The sink failed; what it did not take is written the ordinary way, which reports the failure.
            }
            if (out < in) {
                rest = in - out;
                break;
            }
        }
        return moved;
    }

    /** Bytes this process's relays have moved with {@code splice(2)}, start to end, since it started. */
    static long splicedTotal() {
        return SPLICED.sum();
    }

    static void countSpliced(long bytes) {
        SPLICED.add(bytes);
    }

    /** Whether the last {@link #move} stopped on an error of the source. */
    boolean sourceFailed() {
        return sourceFailed;
    }

    /**
     * What the last {@link #move} left in the pipe, read out into a buffer of its own (the caller owns it), or null
     * when the sink took everything. The pipe is empty afterwards.
     */
    ByteBuf takeRest(ByteBufAllocator alloc) throws IOException {
        int left = rest;
        if (left == 0) {
            return null;
        }
        rest = 0;
        ByteBuf buf = alloc.directBuffer(left, left);
        try {
            while (buf.writerIndex() < left) {
                int w = buf.writerIndex();
                int n;
                if (buf.hasMemoryAddress()) {
                    n = pipeOut.readAddress(buf.memoryAddress(), w, left);
                } else {
                    java.nio.ByteBuffer nio = buf.internalNioBuffer(w, left - w);
                    n = pipeOut.read(nio, nio.position(), nio.limit());
                }
                if (n <= 0) {
                    throw new IOException("splice pipe: " + (left - w) + " bytes missing");
                }
                buf.writerIndex(w + n);
            }
            return buf;
        } catch (IOException | RuntimeException e) {
            buf.release();
            throw e;
        }
    }

    private void close() {
        try {
            pipeIn.close();
        } catch (IOException e) {
            LOG.debug("closing a splice pipe", e);
        }
        try {
            pipeOut.close();
        } catch (IOException e) {
            LOG.debug("closing a splice pipe", e);
        }
    }
}
