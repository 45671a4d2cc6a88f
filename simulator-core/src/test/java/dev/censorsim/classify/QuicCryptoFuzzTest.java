package dev.censorsim.classify;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.censorsim.trace.UdpPayloads;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes what sits behind the Initial's encryption: the decrypted frames (PADDING, PING, ACK, CRYPTO at any offset,
 * RFC 9000 §19), their reassembly into {@link QuicCryptoStream} and the ClientHello parse. Each input is a frame
 * sequence, protected into a real client Initial (RFC 9001 §5) and read back the way the UDP relay reads it, so every
 * execution reaches the frame walker instead of dying in the AEAD. The seeds are the CRYPTO frames of ClientHellos
 * that Netty's quiche client sent (see {@code NettyQuicInitials}), whole and split out of order.
 */
class QuicCryptoFuzzTest {

    private static final byte[] DCID = HexFormat.of().parseHex("8394c8f03e515708");
    private static final int DATAGRAM = 1350;
    /** The frames that fit one {@value #DATAGRAM}-byte Initial: header (20), packet number (4) and tag (16) aside. */
    private static final int MAX_FRAMES = DATAGRAM - 20 - 4 - 16;

    private final QuicInitialRecognizer recognizer = new QuicInitialRecognizer();
    private final QuicInitialDecryptor decryptor = new QuicInitialDecryptor();
    private final TlsClientHelloParser parser = new TlsClientHelloParser();

    @FuzzTest(maxDuration = "15m", maxExecutions = 10_000_000)
    void cryptoFrames(byte[] frames) {
        if (frames.length > MAX_FRAMES) {
            return;
        }
        byte[] datagram = UdpPayloads.quicClientInitialFrames(DCID, new byte[0], frames, 0, DATAGRAM);
        ByteBuf buffer = Unpooled.wrappedBuffer(datagram);
        assertThat(recognizer.recognize(buffer, 0, datagram.length)).isTrue();
        QuicCryptoStream stream = new QuicCryptoStream();
        decryptor.decrypt(buffer, 0, recognizer, stream);
        QuicCryptoStream.Status status = stream.status();
        assertThat(stream.contiguousLength()).isBetween(0, stream.capacity());
        if (status == QuicCryptoStream.Status.COMPLETE) {
            assertThat(stream.helloLength()).isBetween(4, stream.contiguousLength());
            parser.reset();
            assertThat(stream.parseHello(parser)).isNotNull();
        }
    }
}
