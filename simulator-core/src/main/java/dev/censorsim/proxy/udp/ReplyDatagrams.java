package dev.censorsim.proxy.udp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.concurrent.EventExecutor;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;

/**
 * The envelopes that carry server datagrams to clients on the relay's unconnected listening socket, reused: an
 * unconnected datagram channel needs each message to name its recipient, and a {@link DatagramPacket} per reply was
 * the relay's one allocation of its own per datagram (32 B). Each envelope returns here when Netty releases it after
 * the send; it stays a {@link DatagramPacket}, so epoll still sends a flushed burst with one {@code sendmmsg(2)}.
 *
 * <p>Threading: confined to the relay's event loop. Netty releases a written message on the channel's event loop,
 * which is this one; a release seen on any other thread (never expected) just leaves that envelope to the garbage
 * collector, so the pool cannot be corrupted.
 */
final class ReplyDatagrams {

    /** Idle envelopes kept at most: beyond it, a burst's extra envelopes are left to the garbage collector. */
    static final int MAX_IDLE = 4096;

    /** Placeholder recipient for the superclass, which insists on one; never read (the accessors are overridden). */
    private static final InetSocketAddress NOWHERE = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    private final EventExecutor executor;
    private final ArrayDeque<Reply> idle = new ArrayDeque<>(256);
    private long created;

    ReplyDatagrams(EventExecutor executor) {
        this.executor = executor;
    }

    /** An envelope carrying {@code content} to {@code recipient}; owns {@code content} from now on. On the loop. */
    DatagramPacket wrap(ByteBuf content, InetSocketAddress recipient) {
        Reply reply = idle.pollFirst();
        if (reply == null) {
            reply = new Reply(this);
            created++;
        }
        reply.content = content;
        reply.recipient = recipient;
        reply.holds = 1;
        return reply;
    }

    /** Envelopes made so far (they are reused, so this stops growing once the relay's write queues are sized). */
    long created() {
        return created;
    }

    private void recycle(Reply reply) {
        reply.content = null;
        reply.recipient = null;
        if (idle.size() < MAX_IDLE && executor.inEventLoop()) {
            idle.addFirst(reply);
        }
    }

    /**
     * A {@link DatagramPacket} whose content and recipient are set for each use. Its reference count is its
     * content's, as in {@code DefaultAddressedEnvelope}; it also counts its own holders (one at {@link #wrap}, one
     * per retain), and goes back to its pool when the last of them releases it, whether or not the content lives on
     * elsewhere (a buffer shared with a capture, say).
     */
    private static final class Reply extends DatagramPacket {
        private final ReplyDatagrams pool;
        private ByteBuf content;
        private InetSocketAddress recipient;
        private int holds;

        Reply(ReplyDatagrams pool) {
            super(Unpooled.EMPTY_BUFFER, NOWHERE);
            this.pool = pool;
        }

        @Override
        public ByteBuf content() {
            ByteBuf c = content;
            if (c == null) {
                throw new io.netty.util.IllegalReferenceCountException(0);
            }
            return c;
        }

        @Override
        public InetSocketAddress recipient() {
            return recipient;
        }

        @Override
        public InetSocketAddress sender() {
            return null;
        }

        @Override
        public int refCnt() {
            ByteBuf c = content;
            return c == null ? 0 : c.refCnt();
        }

        @Override
        public DatagramPacket retain() {
            return retain(1);
        }

        @Override
        public DatagramPacket retain(int increment) {
            content().retain(increment);
            holds += increment;
            return this;
        }

        @Override
        public boolean release() {
            return release(1);
        }

        @Override
        public boolean release(int decrement) {
            boolean freed = content().release(decrement);
            holds -= decrement;
            if (holds <= 0) {
                pool.recycle(this);
            }
            return freed;
        }

        @Override
        public DatagramPacket touch() {
            content().touch();
            return this;
        }

        @Override
        public DatagramPacket touch(Object hint) {
            content().touch(hint);
            return this;
        }

        @Override
        public String toString() {
            return "ReplyDatagram(=> " + recipient + ", " + content + ')';
        }
    }
}
