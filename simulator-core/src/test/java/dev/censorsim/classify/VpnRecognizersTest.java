package dev.censorsim.classify;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The VPN recognisers on packets built field by field from each protocol's specification (the layouts in each
 * recogniser's Javadoc), with random keys and ciphertext where the protocol has them, and on near misses.
 */
class VpnRecognizersTest {

    private final SplittableRandom random = new SplittableRandom(17);
    private final WireGuardRecognizer wireGuard = new WireGuardRecognizer();
    private final OpenVpnRecognizer openVpn = new OpenVpnRecognizer();
    private final IpsecRecognizer ipsec = new IpsecRecognizer();
    private final L2tpRecognizer l2tp = new L2tpRecognizer();
    private final FullyEncryptedRecognizer fullyEncrypted = new FullyEncryptedRecognizer();
    private final FirstDatagramRecognizer first = new FirstDatagramRecognizer();

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** WireGuard message: type, three zero bytes, little-endian indexes, then random key material. */
    private ByteBuf wireGuardMessage(int type, int length) {
        ByteBuf b = Unpooled.buffer(length);
        b.writeByte(type).writeZero(3).writeIntLE(random.nextInt());
        b.writeBytes(randomBytes(length - 8));
        return b;
    }

    private boolean wg(ByteBuf b) {
        return wireGuard.recognize(b, b.readerIndex(), b.readableBytes());
    }

    @Test
    void wireGuardHandshakeMessagesShouldBeRecognisedByTypeAndExactSize() {
        assertThat(wg(wireGuardMessage(1, 148))).isTrue();
        assertThat(wireGuard.isHandshakeInitiation()).isTrue();
        assertThat(wg(wireGuardMessage(2, 92))).isTrue();
        assertThat(wireGuard.type()).isEqualTo(2);
        assertThat(wg(wireGuardMessage(3, 64))).isTrue();
        assertThat(wg(wireGuardMessage(4, 32))).as("keepalive").isTrue();
        assertThat(wg(wireGuardMessage(4, 32 + 16 * 80))).as("a 1280-byte inner packet").isTrue();
    }

    @Test
    void wireGuardNearMissesShouldNotBeWireGuard() {
        assertThat(wg(wireGuardMessage(1, 149))).as("initiation one byte long").isFalse();
        assertThat(wg(wireGuardMessage(2, 148))).as("response at the initiation's size").isFalse();
        assertThat(wg(wireGuardMessage(4, 40))).as("transport not 16-aligned").isFalse();
        assertThat(wg(wireGuardMessage(5, 148))).as("no type 5").isFalse();
        ByteBuf reserved = wireGuardMessage(1, 148);
        reserved.setByte(2, 1);
        assertThat(wg(reserved)).as("reserved byte set").isFalse();
        assertThat(wg(Unpooled.wrappedBuffer(randomBytes(148)))).isFalse();
    }

    /** An OpenVPN hard reset: opcode/key id, session id, optional tls-auth block, acks, message packet id. */
    private ByteBuf openVpnReset(int opcode, int hmac, boolean server) {
        ByteBuf b = Unpooled.buffer();
        b.writeByte(opcode << 3).writeLong(random.nextLong());
        if (hmac > 0) {
            b.writeBytes(randomBytes(hmac)).writeInt(1).writeInt(1_764_900_000);
        }
        if (server) {
            b.writeByte(1).writeInt(0).writeLong(random.nextLong());
        } else {
            b.writeByte(0);
        }
        b.writeInt(0);
        return b;
    }

    private boolean ovpn(ByteBuf b) {
        return openVpn.recognizeDatagram(b, b.readerIndex(), b.readableBytes());
    }

    @Test
    void openVpnResetsShouldBeRecognisedWithAndWithoutTlsAuth() {
        ByteBuf plain = openVpnReset(7, 0, false);
        assertThat(plain.readableBytes()).isEqualTo(14);
        assertThat(ovpn(plain)).isTrue();
        assertThat(openVpn.hmacLength()).isEqualTo(OpenVpnRecognizer.HMAC_NONE);
        assertThat(openVpn.isClientReset()).isTrue();
        assertThat(openVpn.sessionId()).isEqualTo(plain.getLong(1));

        for (int hmac : new int[] {16, 20, 32, 64}) {
            ByteBuf authed = openVpnReset(7, hmac, false);
            assertThat(ovpn(authed)).as("tls-auth with a %d-byte HMAC", hmac).isTrue();
            assertThat(openVpn.hmacLength()).isEqualTo(hmac);
        }
        ByteBuf v3 = openVpnReset(10, 20, false);
        assertThat(ovpn(v3)).isTrue();
        assertThat(openVpn.opcode()).isEqualTo(OpenVpnRecognizer.OPCODE_HARD_RESET_CLIENT_V3);
        ByteBuf serverReset = openVpnReset(8, 20, true);
        assertThat(ovpn(serverReset)).isTrue();
        assertThat(openVpn.isClientReset()).isFalse();
        assertThat(ovpn(openVpnReset(8, 0, true))).isTrue();
    }

