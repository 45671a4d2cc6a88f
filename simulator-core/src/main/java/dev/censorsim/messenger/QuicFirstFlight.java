package dev.censorsim.messenger;

import dev.censorsim.trace.TlsMessages;
import dev.censorsim.trace.UdpPayloads;
import io.netty.buffer.ByteBuf;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * The first flight of QUIC v1 and the server's answer to it, which is as much QUIC as the synthetic messenger speaks.
 *
 * <p>The client's Initial is the real thing (RFC 9000 §17.2.2, protected as RFC 9001 §5 says): a ClientHello with
 * the name's SNI and ALPN {@code h3} in a CRYPTO frame, padded to {@value #INITIAL_DATAGRAM_BYTES} bytes, so a
 * censor's QUIC recogniser, its SNI decryption and a "first datagram ≥ 1001 bytes" rule see what they would see from
 * a browser. The server answers it with a Retry (RFC 9000 §17.2.5) whose integrity tag (RFC 9001 §5.8) the client
 * checks against the connection ID it chose: proof that its Initial reached the server and the answer came back,
 * without a QUIC stack on either side.
 *
 * <pre>
 * Retry: 1111 xxxx | version (4) | DCID len | DCID (the client's SCID) | SCID len | SCID | token | tag (16)
 * tag = AES-128-GCM(K, N, plaintext = "", aad = ODCID len | ODCID | the Retry without its tag)
 * </pre>
 */
final class QuicFirstFlight {

    /** Chrome's first datagram size; RFC 9000 §14.1 asks for at least 1200. */
    static final int INITIAL_DATAGRAM_BYTES = 1250;
    static final int CONNECTION_ID_BYTES = 8;
    private static final int VERSION_1 = 0x00000001;
    private static final int TAG_BYTES = 16;
    private static final int TOKEN_BYTES = 16;
    /** RFC 9001 §5.8, QUIC version 1. */
    private static final byte[] RETRY_KEY = HexFormat.of().parseHex("be0c690b9f66575a1d766b54e368c84e");
    private static final byte[] RETRY_NONCE = HexFormat.of().parseHex("461599d35d632bf2239825bb");

    private QuicFirstFlight() {
    }

    /** A client Initial for {@code sni} from connection IDs {@code dcid} (the server's, chosen by the client) and {@code scid}. */
    static byte[] clientInitial(String sni, byte[] dcid, byte[] scid, Random random) {
        byte[] record = TlsMessages.clientHello(sni, List.of("h3"), false, random);
        byte[] clientHello = Arrays.copyOfRange(record, 5, record.length); // QUIC carries the handshake, no record
        return UdpPayloads.quicClientInitial(dcid, scid, clientHello, 0, INITIAL_DATAGRAM_BYTES);
    }

    /**
     * The connection IDs of a client Initial at {@code buf}'s readable bytes, as {dcid, scid}, or {@code null} when
     * it is not a QUIC v1 Initial of at least 1200 bytes (a client's first flight).
     */
    static byte[][] initialConnectionIds(ByteBuf buf) {
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        if (end - i < 1200 || (buf.getUnsignedByte(i) & 0xf0) != 0xc0 || buf.getInt(i + 1) != VERSION_1) {
            return null;
        }
        int dcidLength = buf.getUnsignedByte(i + 5);
        if (dcidLength > 20 || i + 6 + dcidLength >= end) {
            return null;
        }
        int scidLength = buf.getUnsignedByte(i + 6 + dcidLength);
        if (scidLength > 20 || i + 7 + dcidLength + scidLength > end) {
            return null;
        }
        byte[] dcid = new byte[dcidLength];
        byte[] scid = new byte[scidLength];
        buf.getBytes(i + 6, dcid);
        buf.getBytes(i + 7 + dcidLength, scid);
        return new byte[][] {dcid, scid};
    }

    /** Writes the Retry answering an Initial whose IDs were {@code originalDcid} and {@code clientScid}. */
    static void writeRetry(ByteBuf out, byte[] originalDcid, byte[] clientScid, Random random) {
        byte[] serverScid = new byte[CONNECTION_ID_BYTES];
        byte[] token = new byte[TOKEN_BYTES];
        random.nextBytes(serverScid);
        random.nextBytes(token);
        int start = out.writerIndex();
        out.writeByte(0xf0 | random.nextInt(16))
                .writeInt(VERSION_1)
                .writeByte(clientScid.length).writeBytes(clientScid)
                .writeByte(serverScid.length).writeBytes(serverScid)
                .writeBytes(token);
        byte[] packet = new byte[out.writerIndex() - start];
        out.getBytes(start, packet);
        out.writeBytes(integrityTag(originalDcid, packet, packet.length));
    }

    /**
     * Whether {@code buf}'s readable bytes are a Retry answering the Initial this client sent with {@code originalDcid}
     * and {@code clientScid}: long header of type Retry, version 1, addressed to {@code clientScid}, and a valid tag.
     */
    static boolean isRetryFor(ByteBuf buf, byte[] originalDcid, byte[] clientScid) {
        int length = buf.readableBytes();
        if (length < 7 + clientScid.length + TAG_BYTES) {
            return false;
        }
        byte[] packet = new byte[length];
        buf.getBytes(buf.readerIndex(), packet);
        if ((packet[0] & 0xf0) != 0xf0 || readInt(packet, 1) != VERSION_1 || packet[5] != clientScid.length
                || !Arrays.equals(packet, 6, 6 + clientScid.length, clientScid, 0, clientScid.length)) {
            return false;
        }
        byte[] expected = integrityTag(originalDcid, packet, length - TAG_BYTES);
        return MessageDigest.isEqual(expected, Arrays.copyOfRange(packet, length - TAG_BYTES, length));
    }

    private static int readInt(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    /** RFC 9001 §5.8: the tag over the Retry pseudo-packet, the first {@code length} bytes of {@code retry}. */
    static byte[] integrityTag(byte[] originalDcid, byte[] retry, int length) {
        byte[] pseudo = new byte[1 + originalDcid.length + length];
        pseudo[0] = (byte) originalDcid.length;
        System.arraycopy(originalDcid, 0, pseudo, 1, originalDcid.length);
        System.arraycopy(retry, 0, pseudo, 1 + originalDcid.length, length);
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(RETRY_KEY, "AES"), new GCMParameterSpec(128, RETRY_NONCE));
            gcm.updateAAD(pseudo);
            return gcm.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK must provide AES-GCM", e);
        }
    }
}
