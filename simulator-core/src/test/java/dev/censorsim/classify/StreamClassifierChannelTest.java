package dev.censorsim.classify;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Drives the classifier the way the proxy will: from an inbound handler, on the buffers Netty hands over. */
class StreamClassifierChannelTest {

    /** Inspects each inbound chunk, passes it on untouched, and steps out of the pipeline once decided. */
    static final class ClassifyHandler extends ChannelInboundHandlerAdapter {
        private final StreamClassifier classifier;

        ClassifyHandler(InspectionSettings settings) {
            classifier = new StreamClassifier(settings);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf && classifier.offer((ByteBuf) msg)) {
                ctx.pipeline().remove(this);
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            classifier.release();
        }
    }

    private final byte[] hello = RealClientHellos.jdk("media.whatsapp.net", List.of("h2"));

    @Test
    void shouldClassifyHelloSplitAcrossCompositeComponents() {
        ClassifyHandler handler = new ClassifyHandler(new InspectionSettings(false, 4096));
        EmbeddedChannel channel = new EmbeddedChannel(handler);
        CompositeByteBuf composite = ByteBufAllocator.DEFAULT.compositeBuffer();
        int third = hello.length / 3;
        composite.addComponent(true, Unpooled.wrappedBuffer(hello, 0, third));
        composite.addComponent(true, Unpooled.directBuffer().writeBytes(hello, third, third));
        composite.addComponent(true, Unpooled.copiedBuffer(hello, 2 * third, hello.length - 2 * third));
        assertThat(channel.writeInbound(composite)).isTrue();

        assertThat(handler.classifier.result().sni()).isEqualTo("media.whatsapp.net");
        assertThat(handler.classifier.result().alpn()).containsExactly("h2");
        assertThat(channel.pipeline().get(ClassifyHandler.class)).as("handler steps out once decided").isNull();
        assertForwardedIntact(channel, hello);
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    @Test
    void shouldClassifyReadOnlySlicesOverSeveralReads() {
        ClassifyHandler handler = new ClassifyHandler(InspectionSettings.DEFAULT);
        EmbeddedChannel channel = new EmbeddedChannel(handler);
        ByteBuf backing = PooledByteBufAllocator.DEFAULT.directBuffer(hello.length + 32);
        backing.writeZero(16).writeBytes(hello).writeZero(16);
        int split = 7;
        ByteBuf first = backing.retainedSlice(16, split).asReadOnly();
        ByteBuf second = backing.retainedSlice(16 + split, hello.length - split).asReadOnly();
        backing.release();

        channel.writeInbound(first);
        assertThat(handler.classifier.isDone()).isFalse();
        channel.writeInbound(second);

        assertThat(handler.classifier.result().protocol()).isEqualTo(Protocol.TLS);
        assertThat(handler.classifier.result().sni()).isEqualTo("media.whatsapp.net");
        ByteBuf out1 = channel.readInbound();
        ByteBuf out2 = channel.readInbound();
        assertThat(out1.readableBytes() + out2.readableBytes()).isEqualTo(hello.length);
        out1.release();
        out2.release();
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    @Test
    void splitHelloWithoutReassemblyShouldLetTheRestThroughUnclassified() {
        ClassifyHandler handler = new ClassifyHandler(new InspectionSettings(false, 4096));
        EmbeddedChannel channel = new EmbeddedChannel(handler);
        channel.writeInbound(Unpooled.wrappedBuffer(hello, 0, 3));
        channel.writeInbound(Unpooled.wrappedBuffer(hello, 3, hello.length - 3));
        assertThat(handler.classifier.result()).isEqualTo(StreamClassification.UNKNOWN);
        assertThat(channel.pipeline().get(ClassifyHandler.class)).isNull();
        assertThat(channel.finishAndReleaseAll()).as("both chunks reach the next handler").isTrue();
    }

    @Test
    void shouldClassifyHttpHeadArrivingAsCompositeOfHeapAndDirectParts() {
        ClassifyHandler handler = new ClassifyHandler(InspectionSettings.DEFAULT);
        EmbeddedChannel channel = new EmbeddedChannel(handler);
        byte[] head = "GET /v HTTP/1.1\r\nUser-Agent: m\r\nHost: MMG.WhatsApp.NET:80\r\n\r\n"
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        CompositeByteBuf composite = Unpooled.compositeBuffer();
        composite.addComponent(true, Unpooled.wrappedBuffer(head, 0, 30));
        composite.addComponent(true, Unpooled.directBuffer().writeBytes(head, 30, head.length - 30));
        channel.writeInbound(composite);
        assertThat(handler.classifier.result())
                .isEqualTo(new StreamClassification(Protocol.HTTP, null, "MMG.WhatsApp.NET", List.of(), false, false));
        assertForwardedIntact(channel, head);
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    private static void assertForwardedIntact(EmbeddedChannel channel, byte[] expected) {
        ByteBuf out = channel.readInbound();
        try {
            byte[] forwarded = new byte[out.readableBytes()];
            out.getBytes(out.readerIndex(), forwarded);
            assertThat(forwarded).isEqualTo(expected);
        } finally {
            out.release();
        }
    }
}
