package dev.censorsim.messenger;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The chat workload: one long-lived TLS connection, messages from a fixed-rate schedule, each acknowledged by the
 * server. Everything runs on one event loop, so the state needs no locks.
 *
 * <p>Message {@code k} is due at {@code start + k / rate}, whether or not the connection is up: latency runs from that
 * intended time to the ack, so a stall shows as latency on every message it delayed instead of as fewer messages
 * (coordinated omission). A message waits in the outbox while there is no connection or the channel is not writable;
 * one not acknowledged {@code ackTimeout} after its intended time is timed out; a connection that fails (or a connect
 * whose retries are exhausted) fails every message it held. A churn close is not a failure: its unacknowledged
 * messages go back to the outbox and are sent again on the next connection.
 */
final class ChatSession {

    /** How often timeouts are swept when the message rate is too low to sweep on every tick. */
    private static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final MessengerClientOptions options;
    private final MessengerConnector connector;
    private final MessengerMetrics metrics;
    private final EventLoop loop;
    private final long periodNanos;
    private final long ackTimeoutNanos;
    private final ArrayDeque<Pending> outbox = new ArrayDeque<>();
    private final LinkedHashMap<Long, Pending> inFlight = new LinkedHashMap<>();
    private final List<ScheduledFuture<?>> timers = new ArrayList<>();
    private final long scheduleStartNanos;
    private long nextId;
    private Channel channel;
    private boolean connecting;
    private boolean churning;
    private boolean awaitingPong;
    private boolean closed;
    private CallSession calls;

    /** {@code scheduleStartNanos} is when message 0 is due: the client's start, so the schedule and the figures agree. */
    ChatSession(MessengerClientOptions options, MessengerConnector connector, MessengerMetrics metrics,
                EventLoop loop, long scheduleStartNanos) {
        this.scheduleStartNanos = scheduleStartNanos;
        this.options = options;
        this.connector = connector;
        this.metrics = metrics;
        this.loop = loop;
        this.periodNanos = periodNanos(options);
        this.ackTimeoutNanos = options.ackTimeout().toNanos();
    }

    /** Nanoseconds between two messages of the schedule. */
    static long periodNanos(MessengerClientOptions options) {
        return Math.max(1, Math.round(1e9 / options.chatRatePerSecond()));
    }

    private record Pending(long id, long intendedNanos) {
    }

    /** Routes the server's call answers to {@code calls}; before {@link #start()}. */
    void calls(CallSession calls) {
        this.calls = calls;
    }

    /**
     * Sends a call-signalling frame ({@code type} with {@code callId}) on the chat connection, if there is one and it
     * is writable; on the event loop. Returns whether it went out: signalling is not queued across reconnects, the
     * call offers again instead.
     */
    boolean signal(byte type, long callId) {
        Channel ch = channel;
        if (ch == null || !ch.isActive() || !ch.isWritable()) {
            return false;
        }
        ch.writeAndFlush(MessengerFrame.oneLong(ch.alloc(), type, callId));
        return true;
    }

    void start() {
        loop.execute(() -> {
            connect();
            // Ticks land on the schedule's due times, not on "now + k * period": message k is due at
            // scheduleStart + k * period, and a tick offset from that grid would add its offset to every latency
            // (measured: a constant 15-45 ms on every message, depending on how long start-up took).
            long sinceStart = System.nanoTime() - scheduleStartNanos;
            long nextDue = sinceStart < 0 ? -sinceStart : Math.floorMod(-sinceStart, periodNanos);
            if (sinceStart >= 0) {
                tick(); // what is already due (message 0 at least) goes out now
            }
            timers.add(loop.scheduleAtFixedRate(this::tick, nextDue == 0 ? periodNanos : nextDue, periodNanos,
                    TimeUnit.NANOSECONDS));
            timers.add(loop.scheduleAtFixedRate(() -> sweep(System.nanoTime()), SWEEP_NANOS, SWEEP_NANOS,
                    TimeUnit.NANOSECONDS));
            long keepalive = options.keepalive().toNanos();
            timers.add(loop.scheduleAtFixedRate(this::keepalive, keepalive, keepalive, TimeUnit.NANOSECONDS));
            if (options.churn() != null) {
                long churn = options.churn().toNanos();
                timers.add(loop.scheduleAtFixedRate(this::churn, churn, churn, TimeUnit.NANOSECONDS));
            }
        });
    }

    /** Sends every message that fell due since the last tick; Netty's fixed-rate timer may fire late, never skip. */
    private void tick() {
        long now = System.nanoTime();
        while (scheduleStartNanos + nextId * periodNanos <= now) {
            outbox.add(new Pending(nextId, scheduleStartNanos + nextId * periodNanos));
            nextId++;
        }
        flushOutbox();
        if (channel == null && !connecting) {
            connect();
        }
    }

