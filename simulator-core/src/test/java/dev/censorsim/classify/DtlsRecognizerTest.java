package dev.censorsim.classify;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DtlsRecognizerTest {

    private final DtlsRecognizer recognizer = new DtlsRecognizer();

    private static ByteBuf record(int type, int version, int fragmentLength, int firstFragmentByte) {
        ByteBuf buffer = Unpooled.buffer();
        buffer.writeByte(type).writeShort(version).writeShort(0).writeMedium(0).writeMedium(1)
                .writeShort(fragmentLength);
        for (int i = 0; i < fragmentLength; i++) {
            buffer.writeByte(i == 0 ? firstFragmentByte : 0x5a);
        }
        return buffer;
    }

    @Test
    void clientHelloRecordShouldBeDtlsAndFlaggedAsClientHello() {
        ByteBuf datagram = record(22, DtlsRecognizer.VERSION_1_0, 40, 1);

        assertThat(recognizer.recognize(datagram, 0, datagram.readableBytes())).isTrue();
        assertThat(recognizer.isClientHello()).isTrue();
        assertThat(recognizer.version()).isEqualTo(DtlsRecognizer.VERSION_1_0);
    }

    @Test
    void severalWholeRecordsShouldBeDtls() {
        ByteBuf datagram = Unpooled.wrappedBuffer(record(22, DtlsRecognizer.VERSION_1_2, 30, 2),
                record(20, DtlsRecognizer.VERSION_1_2, 1, 1), record(23, DtlsRecognizer.VERSION_1_2, 60, 9));

        assertThat(recognizer.recognize(datagram, 0, datagram.readableBytes())).isTrue();
        assertThat(recognizer.recordCount()).isEqualTo(3);
        assertThat(recognizer.isClientHello()).isFalse();
    }

    @Test
    void tlsVersionOrOutOfRangeContentTypeShouldNotBeDtls() {
        ByteBuf tls = record(22, 0x0303, 10, 1);
        ByteBuf badType = record(30, DtlsRecognizer.VERSION_1_2, 10, 1);

        assertThat(recognizer.recognize(tls, 0, tls.readableBytes())).isFalse();
        assertThat(recognizer.recognize(badType, 0, badType.readableBytes())).isFalse();
    }

    @Test
    void recordCutShortShouldNotBeDtls() {
        ByteBuf datagram = record(22, DtlsRecognizer.VERSION_1_2, 40, 1);

        assertThat(recognizer.recognize(datagram, 0, datagram.readableBytes() - 1)).isFalse();
    }
}
