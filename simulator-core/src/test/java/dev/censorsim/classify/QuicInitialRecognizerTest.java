package dev.censorsim.classify;

import dev.censorsim.trace.UdpPayloads;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class QuicInitialRecognizerTest {

    private final QuicInitialRecognizer recognizer = new QuicInitialRecognizer();
    private final SplittableRandom random = new SplittableRandom(1);

    @Test
    void clientInitialShouldBeRecognisedWithItsDatagramSize() {
        byte[] initial = UdpPayloads.quicLong(0, new byte[8], new byte[5], 1252, random);

        assertThat(recognizer.recognize(Unpooled.wrappedBuffer(initial), 0, initial.length)).isTrue();
        assertThat(recognizer.datagramLength()).isEqualTo(1252);
        assertThat(recognizer.dcidLength()).isEqualTo(8);
        assertThat(recognizer.scidLength()).isEqualTo(5);
        assertThat(recognizer.packetLength()).isEqualTo(1252);
        assertThat(recognizer.isClientFirstFlight()).isTrue();
    }

    @Test
    void smallInitialShouldBeRecognisedButNotCountAsAClientFirstFlight() {
        byte[] initial = UdpPayloads.quicLong(0, new byte[8], new byte[8], 1000, random);

        assertThat(recognizer.recognize(Unpooled.wrappedBuffer(initial), 0, initial.length)).isTrue();
        assertThat(recognizer.isClientFirstFlight()).as("below the 1200-byte minimum of RFC 9000 §14.1").isFalse();
    }

    @Test
    void otherVersionsAndPacketTypesShouldNotBeInitials() {
        byte[] draft = UdpPayloads.quicLong(0, new byte[8], new byte[8], 1250, random);
        draft[4] = 0x1d;
        byte[] handshake = UdpPayloads.quicLong(2, new byte[8], new byte[8], 1250, random);
        byte[] shortHeader = UdpPayloads.quicShort(new byte[8], 1250, random);

        assertThat(recognizer.recognize(Unpooled.wrappedBuffer(draft), 0, draft.length)).as("draft-29").isFalse();
        assertThat(recognizer.recognize(Unpooled.wrappedBuffer(handshake), 0, handshake.length)).isFalse();
        assertThat(recognizer.recognize(Unpooled.wrappedBuffer(shortHeader), 0, shortHeader.length)).isFalse();
    }

    @Test
    void lengthFieldBeyondTheDatagramShouldNotBeAnInitial() {
        byte[] initial = UdpPayloads.quicLong(0, new byte[8], new byte[8], 1250, random);

        assertThat(recognizer.recognize(Unpooled.wrappedBuffer(initial), 0, initial.length - 1)).isFalse();
    }

    @Test
    void oversizedConnectionIdShouldNotBeAnInitial() {
        byte[] initial = UdpPayloads.quicLong(0, new byte[8], new byte[8], 1250, random);
        initial[5] = 21;

        assertThat(recognizer.recognize(Unpooled.wrappedBuffer(initial), 0, initial.length)).isFalse();
    }
}
