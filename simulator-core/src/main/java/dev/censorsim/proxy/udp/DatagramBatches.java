package dev.censorsim.proxy.udp;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelOption;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.DatagramChannel;
import io.netty.util.UncheckedBooleanSupplier;

/**
 * How the relay's datagram sockets read: up to {@link #BATCH} datagrams per {@code read()}, so that one wake-up of
 * the event loop moves a whole burst and its writes leave with one flush ({@code sendmmsg(2)} on epoll). On epoll the
 * burst is received by {@code recvmmsg(2)} into {@link #BATCH} slots of {@link #MAX_DATAGRAM_BYTES} in one buffer.
 *
 * <p>Why a batch per {@code read()}: with {@code AUTO_READ} off, Netty's own allocators read exactly one message per
 * {@code read()} call, so each datagram cost the relay a trip through the event loop (an {@code epoll_wait}, a
 * {@code recvmsg}, a flush and a {@code sendto}): measured with {@code strace -c} on dnsperf's 100-query window, one
 * {@code epoll_pwait2} per datagram received. Backpressure is unchanged in kind: the relay asks for the next batch
 * only once the channels it wrote the last one to are writable, so at most one batch is queued beyond a high-water
 * mark.
 */
final class DatagramBatches {

    /**
     * The largest datagram the relay carries whole; a longer one is truncated to it, as with Netty's default receive
     * buffer for datagram channels (2,048 B), which the relay used before. 2 KiB holds a QUIC packet, an RTP or
     * WireGuard packet and a DNS answer of EDNS's recommended 1,232 B.
     */
    static final int MAX_DATAGRAM_BYTES = 2048;
    /** Datagrams per read: 32 slots of 2 KiB make one 64 KiB buffer for {@code recvmmsg(2)}. */
    static final int BATCH = 32;

    private static final RecvByteBufAllocator NIO = new BatchAllocator(MAX_DATAGRAM_BYTES);
    private static final RecvByteBufAllocator EPOLL = new BatchAllocator(MAX_DATAGRAM_BYTES * BATCH);

    private DatagramBatches() {
    }

    /** Sets batch reading on the listening channel's bootstrap. */
    static void configure(Bootstrap bootstrap, boolean epoll) {
        if (epoll) {
            bootstrap.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_DATAGRAM_BYTES)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, EPOLL);
        } else {
            bootstrap.option(ChannelOption.RCVBUF_ALLOCATOR, NIO);
        }
    }

    /** Sets batch reading on a channel opened beside the listening one (a flow's upstream socket). */
    static void configure(DatagramChannel channel) {
        ChannelConfig config = channel.config();
        if (channel instanceof io.netty.channel.epoll.EpollDatagramChannel) {
            config.setOption(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_DATAGRAM_BYTES);
            config.setRecvByteBufAllocator(EPOLL);
        } else {
            config.setRecvByteBufAllocator(NIO);
        }
    }

    /**
     * A fixed-size receive buffer per read, and reading on until {@link #BATCH} datagrams, an empty read, or the
     * socket has nothing more, whether or not {@code AUTO_READ} is on. Stateless: each channel gets its own handle.
     */
    private static final class BatchAllocator implements RecvByteBufAllocator {
        private final int bufferBytes;

        BatchAllocator(int bufferBytes) {
            this.bufferBytes = bufferBytes;
        }

        @Override
        public Handle newHandle() {
            return new BatchHandle(bufferBytes);
        }
    }

    /** One channel's read state; used on its event loop only. */
    private static final class BatchHandle implements RecvByteBufAllocator.ExtendedHandle {
        private final int bufferBytes;
        private int messages;
        private int lastBytesRead;
        private int attemptedBytesRead;

        BatchHandle(int bufferBytes) {
            this.bufferBytes = bufferBytes;
        }

        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            return alloc.ioBuffer(bufferBytes);
        }

        @Override
        public int guess() {
            return bufferBytes;
        }

        @Override
        public void reset(ChannelConfig config) {
            messages = 0;
            lastBytesRead = 0;
        }

        @Override
        public void incMessagesRead(int numMessages) {
            messages += numMessages;
        }

        @Override
        public void lastBytesRead(int bytes) {
            lastBytesRead = bytes;
        }

        @Override
        public int lastBytesRead() {
            return lastBytesRead;
        }

        @Override
        public void attemptedBytesRead(int bytes) {
            attemptedBytesRead = bytes;
        }

        @Override
        public int attemptedBytesRead() {
            return attemptedBytesRead;
        }

        @Override
        public boolean continueReading() {
            // Netty reports an empty datagram as 1 byte read, a drained socket as 0 or -1.
            return messages < BATCH && lastBytesRead > 0;
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return continueReading();
        }

        @Override
        public void readComplete() {
        }
    }
}
