package dev.censorsim.proxy.udp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;

/** The relay's reused reply envelopes: counted like Netty's, back in the pool once the last holder lets go. */
class ReplyDatagramsTest {

    private final EmbeddedChannel loop = new EmbeddedChannel();
    private final ReplyDatagrams pool = new ReplyDatagrams(loop.eventLoop());
    private final InetSocketAddress client = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);

    @Test
    void envelopeShouldCarryItsContentToItsRecipientAndFreeTheContentOnRelease() {
        ByteBuf content = Unpooled.directBuffer(8).writeLong(42);
        DatagramPacket reply = pool.wrap(content, client);

        assertThat(reply.content()).isSameAs(content);
        assertThat(reply.recipient()).isEqualTo(client);
        assertThat(reply.sender()).isNull();
        assertThat(reply.refCnt()).isEqualTo(1);
        assertThat(reply.release()).isTrue();
        assertThat(content.refCnt()).isZero();
    }

    @Test
    void releasedEnvelopeShouldBeReusedForTheNextReply() {
        DatagramPacket first = pool.wrap(Unpooled.buffer(4).writeInt(1), client);
        first.release();
        DatagramPacket second = pool.wrap(Unpooled.buffer(4).writeInt(2), client);

        assertThat(second).isSameAs(first);
        assertThat(second.content().getInt(0)).isEqualTo(2);
        assertThat(pool.created()).isEqualTo(1);
        second.release();
    }

    @Test
    void retainedEnvelopeShouldStayOutOfThePoolUntilTheLastRelease() {
        DatagramPacket reply = pool.wrap(Unpooled.buffer(4).writeInt(7), client);
        reply.retain();
        assertThat(reply.release()).isFalse();
        DatagramPacket other = pool.wrap(Unpooled.buffer(4).writeInt(8), client);

        assertThat(other).as("still held, so not handed out again").isNotSameAs(reply);
        assertThat(reply.content().getInt(0)).isEqualTo(7);
        assertThat(reply.release()).isTrue();
        other.release();
        assertThat(pool.created()).isEqualTo(2);
    }

    @Test
    void envelopeShouldReturnWhenNettyReleasesItAfterWritingItWhileTheContentLivesOn() {
        ByteBuf shared = Unpooled.directBuffer(4).writeInt(9);
        shared.retain(); // another holder of the bytes, say a capture
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.writeOutbound(pool.wrap(shared, client));
        DatagramPacket written = channel.readOutbound();
        written.release();

        assertThat(shared.refCnt()).as("the other holder's reference").isEqualTo(1);
        assertThat(pool.wrap(Unpooled.buffer(1), client)).as("the envelope is back").isSameAs(written);
        shared.release();
        channel.finishAndReleaseAll();
    }
}