    @Test
    void openVpnTlsCryptResetShouldBeRecognisedByItsReplayHeader() {
        ByteBuf b = Unpooled.buffer();
        b.writeByte(7 << 3).writeLong(random.nextLong()).writeInt(1).writeInt(1_764_900_000);
        b.writeBytes(randomBytes(32 + 5));
        assertThat(ovpn(b)).isTrue();
        assertThat(openVpn.hmacLength()).isEqualTo(OpenVpnRecognizer.TLS_CRYPT);
    }

    @Test
    void openVpnOverTcpShouldNeedItsLengthPrefix() {
        ByteBuf reset = openVpnReset(7, 20, false);
        ByteBuf framed = Unpooled.buffer().writeShort(reset.readableBytes()).writeBytes(reset.duplicate());
        assertThat(openVpn.recognizeStream(framed, 0, framed.readableBytes())).isTrue();
        ByteBuf wrongLength = framed.copy().setShort(0, reset.readableBytes() + 1);
        assertThat(openVpn.recognizeStream(wrongLength, 0, wrongLength.readableBytes())).isFalse();
        assertThat(openVpn.recognizeStream(reset, 0, reset.readableBytes())).as("no prefix").isFalse();
    }

    @Test
    void openVpnNearMissesShouldNotBeOpenVpn() {
        ByteBuf keyId = openVpnReset(7, 0, false);
        keyId.setByte(0, 7 << 3 | 1);
        assertThat(ovpn(keyId)).as("key id 1 on a reset").isFalse();
        ByteBuf control = openVpnReset(4, 0, false);
        assertThat(ovpn(control)).as("P_CONTROL_V1 does not open a session").isFalse();
        ByteBuf messageId = openVpnReset(7, 0, false);
        messageId.setInt(10, 5);
        assertThat(ovpn(messageId)).isFalse();
        ByteBuf big = Unpooled.buffer().writeBytes(openVpnReset(7, 0, false)).writeZero(1200);
        assertThat(ovpn(big)).as("1,200 bytes or more is QUIC's size, not a reset").isFalse();
    }

    /** An IKEv2 IKE_SA_INIT request header followed by {@code body} bytes of payloads. */
    private ByteBuf ikeSaInit(int body) {
        ByteBuf b = Unpooled.buffer();
        b.writeLong(random.nextLong() | 1).writeLong(0).writeByte(33).writeByte(0x20).writeByte(34).writeByte(0x08)
                .writeInt(0).writeInt(28 + body);
        b.writeBytes(randomBytes(body));
        return b;
    }

    @Test
    void ikeSaInitShouldBeIkev2OnPort500AndBehindTheNonEspMarkerOn4500() {
        ByteBuf ike = ikeSaInit(300);
        assertThat(ipsec.recognize(ike, 0, ike.readableBytes(), 500, 500)).isEqualTo(Protocol.IKEV2);
        assertThat(ipsec.exchangeType()).isEqualTo(IpsecRecognizer.EXCHANGE_IKE_SA_INIT);
        assertThat(ipsec.recognize(ike, 0, ike.readableBytes(), 40000, 51820)).as("not an IKE port")
                .isEqualTo(Protocol.UNKNOWN);
        ByteBuf natT = Unpooled.buffer().writeInt(0).writeBytes(ike.duplicate());
        assertThat(ipsec.recognize(natT, 0, natT.readableBytes(), 4500, 4500)).isEqualTo(Protocol.IKEV2);
        ByteBuf esp = Unpooled.buffer().writeInt(0x1234_5678).writeInt(1).writeBytes(randomBytes(64));
        assertThat(ipsec.recognize(esp, 0, esp.readableBytes(), 4500, 4500)).isEqualTo(Protocol.ESP);
        assertThat(ipsec.recognize(esp, 0, esp.readableBytes(), 500, 500)).as("ESP in UDP only on 4500")
                .isEqualTo(Protocol.UNKNOWN);
    }

    @Test
    void ikeWithWrongVersionOrLengthShouldNotBeIkev2() {
        ByteBuf v1 = ikeSaInit(100);
        v1.setByte(17, 0x10);
        ByteBuf badLength = ikeSaInit(100);
        badLength.setInt(24, 129);
        assertThat(ipsec.recognize(v1, 0, v1.readableBytes(), 500, 500)).isEqualTo(Protocol.UNKNOWN);
        assertThat(ipsec.recognize(badLength, 0, badLength.readableBytes(), 500, 500)).isEqualTo(Protocol.UNKNOWN);
    }

