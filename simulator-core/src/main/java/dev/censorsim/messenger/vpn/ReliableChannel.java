package dev.censorsim.messenger.vpn;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A TCP connection's bytes carried reliably over a UDP tunnel: go-back-N with cumulative acknowledgements. The
 * sender cuts the local stream into segments of at most {@link #MAX_SEGMENT} bytes, keeps at most {@link #WINDOW}
 * unacknowledged (a full window blocks the local read: that is the backpressure) and, when the oldest has waited
 * longer than the retransmission timeout (200 ms, doubling to 2 s while nothing is acknowledged), sends every
 * unacknowledged segment again; after {@link #MAX_TIMEOUTS} timeouts in a row the tunnel is dead and the local
 * connection is closed. The receiver delivers in order only (a segment after a gap is dropped and the ack repeated),
 * and acknowledges a segment once it is written to the local socket, so a slow local reader slows the sender.
 *
 * <p>Limits, on purpose: no selective acks, no congestion control (the window is fixed: 64 × 1,100 bytes, about
 * 70 KB per round trip), no RTT estimate (loopback round trips are far below the 200 ms timeout), so under loss it
 * wastes bandwidth where TCP would back off, and it is not fair to other flows.
 *
 * <p>Frame (inside the tunnel's encrypted box): {@code u8 type (0 data, 1 ack, 2 fin, 3 nak), u32 sequence (or, on an
 * ack or nak, the next sequence expected), u16 length, data}. A receiver that sees a gap or a duplicate sends a nak
 * (at most one per 50 ms), and the sender resends its window at once if the nak names its oldest segment.
 */
final class ReliableChannel {

    /** Sends one frame through the tunnel (sealing it); must be thread-safe. */
    @FunctionalInterface
    interface Link {
        void send(byte[] frame, int length) throws IOException;
    }

    static final int MAX_SEGMENT = 1100;
    static final int WINDOW = 64;
    static final int MAX_TIMEOUTS = 8;
    private static final int HEADER = 7;
    private static final byte DATA = 0;
    private static final byte ACK = 1;
    private static final byte FIN = 2;
    /** "Delivered up to here, then a gap": asks for the rest again (receiver-driven fast retransmit). */
    private static final byte NAK = 3;
    private static final long INITIAL_RTO_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final long MAX_RTO_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final byte[] FIN_MARK = new byte[0];
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vpn-retransmit");
        t.setDaemon(true);
        return t;
    });

    private final Link link;
    private final Socket local;
    private final Runnable onClose;
    private final ArrayDeque<byte[]> unacked = new ArrayDeque<>();
    private final BlockingQueue<byte[]> toWrite = new LinkedBlockingQueue<>();
    private final ScheduledFuture<?> tick;
    private long base;
    private long nextSeq;
    private long baseSentNanos;
    private long rtoNanos = INITIAL_RTO_NANOS;
    private int timeouts;
    private long expected;
    /** Since when the oldest unacknowledged segment has waited without any acknowledged progress. */
    private long waitingSinceNanos;
    private boolean died;
    private volatile boolean closed;

    ReliableChannel(Link link, Socket local, String name, Runnable onClose) {
        this.link = link;
        this.local = local;
        this.onClose = onClose;
        this.tick = TIMER.scheduleWithFixedDelay(this::retransmit, 50, 50, TimeUnit.MILLISECONDS);
        start(name + "-up", this::pumpUp);
        start(name + "-down", this::pumpDown);
    }

    private static void start(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
    }

    private static byte[] frame(byte type, long seq, byte[] data, int offset, int length) {
        byte[] f = new byte[HEADER + length];
        ByteBuffer.wrap(f).put(type).putInt((int) seq).putShort((short) length).put(data, offset, length);
        return f;
    }

    /** Local bytes into segments; blocks while the window is full. */
    private void pumpUp() {
        byte[] buffer = new byte[MAX_SEGMENT];
        try (InputStream in = local.getInputStream()) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                enqueue(frame(DATA, 0, buffer, 0, n));
            }
            enqueue(frame(FIN, 0, buffer, 0, 0));
            synchronized (this) {
                while (!closed && !unacked.isEmpty()) {
                    wait(100);
                }
            }
            finishOne();
        } catch (IOException | InterruptedException e) {
            close();
        }
    }

    private void enqueue(byte[] f) throws IOException, InterruptedException {
        synchronized (this) {
            while (!closed && nextSeq - base >= WINDOW) {
                wait(100);
            }
            if (closed) {
                throw new IOException("tunnel closed");
            }
            ByteBuffer.wrap(f).putInt(1, (int) nextSeq);
            if (unacked.isEmpty()) {
                baseSentNanos = System.nanoTime();
                waitingSinceNanos = baseSentNanos;
            }
            unacked.add(f);
            nextSeq++;
        }
        link.send(f, f.length);
    }

    /** Delivered segments to the local socket, each acknowledged once written. */
    private void pumpDown() {
        try (OutputStream out = local.getOutputStream()) {
            long written = 0;
            while (!closed) {
                byte[] data = toWrite.poll(200, TimeUnit.MILLISECONDS);
                if (data == null) {
                    continue;
                }
                if (data == FIN_MARK) {
                    written++;
                    sendAck(written);
                    local.shutdownOutput();
                    finishOne();
                    return;
                }
                out.write(data);
                out.flush();
                written++;
                sendAck(written);
            }
        } catch (IOException | InterruptedException e) {
            close();
        }
    }

    private void sendAck(long next) throws IOException {
        byte[] f = frame(ACK, next, FIN_MARK, 0, 0);
        link.send(f, f.length);
    }

    /** A frame that came out of the tunnel; called from the tunnel's receive thread. */
    void onFrame(byte[] f) {
        if (f.length < HEADER || closed) {
            return;
        }
        ByteBuffer b = ByteBuffer.wrap(f);
        byte type = b.get();
        long seq = b.getInt() & 0xffff_ffffL;
        int length = Math.min(b.getShort() & 0xffff, f.length - HEADER);
        if (type == NAK) {
            resendFrom(seq);
            return;
        }
        if (type == ACK) {
            synchronized (this) {
                boolean progress = false;
                while (base < seq && !unacked.isEmpty()) {
                    unacked.poll();
                    base++;
                    progress = true;
                }
                if (progress) {
                    timeouts = 0;
                    rtoNanos = INITIAL_RTO_NANOS;
                    baseSentNanos = System.nanoTime();
                    waitingSinceNanos = baseSentNanos;
                    notifyAll();
                }
            }
            return;
        }
        if (seq != (expected & 0xffff_ffffL)) {
            // A gap or a duplicate: repeat what has been delivered, so the sender resends at once instead of
            // waiting out its timeout (fast retransmit, once per window).
            fastRetransmitHint();
            return;
        }
        expected++;
        byte[] data = type == FIN ? FIN_MARK : java.util.Arrays.copyOfRange(f, HEADER, HEADER + length);
        toWrite.add(data);
    }

    private volatile long lastHintNanos;

    private void fastRetransmitHint() {
        long now = System.nanoTime();
        if (now - lastHintNanos < INITIAL_RTO_NANOS / 4) {
            return;
        }
        lastHintNanos = now;
        byte[] f = frame(NAK, expected, FIN_MARK, 0, 0);
        try {
            link.send(f, f.length);
        } catch (IOException e) {
            close();
        }
    }

    /** The peer saw a gap after {@code next - 1}: everything from {@code next} on goes again now. */
    private void resendFrom(long next) {
        byte[][] again;
        synchronized (this) {
            if (closed || unacked.isEmpty() || next != base) {
                return;
            }
            baseSentNanos = System.nanoTime();
            again = unacked.toArray(new byte[0][]);
        }
        try {
            for (byte[] f : again) {
                link.send(f, f.length);
            }
        } catch (IOException e) {
            close();
        }
    }

    private void retransmit() {
        byte[][] again;
        synchronized (this) {
            if (closed || unacked.isEmpty() || System.nanoTime() - baseSentNanos < rtoNanos) {
                return;
            }
            if (++timeouts > MAX_TIMEOUTS) {
                died = true;
                again = null;
            } else {
                rtoNanos = Math.min(rtoNanos * 2, MAX_RTO_NANOS);
                baseSentNanos = System.nanoTime();
                again = unacked.toArray(new byte[0][]);
            }
        }
        if (again == null) {
            close();
            return;
        }
        try {
            for (byte[] f : again) {
                link.send(f, f.length);
            }
        } catch (IOException e) {
            close();
        }
    }

    private int finished;

    /** One direction ended cleanly; when both have, the local socket closes with a FIN. */
    private void finishOne() {
        boolean both;
        synchronized (this) {
            both = ++finished == 2;
        }
        if (both) {
            close(false);
        }
    }

    /**
     * How long data has waited unacknowledged without progress at {@code nowNanos}; 0 when nothing is outstanding or
     * the channel is closed. A tunnel whose packets the censor started dropping shows this growing until it dies.
     */
    synchronized long stalledNanos(long nowNanos) {
        return closed || unacked.isEmpty() ? 0 : nowNanos - waitingSinceNanos;
    }

    /** Whether the channel was given up after {@link #MAX_TIMEOUTS} timeouts (not closed by either end). */
    synchronized boolean died() {
        return died;
    }

    /** Whether both directions have finished or the channel died. */
    boolean isClosed() {
        return closed;
    }

    /** The tunnel died: the local connection is reset, as an app sees a dead VPN. */
    void close() {
        close(true);
    }

    private void close(boolean abort) {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            notifyAll();
        }
        tick.cancel(false);
        try {
            if (abort) {
                local.setSoLinger(true, 0);
            }
            local.close();
        } catch (IOException ignored) {
            // Already gone: nothing left to release.
        }
        onClose.run();
    }
}
