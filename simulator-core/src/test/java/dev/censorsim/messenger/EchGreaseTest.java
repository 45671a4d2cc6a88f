package dev.censorsim.messenger;

import dev.censorsim.classify.TlsClientHelloParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

import static org.assertj.core.api.Assertions.assertThat;

/** The GREASE ECH extension the synthetic client adds below its TLS engine and the server removes above its own. */
class EchGreaseTest {

    private static byte[] jdkClientHello(String name) throws Exception {
        SSLEngine engine = SSLContext.getDefault().createSSLEngine(name, 443);
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(name)));
        engine.setSSLParameters(parameters);
        ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
        engine.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] hello = new byte[out.remaining()];
        out.get(hello);
        return hello;
    }

    private static TlsClientHelloParser parse(ByteBuf record) {
        TlsClientHelloParser parser = new TlsClientHelloParser();
        parser.parse(record, record.readerIndex(), record.readableBytes());
        return parser;
    }

    @Test
    void addedExtensionShouldMakeTheClassifierSeeEchAndKeepTheName() throws Exception {
        ByteBuf hello = Unpooled.wrappedBuffer(jdkClientHello("cloudflare-ech.com"));
        assertThat(parse(hello).hasEch()).as("the JDK offers no ECH by itself").isFalse();

        ByteBuf withEch = EchGrease.add(hello, UnpooledByteBufAllocator.DEFAULT);

        assertThat(withEch.readableBytes()).isEqualTo(hello.readableBytes() + EchGrease.EXTENSION_BYTES);
        TlsClientHelloParser parser = parse(withEch);
        assertThat(parser.status()).isEqualTo(TlsClientHelloParser.Status.COMPLETE);
        assertThat(parser.hasEch()).isTrue();
        assertThat(parser.sniAsString()).isEqualTo("cloudflare-ech.com");
        assertThat(EchGrease.add(withEch, UnpooledByteBufAllocator.DEFAULT)).as("offered once only").isNull();
        withEch.release();
    }

    @Test
    void strippingShouldGiveBackTheEngineBytesExactly() throws Exception {
        byte[] original = jdkClientHello("cloudflare-ech.com");
        ByteBuf withEch = EchGrease.add(Unpooled.wrappedBuffer(original), UnpooledByteBufAllocator.DEFAULT);

        ByteBuf stripped = EchGrease.strip(withEch, UnpooledByteBufAllocator.DEFAULT);

        assertThat(ByteBufUtil.getBytes(stripped)).isEqualTo(original);
        assertThat(EchGrease.strip(stripped, UnpooledByteBufAllocator.DEFAULT)).as("nothing left to strip").isNull();
        withEch.release();
        stripped.release();
    }

    @Test
    void notAWholeClientHelloShouldBeLeftAlone() throws Exception {
        byte[] hello = jdkClientHello("example.test");
        ByteBuf half = Unpooled.wrappedBuffer(hello, 0, hello.length / 2);
        ByteBuf http = Unpooled.wrappedBuffer("GET / HTTP/1.1\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));

        assertThat(EchGrease.add(half, UnpooledByteBufAllocator.DEFAULT)).isNull();
        assertThat(EchGrease.add(http, UnpooledByteBufAllocator.DEFAULT)).isNull();
        assertThat(EchGrease.strip(http, UnpooledByteBufAllocator.DEFAULT)).isNull();
    }

    @Test
    void stripHandlerShouldReassembleASplitHelloAndPassTheRestOn() throws Exception {
        byte[] original = jdkClientHello("cloudflare-ech.com");
        ByteBuf withEch = EchGrease.add(Unpooled.wrappedBuffer(original), UnpooledByteBufAllocator.DEFAULT);
        byte[] wire = ByteBufUtil.getBytes(withEch);
        withEch.release();
        EmbeddedChannel server = new EmbeddedChannel(new EchStripHandler());

        server.writeInbound(Unpooled.wrappedBuffer(wire, 0, 7));
        assertThat((Object) server.readInbound()).as("waits for the whole record").isNull();
        server.writeInbound(Unpooled.wrappedBuffer(wire, 7, wire.length - 7));
        server.writeInbound(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));

        ByteBuf first = server.readInbound();
        assertThat(ByteBufUtil.getBytes(first)).isEqualTo(original);
        first.release();
        ByteBuf next = server.readInbound();
        assertThat(ByteBufUtil.getBytes(next)).containsExactly(1, 2, 3);
        next.release();
        assertThat(server.pipeline().get(EchStripHandler.class)).as("gone after the first record").isNull();
        assertThat(server.finishAndReleaseAll()).isFalse();
    }

    @Test
    void greaseHandlerShouldRewriteOnlyTheFirstRecord() throws Exception {
        byte[] original = jdkClientHello("cloudflare-ech.com");
        EmbeddedChannel client = new EmbeddedChannel(new EchGreaseHandler());

        client.writeOutbound(Unpooled.EMPTY_BUFFER, Unpooled.wrappedBuffer(original), Unpooled.wrappedBuffer(original));

        ByteBuf marker = client.readOutbound();
        assertThat(marker.isReadable()).isFalse();
        ByteBuf first = client.readOutbound();
        assertThat(parse(first).hasEch()).isTrue();
        first.release();
        ByteBuf second = client.readOutbound();
        assertThat(ByteBufUtil.getBytes(second)).isEqualTo(original);
        second.release();
        assertThat(client.finishAndReleaseAll()).isFalse();
    }
}
