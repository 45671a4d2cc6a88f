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
 * the event loop moves a whole burst and its writes leave with one flush ({@code sendmmsg(2)} on epoll). Each
 * datagram is read into a buffer of {@link #MAX_DATAGRAM_BYTES}, the largest UDP payload, so nothing is ever cut.
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
     * Datagrams per read: one wake-up of the event loop reads up to {@code BATCH} datagrams, each into its own 64 KiB
     * pooled buffer, by {@code recvmsg(2)} on epoll, {@code DatagramChannel.receive} on NIO.
     *
     * <p>Why not {@code recvmmsg(2)} on epoll any more: its slots must all be {@link #MAX_DATAGRAM_BYTES} long, so a
     * batch of 32 is one 2 MiB buffer, and each datagram a slice that keeps it alive until sent. Measured with
     * {@code UdpRelayBenchmark.echoWindow -p path=relay} on epoll in one run: 26,900 ops/s with one datagram per
     * {@code recvmsg}, 15,400 with 4 slots per {@code recvmmsg}, 1,360 with 32 slots (2 KiB slots before: 41,200).
     */
    static final int BATCH = 32;

    private static final RecvByteBufAllocator PER_DATAGRAM = new BatchAllocator(MAX_DATAGRAM_BYTES);

    private DatagramBatches() {
    }

    /** Sets batch reading on the listening channel's bootstrap. */
    static void configure(Bootstrap bootstrap, boolean epoll) {
        if (epoll) {
            // 0: one datagram per recvmsg(2) into the whole buffer, not recvmmsg(2) slots (see BATCH).
            bootstrap.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, 0);
        }
        bootstrap.option(ChannelOption.RCVBUF_ALLOCATOR, PER_DATAGRAM);
    }

    /** Sets batch reading on a channel opened beside the listening one (a flow's upstream socket). */
    static void configure(DatagramChannel channel) {
        ChannelConfig config = channel.config();
        if (channel instanceof io.netty.channel.epoll.EpollDatagramChannel) {
            config.setOption(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, 0);
        }
        config.setRecvByteBufAllocator(PER_DATAGRAM);
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
