package dev.censorsim.proxy.udp;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelOption;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.DatagramChannel;
import io.netty.util.UncheckedBooleanSupplier;

/**
 * How the relay's datagram sockets read: up to {@link #BATCH} datagrams per {@code read()}, so that one wake-up of
 * the event loop moves a whole burst and its writes leave with one flush ({@code sendmmsg(2)} on epoll). Each
 * datagram is read into room of {@link #MAX_DATAGRAM_BYTES}, the largest UDP payload, so nothing is ever cut: on epoll
 * a whole burst with one {@code recvmmsg(2)} into the relay's {@link ReceiveArea}, each datagram then copied into a
 * buffer of its own length; on NIO one pooled buffer per datagram.
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
    /** Unused room a waiting datagram's buffer may have before {@link #compact} copies it out. */
    private static final int COMPACT_SLACK_BYTES = 256;
    static final int MAX_DATAGRAM_BYTES = 65_535;
    /**
     * Datagrams per read: one wake-up of the event loop reads up to {@code BATCH} datagrams. On epoll they come with
     * one {@code recvmmsg(2)} into a {@link ReceiveArea} of {@code BATCH} slots of {@link #MAX_DATAGRAM_BYTES}; on NIO
     * one {@code DatagramChannel.receive} each, into its own 64 KiB pooled buffer.
     */
    static final int BATCH = 32;

    private static final RecvByteBufAllocator PER_DATAGRAM = new BatchAllocator(null);
    /**
     * Where {@link #own} copies datagrams to: Netty's pooled allocator, whose buffer objects are recycled on the
     * event loop's thread, so a copy allocates nothing on the heap. Netty 4.2's default (adaptive) allocator made a
     * new buffer object per copy: 140 B per datagram in {@code UdpPassPathBenchmark -p receive=area -prof gc}.
     */
    private static final ByteBufAllocator COPIES = PooledByteBufAllocator.DEFAULT;

    private DatagramBatches() {
    }

    /**
     * Sets batch reading on the listening channel's bootstrap.
     *
     * @param area the relay's receive area on epoll ({@code recvmmsg(2)} into it); {@code null} on NIO
     */
    static void configure(Bootstrap bootstrap, ReceiveArea area) {
        if (area != null) {
            bootstrap.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_DATAGRAM_BYTES);
            bootstrap.option(ChannelOption.RCVBUF_ALLOCATOR, area.allocator);
        } else {
            bootstrap.option(ChannelOption.RCVBUF_ALLOCATOR, PER_DATAGRAM);
        }
    }

    /**
     * Sets batch reading on a channel opened beside the listening one (a flow's upstream socket): into {@code area}
     * when there is one (epoll, the same event loop), else one pooled buffer per datagram.
     */
    static void configure(DatagramChannel channel, ReceiveArea area) {
        ChannelConfig config = channel.config();
        if (area != null && channel instanceof io.netty.channel.epoll.EpollDatagramChannel) {
            config.setOption(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_DATAGRAM_BYTES);
            config.setRecvByteBufAllocator(area.allocator);
            return;
        }
        if (channel instanceof io.netty.channel.epoll.EpollDatagramChannel) {
            // 0: one datagram per recvmsg(2) into its own whole-datagram buffer.
            config.setOption(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, 0);
        }
        config.setRecvByteBufAllocator(PER_DATAGRAM);
    }

    /** Sets batch reading, one pooled buffer per datagram, on a channel that has no receive area (SOCKS). */
    static void configure(DatagramChannel channel) {
        configure(channel, null);
    }

    /**
     * A datagram read into a {@link ReceiveArea}, copied into a pooled buffer of its own length; the slice of the area
     * is released, so the area is free again for the next {@code recvmmsg(2)}. Every handler that reads from a
     * channel with an area calls this before keeping the datagram beyond its {@code channelRead}.
     */
    /**
     * A datagram about to wait (a {@code delay} action): a buffer of its own length, so that what waits is its bytes
     * and not the 64 KiB buffer it was read into (NIO, io_uring and the SOCKS association read each datagram into one,
     * and on epoll Netty hands it on as a slice of one). Returns {@code content} itself when it already is.
     */
    static ByteBuf compact(ByteBuf content) {
        ByteBuf memory = content;
        for (ByteBuf under; (under = memory.unwrap()) != null; ) {
            memory = under; // a slice's (or a leak detector wrapper's) buffer is what it holds
        }
        if (memory.capacity() - content.readableBytes() <= COMPACT_SLACK_BYTES) {
            return content;
        }
        return own(content);
    }

    static ByteBuf own(ByteBuf slice) {
        int length = slice.readableBytes();
        ByteBuf copy = COPIES.directBuffer(length, length);
        copy.writeBytes(slice, slice.readerIndex(), length);
        slice.release();
        return copy;
    }

    /**
     * One relay's receive memory on epoll: {@link #BATCH} slots of {@link #MAX_DATAGRAM_BYTES} (2 MiB), allocated
     * once and filled by every {@code recvmmsg(2)} of the relay's sockets, so that a whole burst is one system call
     * and still no datagram is cut. Netty hands each datagram on as a slice of the area; the relay's handlers copy it
     * out at once ({@link #own}), so when the next read begins every slice is released and the area is reused. Should
     * a slice still be held (a handler that kept one), the area is left to it and a new one taken, so a kept slice is
     * never overwritten.
     *
     * <p>Why an area and not a buffer per read: 32 slots of 64 KiB allocated per {@code recvmmsg} (2 MiB, beyond the
     * pooled allocator's chunks) ran at 1,360 datagrams/s in {@code UdpRelayBenchmark}; one datagram per
     * {@code recvmsg(2)} into a 64 KiB pooled buffer each at 26,900. The copy of a datagram's own length costs less
     * than either, and a queued datagram holds a buffer of its own size, not 64 KiB.
     *
     * <p>Threading: all the relay's channels are on one event loop, which reads one channel at a time and hands every
     * datagram of a read to the pipeline before the next read, so one area serves them all, unsynchronised.
     */
    static final class ReceiveArea {
        private static final int BYTES = BATCH * MAX_DATAGRAM_BYTES;
        private final RecvByteBufAllocator allocator = new BatchAllocator(this);
        private ByteBuf area;

        /** The area, emptied, with room for {@code slots} datagrams; the caller owns one reference. */
        ByteBuf take(ByteBufAllocator alloc, int slots) {
            ByteBuf a = area;
            if (a == null || a.refCnt() != 1) {
                if (a != null) {
                    a.release(); // what still holds a slice keeps the old area alive; ours is a new one
                }
                a = alloc.directBuffer(BYTES, BYTES);
                area = a;
            }
            int skipped = (BATCH - slots) * MAX_DATAGRAM_BYTES;
            return a.setIndex(skipped, skipped).retain();
        }

        /** Frees the area; on the relay's event loop, once its channels are closed. */
        void free() {
            if (area != null) {
                area.release();
                area = null;
            }
        }
    }

    /** Reads in batches, each datagram into its own pooled buffer, or into a {@link ReceiveArea} when given one. */
    private static final class BatchAllocator implements RecvByteBufAllocator {
        private final ReceiveArea area;

        BatchAllocator(ReceiveArea area) {
            this.area = area;
        }

        @Override
        public Handle newHandle() {
            return new BatchHandle(area);
        }
    }

    /** One channel's read state; used on its event loop only. */
    private static final class BatchHandle implements RecvByteBufAllocator.ExtendedHandle {
        private final ReceiveArea area;
        private int messages;
        private int lastBytesRead;
        private int attemptedBytesRead;

        BatchHandle(ReceiveArea area) {
            this.area = area;
        }

        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            // The area with as many slots as the batch has left (at least 2, see continueReading), so one read()
            // never takes more than BATCH.
            return area != null ? area.take(alloc, BATCH - messages) : alloc.ioBuffer(MAX_DATAGRAM_BYTES);
        }

        @Override
        public int guess() {
            return area != null ? ReceiveArea.BYTES : MAX_DATAGRAM_BYTES;
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
            // Netty reports an empty datagram as 1 byte read, a drained socket as 0 or -1. Into an area, at least 2
            // slots: with one, Netty 4.2.18 takes its recvmsg(2) path, which sets the writer index as if the datagram
            // began at offset 0 of the buffer and so fails (IndexOutOfBoundsException, the datagram lost) for every
            // slot but the area's first.
            return messages < (area != null ? BATCH - 1 : BATCH) && lastBytesRead > 0;
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
