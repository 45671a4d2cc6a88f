package dev.censorsim.messenger;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class ClientHelloSplitHandlerTest {

    @Test
    void firstWriteShouldLeaveAsSeparateFlushedPiecesThenTheHandlerSteps() {
        EmbeddedChannel channel = new EmbeddedChannel(new ClientHelloSplitHandler(3, 0));
        byte[] hello = new byte[300];
        for (int i = 0; i < hello.length; i++) {
            hello[i] = (byte) i;
        }

        ChannelFuture first = channel.writeAndFlush(Unpooled.wrappedBuffer(hello));
        ChannelFuture second = channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {42}));
        for (int i = 0; i < 5; i++) {
            channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
            channel.runPendingTasks();
        }

        List<ByteBuf> out = new ArrayList<>();
        ByteBuf piece;
        while ((piece = channel.readOutbound()) != null) {
            out.add(piece);
        }
        assertThat(out).extracting(ByteBuf::readableBytes).containsExactly(100, 100, 100, 1);
        assertThat(out.get(1).getByte(0)).isEqualTo((byte) 100);
        assertThat(out.get(3).getByte(0)).as("a later write waits behind the pieces").isEqualTo((byte) 42);
        assertThat(first.isSuccess()).isTrue();
        assertThat(second.isSuccess()).isTrue();
        assertThat(channel.pipeline().get(ClientHelloSplitHandler.class)).isNull();
        out.forEach(ByteBuf::release);
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void closingMidSplitShouldReleaseTheRemainingPieces() {
        EmbeddedChannel channel = new EmbeddedChannel(new ClientHelloSplitHandler(4, TimeUnit.SECONDS.toNanos(1)));
        ByteBuf hello = Unpooled.buffer(40).writeZero(40);

        ChannelFuture write = channel.writeAndFlush(hello);
        ByteBuf sent = channel.readOutbound();
        channel.close();
        channel.advanceTimeBy(2, TimeUnit.SECONDS);
        channel.runPendingTasks();

        assertThat(sent.readableBytes()).isEqualTo(10);
        sent.release();
        assertThat(hello.refCnt()).as("the slices still queued are released").isZero();
        assertThat(write.isSuccess()).isFalse();
    }
}
