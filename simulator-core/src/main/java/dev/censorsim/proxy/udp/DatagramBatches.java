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
 * burst is received by {@code recvmmsg(2)} into {@link #BATCH} slots of {@link #MAX_DATAGRAM_BYTES} in one buffer;
 * every slot holds the largest UDP datagram, so nothing is ever cut.
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
     * The largest datagram the relay reads: the largest UDP payload there is (65,535 B less the UDP header is 65,527
     * B over IPv6, 65,507 B over IPv4), so every datagram passes whole. A smaller slot cannot be made safe: on NIO
     * {@code DatagramChannel.receive} silently discards what does not fit, and Netty's epoll {@code recvmmsg(2)}
     * path does not report {@code MSG_TRUNC}, so a cut datagram could be neither detected nor counted. Netty's
     * default, the relay's limit before, was 2,048 B: it cut EDNS answers of 4,096 B and jumbo frames.
     */
    static final int MAX_DATAGRAM_BYTES = 65_535;
    /**
     * Datagrams per read. On epoll, one {@code recvmmsg(2)} fills {@code BATCH} slots of {@link #MAX_DATAGRAM_BYTES}
     * in one pooled buffer (2 MiB), and each datagram is a slice of it, so the buffer returns to the pool when the
     * last datagram of its batch has been sent. On NIO each datagram is read into its own 64 KiB pooled buffer.
     */
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