    private void connect() {
        if (closed || connecting) {
            return;
        }
        connecting = true;
        connector.connect(loop, options.chatName(), options.chatProtocol()).addListener(f -> {
            connecting = false;
            if (!f.isSuccess() && closed) {
                return;
            }
            if (!f.isSuccess()) {
                // Retries are exhausted: what waited for this connection is lost. The next tick tries again.
                metrics.chatFailed(outbox.size(), System.nanoTime());
                outbox.clear();
                return;
            }
            Channel ch = (Channel) f.getNow();
            if (closed) {
                ch.close();
                return;
            }
            channel = ch;
            awaitingPong = false;
            ch.pipeline().addLast(MessengerPipeline.FRAMES, MessengerFrame.decoder());
            ch.pipeline().addLast(MessengerPipeline.SESSION, new ChatHandler());
            flushOutbox();
        });
    }

    private void flushOutbox() {
        Channel ch = channel;
        if (ch == null || outbox.isEmpty()) {
            return;
        }
        boolean wrote = false;
        while (!outbox.isEmpty() && ch.isWritable()) {
            Pending message = outbox.poll();
            inFlight.put(message.id(), message);
            ch.write(MessengerFrame.chat(ch.alloc(), message.id(), message.intendedNanos(),
                    options.chatMessageBytes()));
            wrote = true;
        }
        if (wrote) {
            ch.flush();
        }
    }

    private void sweep(long now) {
        long deadline = now - ackTimeoutNanos;
        // Both queues are in id order, which is intended-time order, so only their heads can be overdue first.
        Iterator<Pending> flying = inFlight.values().iterator();
        while (flying.hasNext()) {
            Pending message = flying.next();
            if (message.intendedNanos() > deadline) {
                break;
            }
            flying.remove();
            metrics.chatTimedOut(now);
        }
        while (!outbox.isEmpty() && outbox.peek().intendedNanos() <= deadline) {
            outbox.poll();
            metrics.chatTimedOut(now);
        }
    }

    private void keepalive() {
        Channel ch = channel;
        if (ch == null) {
            return;
        }
        if (awaitingPong) {
            ch.close(); // nothing came back for a whole interval: the path is dead even if TCP has not noticed
            return;
        }
        awaitingPong = true;
        ch.writeAndFlush(MessengerFrame.oneLong(ch.alloc(), MessengerFrame.PING, System.nanoTime()));
    }

    private void churn() {
        Channel ch = channel;
        if (ch != null) {
            churning = true;
            ch.close();
        }
    }

    private void connectionLost(Channel ch) {
        if (ch != channel) {
            return;
        }
        channel = null;
        if (closed) {
            inFlight.clear(); // our own close() is no censor's doing: leave them uncounted
            return;
        }
        if (churning) {
            churning = false;
            List<Pending> resend = new ArrayList<>(inFlight.values());
            inFlight.clear();
            for (int i = resend.size() - 1; i >= 0; i--) {
                outbox.addFirst(resend.get(i));
            }
        } else {
            metrics.chatFailed(inFlight.size(), System.nanoTime());
            inFlight.clear();
        }
        connect();
    }

    /** Stops the schedule and closes the connection; messages still pending are left uncounted. */
    void close() {
        if (loop.inEventLoop()) {
            closeNow();
        } else {
            loop.execute(this::closeNow);
        }
    }

    private void closeNow() {
        closed = true;
        timers.forEach(t -> t.cancel(false));
        if (channel != null) {
            channel.close();
        }
    }

    private final class ChatHandler extends ChannelInboundHandlerAdapter {

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf frame)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            try {
                awaitingPong = false;
                byte type = MessengerFrame.type(frame);
                if (type == MessengerFrame.ACK && MessengerFrame.bodyLength(frame) >= 16) {
                    Pending message = inFlight.remove(MessengerFrame.longAt(frame, 0));
                    if (message != null) { // a late ack of a timed-out message, or a duplicate, counts nothing
                        metrics.chatDelivered(System.nanoTime() - message.intendedNanos());
                    }
                } else if (type == MessengerFrame.CALL_OK && MessengerFrame.bodyLength(frame) >= 8) {
                    if (calls != null) {
                        calls.answered(MessengerFrame.longAt(frame, 0));
                    }
                } else if (type != MessengerFrame.PONG) {
                    ctx.close(); // not the server we expect
                }
            } finally {
                frame.release();
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                flushOutbox();
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            connectionLost(ctx.channel());
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset or a TLS error ends the connection; channelInactive accounts for it
        }
    }
}
