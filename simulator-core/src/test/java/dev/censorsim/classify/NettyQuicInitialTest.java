package dev.censorsim.classify;

import dev.censorsim.testing.NettyQuicInitials;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Our QUIC Initial recogniser and decryptor against a real implementation: Initials from Netty's quiche client
 * (BoringSSL's ClientHello, quiche's header and packet protection), read the way the UDP relay reads them.
 */
class NettyQuicInitialTest {

    private final QuicInitialRecognizer recognizer = new QuicInitialRecognizer();
    private final QuicInitialDecryptor decryptor = new QuicInitialDecryptor();

    @Test
    void quicheInitialsShouldBeRecognisedAndYieldTheirSniAndAlpn() throws Exception {
        List<byte[]> initials = NettyQuicInitials.capture("rr1.googlevideo.com", "h3", 3);

        for (byte[] datagram : initials) {
            ByteBuf buffer = Unpooled.wrappedBuffer(datagram);
            assertThat(recognizer.recognize(buffer, 0, datagram.length)).as("a QUIC v1 Initial").isTrue();
            assertThat(recognizer.isClientFirstFlight()).isTrue();
            assertThat(recognizer.version()).isEqualTo(QuicInitialRecognizer.VERSION_1);
            assertThat(datagram.length).as("padded to RFC 9000 §14.1's minimum, so a ≥ 1001-byte rule sees it")
                    .isGreaterThanOrEqualTo(1200);
            QuicCryptoStream stream = new QuicCryptoStream();
            decryptor.decrypt(buffer, 0, recognizer, stream);
            assertThat(stream.status()).as("the whole ClientHello in the first Initial")
                    .isEqualTo(QuicCryptoStream.Status.COMPLETE);
            TlsClientHelloParser parser = new TlsClientHelloParser();
            assertThat(stream.parseHello(parser)).isEqualTo(TlsClientHelloParser.Status.COMPLETE);
            assertThat(parser.sniAsString()).isEqualTo("rr1.googlevideo.com");
            assertThat(parser.alpnList()).containsExactly("h3");
        }
    }

    @Test
    void aQuicheInitialWithoutSniShouldParseWithoutOne() throws Exception {
        byte[] datagram = NettyQuicInitials.capture(null, "h3", 1).get(0);
        ByteBuf buffer = Unpooled.wrappedBuffer(datagram);

        assertThat(recognizer.recognize(buffer, 0, datagram.length)).isTrue();
        QuicCryptoStream stream = new QuicCryptoStream();
        decryptor.decrypt(buffer, 0, recognizer, stream);
        TlsClientHelloParser parser = new TlsClientHelloParser();

        assertThat(stream.parseHello(parser)).isEqualTo(TlsClientHelloParser.Status.COMPLETE);
        assertThat(parser.hasSni()).isFalse();
    }

    @Test
    void aQuicheInitialWithAnAlteredConnectionIdShouldYieldNoHello() throws Exception {
        byte[] datagram = NettyQuicInitials.capture("rr1.googlevideo.com", "h3", 1).get(0);
        // The first byte of the destination connection ID (after flags, version and its length, RFC 9000 §17.2): the
        // Initial keys derive from it (RFC 9001 §5.2), so the payload decrypts to garbage.
        datagram[6] ^= 1;
        ByteBuf buffer = Unpooled.wrappedBuffer(datagram);

        assertThat(recognizer.recognize(buffer, 0, datagram.length)).isTrue();
        QuicCryptoStream stream = new QuicCryptoStream();
        decryptor.decrypt(buffer, 0, recognizer, stream);

        assertThat(stream.status()).isNotEqualTo(QuicCryptoStream.Status.COMPLETE);
    }
}
