package dev.censorsim.call;

import dev.censorsim.classify.StunRecognizer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StunBindingTest {

    /** RFC 5769 §2.1 sample request (SOFTWARE "STUN test client", PRIORITY, ICE-CONTROLLED, USERNAME,
     *  MESSAGE-INTEGRITY, FINGERPRINT 0xe57a3bcf); its padding is 0x20, as the RFC's is. */
    private static final String RFC5769_REQUEST = "000100582112a442b7e7a701bc34d686fa87dfae"
            + "802200105354554e207465737420636c69656e74"
            + "002400046e0001ff80290008932ff9b151263b36"
            + "000600096576746a3a68367659202020"
            + "000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a2"
            + "80280004e57a3bcf";
    /** RFC 5769 §2.2 sample IPv4 response: XOR-MAPPED-ADDRESS 192.0.2.1:32853. */
    private static final String RFC5769_IPV4_RESPONSE = "0101003c2112a442b7e7a701bc34d686fa87dfae"
            + "8022000b7465737420766563746f7220"
            + "002000080001a147e112a643"
            + "000800142b91f599fd9e90c38c7489f92af9ba53f06be7d7"
            + "80280004c07d4c96";
    /** RFC 5769 §2.3 sample IPv6 response: XOR-MAPPED-ADDRESS [2001:db8:1234:5678:11:2233:4455:6677]:32853. */
    private static final String RFC5769_IPV6_RESPONSE = "010100482112a442b7e7a701bc34d686fa87dfae"
            + "8022000b7465737420766563746f7220"
            + "002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d9"
            + "00080014a382954e4be67bf11784c97c8292c275bfe3ed41"
            + "80280004c8fb0b4c";
    private static final byte[] RFC5769_TRANSACTION = ByteBufUtil.decodeHexDump("b7e7a701bc34d686fa87dfae");

    private final SplittableRandom random = new SplittableRandom(8489);
    private final StunRecognizer recognizer = new StunRecognizer();

    private static ByteBuf hex(String hex) {
        return Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(hex));
    }

    private byte[] transactionId() {
        byte[] id = new byte[StunBinding.TRANSACTION_ID_BYTES];
        random.nextBytes(id);
        return id;
    }

    @Test
    void rfc5769SampleRequestShouldHaveAValidFingerprint() {
        ByteBuf request = hex(RFC5769_REQUEST);
        byte[] tx = new byte[12];

        assertThat(request.readableBytes()).isEqualTo(108);
        assertThat(StunBinding.fingerprintValid(request)).as("CRC-32 ^ 0x5354554e over the first 100 bytes").isTrue();
        assertThat(StunBinding.readType(request, tx)).isEqualTo(StunBinding.BINDING_REQUEST);
        assertThat(tx).isEqualTo(RFC5769_TRANSACTION);
        assertThat(StunBinding.readXorMappedAddress(request)).as("a request carries no mapped address").isNull();
    }

    @Test
    void rfc5769SampleResponsesShouldDecodeTheirMappedAddresses() throws UnknownHostException {
        ByteBuf v4 = hex(RFC5769_IPV4_RESPONSE);
        ByteBuf v6 = hex(RFC5769_IPV6_RESPONSE);

        assertThat(StunBinding.fingerprintValid(v4)).isTrue();
        assertThat(StunBinding.fingerprintValid(v6)).isTrue();
        assertThat(StunBinding.readType(v4, null)).isEqualTo(StunBinding.BINDING_SUCCESS);
        assertThat(StunBinding.readXorMappedAddress(v4))
                .isEqualTo(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 32853));
        assertThat(StunBinding.readXorMappedAddress(v6))
                .isEqualTo(new InetSocketAddress(InetAddress.getByName("2001:db8:1234:5678:11:2233:4455:6677"), 32853));
    }

    @Test
    void requestShouldRoundTrip() {
        byte[] tx = transactionId();
        ByteBuf out = Unpooled.buffer();
        try {
            StunBinding.writeRequest(out, tx);
            byte[] read = new byte[12];

            assertThat(out.readableBytes()).as("header + SOFTWARE(4 + 12) + FINGERPRINT(8)").isEqualTo(44);
            assertThat(StunBinding.readType(out, read)).isEqualTo(0x0001);
            assertThat(read).isEqualTo(tx);
            assertThat(StunBinding.fingerprintValid(out)).isTrue();
            assertThat(ByteBufUtil.hexDump(out, 20, 16))
                    .as("SOFTWARE carries 'censorsim' padded with zeros")
                    .isEqualTo("80220009" + ByteBufUtil.hexDump("censorsim".getBytes()) + "000000");
            assertThat(out.readerIndex()).as("readers do not move indexes").isZero();
        } finally {
            out.release();
        }
    }

    @Test
    void successShouldRoundTripIpv4() throws UnknownHostException {
        assertSuccessRoundTrip(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 40_001), 20 + 12 + 8);
        assertSuccessRoundTrip(new InetSocketAddress(InetAddress.getByName("198.51.100.255"), 0), 20 + 12 + 8);
        assertSuccessRoundTrip(new InetSocketAddress(InetAddress.getByName("255.255.255.255"), 65_535), 20 + 12 + 8);
    }

    @Test
    void successShouldRoundTripIpv6() throws UnknownHostException {
        assertSuccessRoundTrip(new InetSocketAddress(InetAddress.getByName("::1"), 3478), 20 + 24 + 8);
        assertSuccessRoundTrip(new InetSocketAddress(InetAddress.getByName("2001:db8::ff00:42:8329"), 61_000),
                20 + 24 + 8);
    }

    private void assertSuccessRoundTrip(InetSocketAddress mapped, int expectedLength) {
        byte[] tx = transactionId();
        ByteBuf out = Unpooled.buffer();
        try {
            StunBinding.writeSuccess(out, tx, mapped);
            byte[] read = new byte[12];

            assertThat(out.readableBytes()).isEqualTo(expectedLength);
            assertThat(StunBinding.readType(out, read)).isEqualTo(0x0101);
            assertThat(read).isEqualTo(tx);
            assertThat(StunBinding.readXorMappedAddress(out)).isEqualTo(mapped);
            assertThat(StunBinding.fingerprintValid(out)).isTrue();
        } finally {
            out.release();
        }
    }

    @Test
    void writtenAddressShouldBeXoredOnTheWire() throws UnknownHostException {
        ByteBuf out = Unpooled.buffer();
        try {
            StunBinding.writeSuccess(out, RFC5769_TRANSACTION,
                    new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 32853));

            assertThat(ByteBufUtil.hexDump(out, 20, 12)).as("the same attribute as RFC 5769 §2.2")
                    .isEqualTo("002000080001a147e112a643");
        } finally {
            out.release();
        }
    }

    @Test
    void messagesShouldBeReadAtTheReaderIndexOfAnyBufferKind() throws UnknownHostException {
        InetSocketAddress mapped = new InetSocketAddress(InetAddress.getByName("::1"), 5004);
        ByteBuf direct = Unpooled.directBuffer();
        try {
            direct.writeBytes(new byte[] {1, 2, 3});
            direct.skipBytes(3);
            StunBinding.writeSuccess(direct, transactionId(), mapped);

            assertThat(direct.hasArray()).isFalse();
            assertThat(StunBinding.readType(direct, null)).isEqualTo(StunBinding.BINDING_SUCCESS);
            assertThat(StunBinding.readXorMappedAddress(direct)).isEqualTo(mapped);
            assertThat(StunBinding.fingerprintValid(direct)).isTrue();
            assertThat(direct.readerIndex()).isEqualTo(3);
        } finally {
            direct.release();
        }
    }

    @Test
    void stunRecognizerShouldRecogniseWhatIsWritten() throws UnknownHostException {
        ByteBuf request = Unpooled.buffer();
        ByteBuf v4 = Unpooled.buffer();
        ByteBuf v6 = Unpooled.buffer();
        try {
            StunBinding.writeRequest(request, transactionId());
            StunBinding.writeSuccess(v4, transactionId(), new InetSocketAddress(InetAddress.getByName("10.1.2.3"), 9));
            StunBinding.writeSuccess(v6, transactionId(), new InetSocketAddress(InetAddress.getByName("::1"), 9));

            assertThat(recognizer.recognize(request, 0, request.readableBytes())).isTrue();
            assertThat(recognizer.messageType()).isEqualTo(StunRecognizer.BINDING_REQUEST);
            assertThat(recognizer.messageClass()).as("request").isZero();
            assertThat(recognizer.attributeCount()).as("SOFTWARE, FINGERPRINT").isEqualTo(2);
            assertThat(recognizer.recognize(v4, 0, v4.readableBytes())).isTrue();
            assertThat(recognizer.messageClass()).as("success response").isEqualTo(2);
            assertThat(recognizer.recognize(v6, 0, v6.readableBytes())).isTrue();
            assertThat(recognizer.hasWhatsAppHint()).isFalse();
        } finally {
            request.release();
            v4.release();
            v6.release();
        }
    }

    @Test
    void anyChangedByteShouldInvalidateTheFingerprint() {
        byte[] request = ByteBufUtil.decodeHexDump(RFC5769_REQUEST);
        for (int i = 0; i < request.length; i++) {
            byte[] changed = request.clone();
            changed[i] ^= 0x01;
            assertThat(StunBinding.fingerprintValid(Unpooled.wrappedBuffer(changed))).as("byte %d flipped", i)
                    .isFalse();
        }
    }

    @Test
    void fingerprintThatIsNotLastShouldNotCount() {
        // The RFC 5769 request with its FINGERPRINT moved before a trailing 4-byte attribute.
        ByteBuf valid = hex(RFC5769_REQUEST);
        ByteBuf moved = Unpooled.buffer();
        moved.writeBytes(valid, 0, 100);
        moved.setShort(2, 0x58 + 8);
        moved.writeBytes(valid, 100, 8);
        moved.writeInt(0x00240004).writeInt(0);

        assertThat(StunBinding.readType(moved, null)).isEqualTo(StunBinding.BINDING_REQUEST);
        assertThat(StunBinding.fingerprintValid(moved)).isFalse();
    }

    @Test
    void messageWithoutFingerprintShouldNotBeValid() {
        ByteBuf bare = hex("000100002112a442" + "b7e7a701bc34d686fa87dfae");

        assertThat(StunBinding.readType(bare, null)).isEqualTo(StunBinding.BINDING_REQUEST);
        assertThat(StunBinding.fingerprintValid(bare)).isFalse();
        assertThat(StunBinding.readXorMappedAddress(bare)).isNull();
    }

    @Test
    void malformedHeadersShouldReadAsMinusOne() {
        byte[] valid = ByteBufUtil.decodeHexDump(RFC5769_IPV4_RESPONSE);
        byte[] topBits = valid.clone();
        topBits[0] |= 0x40;
        byte[] cookie = valid.clone();
        cookie[5] = 0;
        byte[] oddLength = valid.clone();
        oddLength[3] = 0x3d;
        byte[] longer = Arrays.copyOf(valid, valid.length + 4);
        byte[] overrun = valid.clone();
        overrun[23] = 0x40;
        byte[] tx = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};

        for (byte[] bad : new byte[][] {topBits, cookie, oddLength, longer, overrun}) {
            assertThat(StunBinding.readType(Unpooled.wrappedBuffer(bad), tx)).isEqualTo(-1);
            assertThat(StunBinding.readXorMappedAddress(Unpooled.wrappedBuffer(bad))).isNull();
            assertThat(StunBinding.fingerprintValid(Unpooled.wrappedBuffer(bad))).isFalse();
        }
        assertThat(tx).as("txOut is only written for a well-formed message").containsOnly(9);
    }

    @Test
    void malformedMappedAddressShouldReadAsNull() {
        byte[] badFamily = ByteBufUtil.decodeHexDump(RFC5769_IPV4_RESPONSE);
        // XOR-MAPPED-ADDRESS follows the 16-byte SOFTWARE attribute: value at 40, family at 41.
        badFamily[41] = 0x02;
        byte[] unknownFamily = ByteBufUtil.decodeHexDump(RFC5769_IPV4_RESPONSE);
        unknownFamily[41] = 0x03;

        assertThat(StunBinding.readType(Unpooled.wrappedBuffer(badFamily), null)).isEqualTo(0x0101);
        assertThat(StunBinding.readXorMappedAddress(Unpooled.wrappedBuffer(badFamily))).isNull();
        assertThat(StunBinding.readXorMappedAddress(Unpooled.wrappedBuffer(unknownFamily))).isNull();
    }

    @Test
    void everyTruncationShouldBeRejectedQuietly() {
        byte[] valid = ByteBufUtil.decodeHexDump(RFC5769_IPV6_RESPONSE);
        for (int length = 0; length < valid.length; length++) {
            ByteBuf truncated = Unpooled.wrappedBuffer(valid, 0, length);
            assertThat(StunBinding.readType(truncated, new byte[12])).as("%d bytes", length).isEqualTo(-1);
            assertThat(StunBinding.readXorMappedAddress(truncated)).isNull();
            assertThat(StunBinding.fingerprintValid(truncated)).isFalse();
        }
    }

    @Test
    void randomAndMutatedInputShouldNeverThrow() {
        byte[][] seeds = {
                ByteBufUtil.decodeHexDump(RFC5769_REQUEST),
                ByteBufUtil.decodeHexDump(RFC5769_IPV4_RESPONSE),
                ByteBufUtil.decodeHexDump(RFC5769_IPV6_RESPONSE),
        };
        byte[] tx = new byte[12];
        int wellFormed = 0;
        for (int round = 0; round < 5000; round++) {
            byte[] input;
            if (round % 2 == 0) {
                input = new byte[random.nextInt(0, 120)];
                random.nextBytes(input);
                if (input.length >= 8 && random.nextBoolean()) {
                    // A valid cookie and a matching length, so the attribute walk gets garbage to chew on.
                    input[0] &= 0x3f;
                    int body = (input.length - 20) & ~3;
                    if (body >= 0) {
                        input = Arrays.copyOf(input, 20 + body);
                        input[2] = (byte) (body >>> 8);
                        input[3] = (byte) body;
                    }
                    input[4] = 0x21;
                    input[5] = 0x12;
                    input[6] = (byte) 0xa4;
                    input[7] = 0x42;
                }
            } else {
                input = seeds[random.nextInt(seeds.length)].clone();
                int flips = random.nextInt(1, 4);
                for (int f = 0; f < flips; f++) {
                    input[random.nextInt(input.length)] = (byte) random.nextInt(256);
                }
                if (random.nextInt(4) == 0) {
                    input = Arrays.copyOf(input, random.nextInt(input.length + 8));
                }
            }
            ByteBuf buf = Unpooled.wrappedBuffer(input);
            int type = StunBinding.readType(buf, tx);
            InetSocketAddress mapped = StunBinding.readXorMappedAddress(buf);
            boolean fingerprint = StunBinding.fingerprintValid(buf);
            if (type >= 0) {
                wellFormed++;
                assertThat(recognizer.recognize(buf, 0, input.length) || (type & 0x3eef) == 0
                        || (type & 0x3eef) > 0x0c).as("what reads as STUN, the recogniser calls STUN").isTrue();
            } else {
                assertThat(mapped).isNull();
                assertThat(fingerprint).isFalse();
            }
        }
        assertThat(wellFormed).as("the fuzz also reaches the attribute parsers").isGreaterThan(100);
    }

    @Test
    void callerMistakesShouldBeRejectedLoudly() {
        ByteBuf out = Unpooled.buffer();
        try {
            assertThatThrownBy(() -> StunBinding.writeRequest(out, new byte[11]))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> StunBinding.writeSuccess(out, new byte[12],
                    InetSocketAddress.createUnresolved("example.invalid", 1)))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> StunBinding.readType(out, new byte[4]))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(out.writerIndex()).as("nothing half-written").isZero();
        } finally {
            out.release();
        }
    }
}
