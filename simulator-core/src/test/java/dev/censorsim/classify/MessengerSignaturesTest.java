package dev.censorsim.classify;

import dev.censorsim.trace.TlsMessages;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class MessengerSignaturesTest {

    @Test
    void whatsAppNoiseHeaderShouldBeClassifiedAsWhatsApp() {
        byte[] first = new byte[40];
        System.arraycopy(WhatsAppPrologue.header(), 0, first, 0, 8);

        assertThat(classify(first).protocol()).isEqualTo(Protocol.WHATSAPP);
        assertThat(classify(new byte[] {'E', 'D', 0, 1, 0, 0, 2, 8, 0, 0}).protocol()).isEqualTo(Protocol.WHATSAPP);
        assertThat(classify(new byte[] {'W', 'A', 1, 5, 0}).protocol()).isEqualTo(Protocol.WHATSAPP);
    }

    @Test
    void nearMissesShouldStayUnknown() {
        assertThat(classify(new byte[] {'E', 'D', 0, 1, 0, 0, 3, 8, 0}).protocol()).isEqualTo(Protocol.UNKNOWN);
        assertThat(classify(new byte[] {'W', 'A', 1, 4, 0}).protocol()).isEqualTo(Protocol.UNKNOWN);
    }

    @Test
    void obfuscatedMtprotoHeaderShouldBeClassifiedAsMtproto() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 200; i++) {
            byte[] noise = new byte[64];
            random.nextBytes(noise);
            assertThat(classify(MtprotoObfuscated.header(noise)).protocol()).as("header %d", i)
                    .isEqualTo(Protocol.MTPROTO);
        }
    }

    @Test
    void randomBytesAndTlsShouldNotBeMtproto() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 2_000; i++) {
            byte[] noise = new byte[64];
            random.nextBytes(noise);
            noise[0] = 0x01; // keep the other recognisers out of it
            // Random bytes are what the fully-encrypted heuristic looks for; they must just not pass for MTProto,
            // whose header check needs the tag its own key reveals.
            assertThat(classify(noise).protocol()).isNotEqualTo(Protocol.MTPROTO);
        }
        byte[] hello = TlsMessages.clientHello("example.com", List.of(), false, new java.util.Random(1));
        assertThat(classify(hello).protocol()).isEqualTo(Protocol.TLS);
    }

    @Test
    void shortHeaderShouldNotBeMtproto() {
        byte[] header = MtprotoObfuscated.header(new byte[64]);
        assertThat(classify(java.util.Arrays.copyOf(header, 63)).protocol()).isEqualTo(Protocol.UNKNOWN);
    }

    private static StreamClassification classify(byte[] bytes) {
        StreamClassifier classifier = new StreamClassifier(InspectionSettings.DEFAULT);
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            classifier.offer(buf);
            return classifier.finish();
        } finally {
            classifier.release();
            buf.release();
        }
    }
}
