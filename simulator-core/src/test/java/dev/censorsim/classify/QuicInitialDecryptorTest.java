package dev.censorsim.classify;

import dev.censorsim.trace.TlsMessages;
import dev.censorsim.trace.UdpPayloads;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class QuicInitialDecryptorTest {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void clientKeysShouldMatchRfc9001AppendixA1() throws Exception {
        QuicInitialKeys keys = QuicInitialKeys.client(HEX.parseHex("8394c8f03e515708"));

        assertThat(HEX.formatHex(keys.key())).isEqualTo("1f369613dd76d5467730efcbe3b1a22d");
        assertThat(HEX.formatHex(keys.iv())).isEqualTo("fa044b2f42a3fd3b46fb255c");
        assertThat(HEX.formatHex(keys.hp())).isEqualTo("9f50449e04a0e810283a1e9933adedd2");
    }

    private static byte[] initial(String sni) {
        SplittableRandom random = new SplittableRandom(4);
        byte[] record = TlsMessages.clientHello(sni, List.of("h3"), false, random);
        byte[] hello = Arrays.copyOfRange(record, 5, record.length);
        return UdpPayloads.quicClientInitial(HEX.parseHex("8394c8f03e515708"), new byte[0], hello, 2, 1252);
    }

    @Test
    void protectedInitialShouldYieldTheClientHelloAndItsSni() {
        byte[] datagram = initial("rr4---sn-4g5e6nzz.googlevideo.com");
        ByteBuf buffer = Unpooled.wrappedBuffer(datagram);
        QuicInitialRecognizer recognizer = new QuicInitialRecognizer();
        QuicInitialDecryptor decryptor = new QuicInitialDecryptor();

        assertThat(recognizer.recognize(buffer, 0, datagram.length)).isTrue();
        int length = decryptor.decrypt(buffer, 0, recognizer);

        assertThat(length).isPositive();
        assertThat(decryptor.cryptoData()[0]).as("handshake type client_hello").isEqualTo((byte) 1);
        TlsClientHelloParser parser = new TlsClientHelloParser();
        parser.offer(new byte[] {0x16, 3, 1, (byte) (length >>> 8), (byte) length}, 0, 5);
        assertThat(parser.offer(decryptor.cryptoData(), 0, length)).isEqualTo(TlsClientHelloParser.Status.COMPLETE);
        assertThat(parser.sniAsString()).isEqualTo("rr4---sn-4g5e6nzz.googlevideo.com");
        assertThat(buffer.getByte(0)).as("the caller's bytes stay protected").isEqualTo(datagram[0]);
    }

    @Test
    void corruptedFrameTypeShouldYieldNothing() {
        byte[] datagram = initial("x.com");
        QuicInitialRecognizer recognizer = new QuicInitialRecognizer();
        recognizer.recognize(Unpooled.wrappedBuffer(datagram), 0, datagram.length);
        // CTR keystream: flipping a ciphertext bit flips the plaintext bit, here CRYPTO (0x06) into 0x07, a STREAM frame
        // that an Initial may not carry.
        datagram[recognizer.packetNumberOffset() + 4] ^= 1;

        assertThat(new QuicInitialDecryptor().decrypt(Unpooled.wrappedBuffer(datagram), 0, recognizer)).isZero();
    }

    @Test
    void initialOfRandomBytesShouldYieldNothing() {
        byte[] datagram = UdpPayloads.quicLong(0, new byte[8], new byte[8], 1250, new SplittableRandom(2));
        ByteBuf buffer = Unpooled.wrappedBuffer(datagram);
        QuicInitialRecognizer recognizer = new QuicInitialRecognizer();
        recognizer.recognize(buffer, 0, datagram.length);

        assertThat(new QuicInitialDecryptor().decrypt(buffer, 0, recognizer)).isZero();
    }
}
