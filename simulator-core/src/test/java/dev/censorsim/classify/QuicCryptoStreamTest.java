package dev.censorsim.classify;

import dev.censorsim.trace.TlsMessages;
import dev.censorsim.trace.UdpPayloads;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class QuicCryptoStreamTest {

    private static final byte[] DCID = HexFormat.of().parseHex("8394c8f03e515708");
    private static final String NAME = "rr4---sn-4g5e6nzz.googlevideo.com";

    private final QuicInitialRecognizer recognizer = new QuicInitialRecognizer();
    private final QuicInitialDecryptor decryptor = new QuicInitialDecryptor();
    private final QuicCryptoStream stream = new QuicCryptoStream();

    /** A ClientHello handshake message (no record header) with an X25519MLKEM768 share: about 1.5 KB. */
    private static byte[] postQuantumHello() {
        byte[] record = TlsMessages.clientHello(NAME, List.of("h3"), false, true, new SplittableRandom(3));
        return Arrays.copyOfRange(record, 5, record.length);
    }

    private static byte[] frames(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private boolean offer(byte[] datagram) {
        ByteBuf buffer = Unpooled.wrappedBuffer(datagram);
        assertThat(recognizer.recognize(buffer, 0, datagram.length)).as("a QUIC v1 Initial").isTrue();
        return decryptor.decrypt(buffer, 0, recognizer, stream);
    }

    private String sni() {
        int length = stream.helloLength();
        TlsClientHelloParser parser = new TlsClientHelloParser();
        parser.offer(new byte[] {0x16, 3, 1, (byte) (length >>> 8), (byte) length}, 0, 5);
        assertThat(parser.offer(stream.data(), 0, length)).isEqualTo(TlsClientHelloParser.Status.COMPLETE);
        return parser.sniAsString();
    }

    @Test
    void postQuantumHelloShouldNeedTwoInitialsAndYieldItsSniFromBoth() {
        byte[] hello = postQuantumHello();
        List<byte[]> initials = UdpPayloads.quicClientInitials(DCID, new byte[0], hello, 1250, new SplittableRandom(1));

        assertThat(hello.length).as("ClientHello with a 1216-byte key share").isGreaterThan(1400);
        assertThat(initials).hasSize(2);
        assertThat(offer(initials.get(0))).isTrue();
        assertThat(stream.status()).as("after the first Initial").isEqualTo(QuicCryptoStream.Status.PENDING);
        assertThat(decryptor.decrypt(Unpooled.wrappedBuffer(initials.get(0)), 0, recognizer))
                .as("what a one-datagram box sees: a prefix only").isLessThan(hello.length);
        assertThat(offer(initials.get(1))).isTrue();
        assertThat(stream.status()).isEqualTo(QuicCryptoStream.Status.COMPLETE);
        assertThat(stream.initials()).isEqualTo(2);
        assertThat(sni()).isEqualTo(NAME);
    }

    @Test
    void secondInitialFirstShouldStillComplete() {
        List<byte[]> initials = UdpPayloads.quicClientInitials(DCID, new byte[8], postQuantumHello(), 1250,
                new SplittableRandom(2));

        offer(initials.get(1));
        assertThat(stream.status()).as("only the tail: a gap at offset 0").isEqualTo(QuicCryptoStream.Status.PENDING);
        assertThat(stream.contiguousLength()).isZero();
        offer(initials.get(0));

        assertThat(stream.status()).isEqualTo(QuicCryptoStream.Status.COMPLETE);
        assertThat(sni()).isEqualTo(NAME);
    }

    @Test
    void framesInAnyOrderWithPaddingPingAndAckBetweenShouldComplete() {
        byte[] hello = postQuantumHello();
        int third = hello.length / 3;
        // ACK: largest 5, delay 0, one more range (gap 1, length 0) after a first range of 2; then PING and PADDING.
        byte[] ack = {0x02, 0x05, 0x00, 0x01, 0x02, 0x01, 0x00};
        byte[] first = UdpPayloads.quicClientInitialFrames(DCID, new byte[0], frames(
                UdpPayloads.cryptoFrame(hello, 2 * third, hello.length - 2 * third), new byte[] {0x01, 0, 0, 0}, ack,
                UdpPayloads.cryptoFrame(hello, 0, 100)), 7, 1250);
        byte[] second = UdpPayloads.quicClientInitialFrames(DCID, new byte[0], frames(new byte[5],
                UdpPayloads.cryptoFrame(hello, 100, 2 * third - 100)), 8, 1250);

        assertThat(offer(first)).isTrue();
        assertThat(stream.contiguousLength()).isEqualTo(100);
        assertThat(offer(second)).isTrue();

        assertThat(stream.status()).isEqualTo(QuicCryptoStream.Status.COMPLETE);
        assertThat(sni()).isEqualTo(NAME);
    }

    @Test
    void duplicateFramesShouldNotRewriteBytesAlreadyRead() {
        byte[] hello = postQuantumHello();
        byte[] forged = hello.clone();
        Arrays.fill(forged, 0, 600, (byte) 'x');
        byte[] first = UdpPayloads.quicClientInitialFrames(DCID, new byte[0],
                UdpPayloads.cryptoFrame(hello, 0, 1000), 0, 1250);
        byte[] again = UdpPayloads.quicClientInitialFrames(DCID, new byte[0], frames(
                UdpPayloads.cryptoFrame(forged, 0, 600), UdpPayloads.cryptoFrame(hello, 1000, hello.length - 1000)),
                1, 1250);

        offer(first);
        offer(first);
        offer(again);

        assertThat(stream.status()).isEqualTo(QuicCryptoStream.Status.COMPLETE);
        assertThat(Arrays.copyOf(stream.data(), hello.length)).as("the first copy wins").isEqualTo(hello);
        assertThat(sni()).isEqualTo(NAME);
    }

    @Test
    void tooManyInitialsWithAGapShouldGiveUp() {
        byte[] hello = postQuantumHello();
        for (int i = 0; i < QuicCryptoStream.MAX_INITIALS; i++) {
            assertThat(stream.status()).isEqualTo(QuicCryptoStream.Status.PENDING);
            // Every Initial but the one with offset 0: the gap never fills.
            offer(UdpPayloads.quicClientInitialFrames(DCID, new byte[0],
                    UdpPayloads.cryptoFrame(hello, 10 + i * 100, 100), i, 1250));
        }

        assertThat(stream.status()).isEqualTo(QuicCryptoStream.Status.GAVE_UP);
    }

    @Test
    void dataBeyondTheBudgetShouldGiveUp() {
        byte[] big = new byte[QuicCryptoStream.DEFAULT_CAPACITY + 10];
        offer(UdpPayloads.quicClientInitialFrames(DCID, new byte[0],
                UdpPayloads.cryptoFrame(big, QuicCryptoStream.DEFAULT_CAPACITY - 10, 20), 0, 1250));

        assertThat(stream.status()).isEqualTo(QuicCryptoStream.Status.GAVE_UP);
    }

    @Test
    void streamNotStartingWithAClientHelloShouldSaySo() {
        byte[] serverHello = Arrays.copyOfRange(TlsMessages.serverHello(new SplittableRandom(1)), 5, 100);
        offer(UdpPayloads.quicClientInitialFrames(DCID, new byte[0], UdpPayloads.cryptoFrame(serverHello, 0, 95), 0,
                1250));

        assertThat(stream.status()).isEqualTo(QuicCryptoStream.Status.NOT_CLIENT_HELLO);
    }

    @Test
    void helloAnnouncingMoreThanTheBudgetShouldNotBeAClientHello() {
        byte[] header = {1, 0, 0x40, 0};
        offer(UdpPayloads.quicClientInitialFrames(DCID, new byte[0], UdpPayloads.cryptoFrame(header, 0, 4), 0, 1250));

        assertThat(stream.status()).as("16 KiB announced, 4 KiB budget").isEqualTo(QuicCryptoStream.Status.NOT_CLIENT_HELLO);
    }

    @Test
    void garbageInitialsShouldAddNothingAndNeverThrow() {
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 2_000; i++) {
            byte[] datagram = UdpPayloads.quicLong(0, DCID, new byte[0], random.nextInt(1200, 1400), random);
            ByteBuf buffer = Unpooled.wrappedBuffer(datagram);
            recognizer.recognize(buffer, 0, datagram.length);
            stream.reset();
            decryptor.decrypt(buffer, 0, recognizer, stream);
            assertThat(stream.status()).as("random Initial %d", i).isNotEqualTo(QuicCryptoStream.Status.COMPLETE);
        }
        // Random frames, decrypted for real: every layout of garbage CRYPTO frames must be absorbed without a throw.
        for (int i = 0; i < 2_000; i++) {
            byte[] frames = new byte[random.nextInt(1, 1100)];
            random.nextBytes(frames);
            frames[0] = (byte) (random.nextBoolean() ? 0x06 : frames[0]);
            stream.reset();
            offer(UdpPayloads.quicClientInitialFrames(DCID, new byte[0], frames, i, 1250));
            assertThat(stream.contiguousLength()).isBetween(0, stream.capacity());
        }
    }
}
