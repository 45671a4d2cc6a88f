package dev.censorsim.capture;

import dev.censorsim.trace.PcapWriter;
import io.netty.buffer.ByteBuf;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One pcap file shared by every flow of a run (TCP and UDP, any number of event loops). Frames are queued and
 * written by one daemon thread; when more than {@link #MAX_QUEUED_BYTES} wait, new frames are dropped and counted.
 *
 * <pre>{@code
 * try (CaptureFile pcap = CaptureFile.open(Path.of("run.pcap"))) {
 *     CensorProxy.start(ProxyOptions.forward(server).capture(pcap).build());
 * }
 * }</pre>
 */
public final class CaptureFile implements AutoCloseable {

    /** Capture frames waiting for the disk at most; beyond, frames are dropped rather than memory grown. */
    static final long MAX_QUEUED_BYTES = 64L << 20;
    private static final long CLOSE_WAIT_MILLIS = 10_000;
    private static final Frame END = new Frame(0, new byte[0]);

    private record Frame(long epochNanos, byte[] bytes) {
    }

    private final Path path;
    private final PcapWriter writer;
    private final LinkedBlockingQueue<Frame> queue = new LinkedBlockingQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final long epochBaseNanos;
    private final long monotonicBaseNanos;
    private final Thread thread;
    private volatile IOException failure;
    private volatile boolean closed;

    private CaptureFile(Path path, OutputStream out) throws IOException {
        this.path = path;
        this.writer = new PcapWriter(out);
        this.epochBaseNanos = System.currentTimeMillis() * 1_000_000L;
        this.monotonicBaseNanos = System.nanoTime();
        this.thread = new Thread(this::drain, "censorsim-pcap");
        thread.setDaemon(true);
        thread.start();
    }

    /** Creates (or truncates) {@code file} and writes the pcap header. */
    public static CaptureFile open(Path file) throws IOException {
        OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        return new CaptureFile(file, out);
    }

    /** The file written. */
    public Path path() {
        return path;
    }

    /** A new TCP flow between {@code client} and the address it dialled, {@code server}; see {@link TcpCapture}. */
    public TcpCapture tcp(InetSocketAddress client, InetSocketAddress server) {
        return new TcpCapture(this, client, server);
    }

    /** Records one datagram {@code from} → {@code to}; the buffer's readable bytes are copied, not consumed. */
    public void udp(InetSocketAddress from, InetSocketAddress to, ByteBuf payload) {
        if (closed || !sameFamily(from, to)) {
            return;
        }
        byte[] bytes = new byte[payload.readableBytes()];
        payload.getBytes(payload.readerIndex(), bytes);
        enqueue(dev.censorsim.trace.FrameBuilder.udp(from.getAddress().getAddress(), from.getPort(),
                to.getAddress().getAddress(), to.getPort(), bytes));
    }

    /** Frames dropped because the writer fell {@link #MAX_QUEUED_BYTES} behind. */
    public long droppedFrames() {
        return dropped.get();
    }

    /** Frames written so far. */
    public long writtenFrames() {
        return writer.packets();
    }

    void enqueue(byte[] frame) {
        if (closed) {
            return;
        }
        if (queuedBytes.addAndGet(frame.length) > MAX_QUEUED_BYTES) {
            queuedBytes.addAndGet(-frame.length);
            dropped.incrementAndGet();
            return;
        }
        queue.add(new Frame(epochBaseNanos + (System.nanoTime() - monotonicBaseNanos), frame));
    }

    static boolean sameFamily(InetSocketAddress a, InetSocketAddress b) {
        return a.getAddress() != null && b.getAddress() != null
                && a.getAddress().getAddress().length == b.getAddress().getAddress().length;
    }

    private void drain() {
        try {
            while (true) {
                Frame frame = queue.poll(200, TimeUnit.MILLISECONDS);
                if (frame == null) {
                    writerFlush();
                    continue;
                }
                if (frame == END) {
                    return;
                }
                queuedBytes.addAndGet(-frame.bytes.length);
                if (failure == null) {
                    try {
                        writer.write(frame.epochNanos, frame.bytes);
                    } catch (IOException e) {
                        failure = e;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Flushes while idle, so a capture read during a run is complete up to a moment ago. */
    private void writerFlush() {
        if (failure == null) {
            try {
                writer.flush();
            } catch (IOException e) {
                failure = e;
            }
        }
    }

    /**
     * Writes what is queued and closes the file; frames recorded after this are ignored.
     *
     * @throws IOException when a write failed at any point of the capture
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        queue.add(END);
        try {
            thread.join(CLOSE_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writer.close();
        if (failure != null) {
            throw new IOException("writing " + path + ": " + failure.getMessage(), failure);
        }
    }
}
