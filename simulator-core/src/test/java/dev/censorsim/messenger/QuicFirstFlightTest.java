package dev.censorsim.messenger;

import dev.censorsim.classify.QuicInitialDecryptor;
import dev.censorsim.classify.QuicInitialRecognizer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class QuicFirstFlightTest {

    private static final HexFormat HEX = HexFormat.of();

    /** RFC 9001 Appendix A.4: the Retry answering the Initial of A.2, whose client-chosen DCID was 8394c8f03e515708. */
    private static final byte[] RFC_ODCID = HEX.parseHex("8394c8f03e515708");
    private static final byte[] RFC_RETRY = HEX.parseHex(
            "ff000000010008f067a5502a4262b5746f6b656e04a265ba2eff4d829058fb3f0f2496ba");

    @Test
    void integrityTagShouldMatchTheRfc9001Retry() {
        byte[] tag = QuicFirstFlight.integrityTag(RFC_ODCID, RFC_RETRY, RFC_RETRY.length - 16);

        assertThat(tag).isEqualTo(Arrays.copyOfRange(RFC_RETRY, RFC_RETRY.length - 16, RFC_RETRY.length));
        assertThat(QuicFirstFlight.isRetryFor(Unpooled.wrappedBuffer(RFC_RETRY), RFC_ODCID, new byte[0])).isTrue();
    }

    @Test
    void aRetryShouldBeRejectedForAnotherConnectionOrWithAnyByteChanged() {
        assertThat(QuicFirstFlight.isRetryFor(Unpooled.wrappedBuffer(RFC_RETRY), HEX.parseHex("8394c8f03e515709"),
                new byte[0])).as("another original DCID").isFalse();
        for (int i = 0; i < RFC_RETRY.length; i++) {
            byte[] changed = RFC_RETRY.clone();
            changed[i] ^= i == 0 ? 0x40 : 0x01;
            assertThat(QuicFirstFlight.isRetryFor(Unpooled.wrappedBuffer(changed), RFC_ODCID, new byte[0]))
                    .as("byte %d changed", i).isFalse();
        }
        assertThat(QuicFirstFlight.isRetryFor(Unpooled.wrappedBuffer(new byte[10]), RFC_ODCID, new byte[0]))
                .isFalse();
    }

    @Test
    void clientInitialShouldBeAFirstFlightACensorCanDecrypt() {
        byte[] dcid = HEX.parseHex("0011223344556677");
        byte[] scid = HEX.parseHex("8899aabbccddeeff");
        ByteBuf initial = Unpooled.wrappedBuffer(QuicFirstFlight.clientInitial("g.whatsapp.net", dcid, scid,
                new Random(1)));

        QuicInitialRecognizer recognizer = new QuicInitialRecognizer();
        assertThat(recognizer.recognize(initial, 0, initial.readableBytes())).isTrue();
        assertThat(recognizer.isClientFirstFlight()).isTrue();
        assertThat(recognizer.datagramLength()).isEqualTo(QuicFirstFlight.INITIAL_DATAGRAM_BYTES);
        QuicInitialDecryptor decryptor = new QuicInitialDecryptor();
        int crypto = decryptor.decrypt(initial, 0, recognizer);
        assertThat(crypto).as("the whole ClientHello, decrypted with the keys of its DCID").isPositive();
        assertThat(new String(decryptor.cryptoData(), 0, crypto, StandardCharsets.ISO_8859_1))
                .contains("g.whatsapp.net").contains("h3");
        assertThat(QuicFirstFlight.initialConnectionIds(initial)).isDeepEqualTo(new byte[][] {dcid, scid});
    }

    @Test
    void theServersRetryShouldAnswerOnlyTheInitialItWasWrittenFor() {
        byte[] dcid = HEX.parseHex("0011223344556677");
        byte[] scid = HEX.parseHex("8899aabbccddeeff");
        ByteBuf retry = Unpooled.buffer();
        QuicFirstFlight.writeRetry(retry, dcid, scid, new Random(2));

        assertThat(QuicFirstFlight.isRetryFor(retry, dcid, scid)).isTrue();
        assertThat(QuicFirstFlight.isRetryFor(retry, scid, scid)).isFalse();
        assertThat(QuicFirstFlight.isRetryFor(retry, dcid, dcid)).isFalse();
        assertThat(QuicFirstFlight.initialConnectionIds(retry)).as("a Retry is no Initial").isNull();
        assertThat(QuicFirstFlight.initialConnectionIds(Unpooled.wrappedBuffer(new byte[1300]))).isNull();
    }
}
