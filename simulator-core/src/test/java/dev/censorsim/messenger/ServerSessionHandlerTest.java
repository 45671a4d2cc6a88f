package dev.censorsim.messenger;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class ServerSessionHandlerTest {

    private static EmbeddedChannel server() {
        return new EmbeddedChannel(MessengerFrame.decoder(), new ServerSessionHandler());
    }

    @Test
    void chatShouldBeAcknowledgedWithItsIdAndSendTime() {
        EmbeddedChannel channel = server();

        channel.writeInbound(MessengerFrame.chat(ByteBufAllocator.DEFAULT, 7, 123_456, 32));
        ByteBuf ack = channel.readOutbound();

        assertThat(MessengerFrame.type(ack)).isEqualTo(MessengerFrame.ACK);
        assertThat(MessengerFrame.longAt(ack, 0)).isEqualTo(7);
        assertThat(MessengerFrame.longAt(ack, 1)).isEqualTo(123_456);
        ack.release();
        assertThat(channel.finish()).isFalse();
    }

    @Test
    void downloadShouldSendExactlyTheAskedBytes() {
        EmbeddedChannel channel = server();

        channel.writeInbound(MessengerFrame.oneLong(ByteBufAllocator.DEFAULT, MessengerFrame.GET, 40_000));
        long payload = 0;
        ByteBuf frame;
        while ((frame = channel.readOutbound()) != null) {
            assertThat(MessengerFrame.type(frame)).isEqualTo(MessengerFrame.DATA);
            payload += MessengerFrame.bodyLength(frame);
            frame.release();
        }

        assertThat(payload).isEqualTo(40_000);
        channel.finishAndReleaseAll();
    }

    @Test
    void uploadShouldBeConfirmedOnceAllBytesArrived() {
        EmbeddedChannel channel = server();

        channel.writeInbound(MessengerFrame.oneLong(ByteBufAllocator.DEFAULT, MessengerFrame.PUT, 20_000));
        channel.writeInbound(MessengerFrame.data(ByteBufAllocator.DEFAULT, 15_000));
        assertThat((Object) channel.readOutbound()).isNull();
        channel.writeInbound(MessengerFrame.data(ByteBufAllocator.DEFAULT, 5_000));
        ByteBuf done = channel.readOutbound();

        assertThat(MessengerFrame.type(done)).isEqualTo(MessengerFrame.DONE);
        assertThat(MessengerFrame.longAt(done, 0)).isEqualTo(20_000);
        done.release();
        channel.finishAndReleaseAll();
    }

    @Test
    void malformedFramesShouldCloseTheConnectionWithoutThrowing() {
        byte[][] inputs = {
                {0, 0, 0, 1, 0x7f},                       // unknown type
                {0, 0, 0, 3, MessengerFrame.CHAT, 1, 2},  // CHAT too short for id and time
                {0, 0, 0, 0},                             // length 0: no type at all
                {0x7f, 0, 0, 0, 1},                       // length far beyond the maximum
                {0, 0, 0, 2, MessengerFrame.DATA, 9},     // DATA without a PUT
        };
        for (byte[] input : inputs) {
            EmbeddedChannel channel = server();
            channel.writeInbound(Unpooled.wrappedBuffer(input));
            assertThat(channel.isOpen()).as("closed after %s", java.util.Arrays.toString(input)).isFalse();
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void randomBytesShouldNeverThrowOutOfThePipeline() {
        Random random = new Random(3);
        for (int i = 0; i < 500; i++) {
            byte[] input = new byte[1 + random.nextInt(64)];
            random.nextBytes(input);
            EmbeddedChannel channel = server();
            channel.writeInbound(Unpooled.wrappedBuffer(input));
            channel.checkException(); // rethrows anything that reached the tail
            channel.finishAndReleaseAll();
        }
    }
}