    @Test
    void l2tpControlAndDataMessagesShouldBeRecognisedOnPort1701() {
        // SCCRQ: T, L, S, version 2; length; tunnel 0, session 0, Ns 0, Nr 0; Message Type AVP (mandatory, 8 bytes).
        ByteBuf sccrq = Unpooled.buffer().writeShort(0xc802).writeShort(20).writeShort(0).writeShort(0)
                .writeShort(0).writeShort(0).writeShort(0x8008).writeShort(0).writeShort(0).writeShort(1);
        assertThat(l2tp.recognize(sccrq, 0, 20, 1701, 1701)).isTrue();
        assertThat(l2tp.isControl()).isTrue();
        assertThat(l2tp.version()).isEqualTo(2);
        ByteBuf data = Unpooled.buffer().writeShort(0x0002).writeShort(7).writeShort(9).writeBytes(randomBytes(40));
        assertThat(l2tp.recognize(data, 0, data.readableBytes(), 50000, 1701)).isTrue();
        assertThat(l2tp.recognize(sccrq, 0, 20, 50000, 1702)).as("not the L2TP port").isFalse();
        sccrq.setShort(2, 21);
        assertThat(l2tp.recognize(sccrq, 0, 20, 1701, 1701)).as("length disagrees").isFalse();
    }

    private boolean fe(byte[] bytes) {
        return fullyEncrypted.recognize(Unpooled.wrappedBuffer(bytes), 0, bytes.length);
    }

    @Test
    void randomFirstPacketShouldBeFullyEncrypted() {
        // A Shadowsocks AEAD first packet: 32-byte salt, then encrypted length and payload: all random to the eye.
        int hits = 0;
        for (int i = 0; i < 200; i++) {
            if (fe(randomBytes(random.nextInt(100, 600)))) {
                hits++;
            }
        }
        assertThat(hits).as("random packets of 100-600 bytes caught").isGreaterThan(190);
    }

    @Test
    void eachExemptionOfWuEtAlShouldApply() {
        byte[] lowEntropy = randomBytes(200);
        for (int i = 0; i < lowEntropy.length; i += 2) {
            lowEntropy[i] = 0;
        }
        assertThat(fe(lowEntropy)).as("Ex1: about 2 bits per byte").isFalse();
        byte[] highEntropy = new byte[200];
        java.util.Arrays.fill(highEntropy, (byte) 0xf7);
        assertThat(fe(highEntropy)).as("Ex1: 7 bits per byte").isFalse();

        byte[] prefix = randomBytes(200);
        System.arraycopy("SSH-2.".getBytes(StandardCharsets.US_ASCII), 0, prefix, 0, 6);
        assertThat(fe(prefix)).as("Ex2: six printable bytes first").isFalse();

        byte[] printable = randomBytes(200);
        for (int i = 0; i < 120; i++) {
            printable[i * 5 / 3] = (byte) (0x21 + random.nextInt(90));
        }
        printable[0] = 1;
        assertThat(fe(printable)).as("Ex3: more than half printable").isFalse();

        byte[] run = randomBytes(200);
        for (int i = 50; i < 71; i++) {
            run[i] = 'a';
        }
        assertThat(fe(run)).as("Ex4: 21 printable bytes in a row").isFalse();

        byte[] tls = randomBytes(200);
        tls[0] = 0x17;
        tls[1] = 0x03;
        tls[2] = 0x03;
        assertThat(fe(tls)).as("Ex5: TLS record header").isFalse();
    }

    @Test
    void firstDatagramOrderShouldNameEachVpn() {
        ByteBuf wgInit = wireGuardMessage(1, 148);
        assertThat(first.recognize(wgInit, 0, 148, 40000, 51820)).isEqualTo(Protocol.WIREGUARD);
        ByteBuf reset = openVpnReset(7, 20, false);
        assertThat(first.recognize(reset, 0, reset.readableBytes(), 40000, 1194)).isEqualTo(Protocol.OPENVPN);
        ByteBuf ike = ikeSaInit(200);
        assertThat(first.recognize(ike, 0, ike.readableBytes(), 500, 500)).isEqualTo(Protocol.IKEV2);
        ByteBuf noise = Unpooled.wrappedBuffer(randomBytes(300));
        noise.setByte(0, 0x35);
        assertThat(first.recognize(noise, 0, 300, 40000, 8388)).isEqualTo(Protocol.UNKNOWN);
    }

    @Test
    void firstSegmentShouldTellOpenVpnOverTcpFromFullyEncrypted() {
        FirstSegmentRecognizer segment = new FirstSegmentRecognizer();
        ByteBuf reset = openVpnReset(7, 0, false);
        ByteBuf framed = Unpooled.buffer().writeShort(reset.readableBytes()).writeBytes(reset);
        assertThat(segment.recognize(framed, 0, framed.readableBytes())).isEqualTo(Protocol.OPENVPN);
        ByteBuf shadowsocks = Unpooled.wrappedBuffer(randomBytes(120));
        shadowsocks.setByte(0, 0x02);
        assertThat(segment.recognize(shadowsocks, 0, 120)).isEqualTo(Protocol.FULLY_ENCRYPTED);
    }
}
