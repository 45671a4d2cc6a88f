package dev.censorsim.messenger.vpn;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What a UDP tunnel's packets look like on the wire: the handshake (one round trip that carries each side's X25519
 * public key) and the transport packets around a ChaCha20-Poly1305 box. One instance per session (it holds the
 * session's indexes). The layouts are those the classifier's recognisers read (see {@code WireGuardRecognizer},
 * {@code OpenVpnRecognizer}, {@code IpsecRecognizer}).
 */
abstract class UdpTunnelFormat {

    static UdpTunnelFormat of(VpnKind kind) {
        return switch (kind) {
            case WIREGUARD -> new WireGuard();
            case OPENVPN -> new OpenVpn();
            case IKEV2 -> new Ike();
            default -> throw new IllegalArgumentException(kind + " is not a UDP tunnel");
        };
    }

    /** The client's first packet. */
    abstract byte[] hello(byte[] clientPublic) throws GeneralSecurityException;

    /** The peer's public key in a client hello, or {@code null} when {@code packet} is none. */
    abstract byte[] helloPublic(byte[] packet, int length);

    /** The endpoint's answer to {@code hello}. */
    abstract byte[] reply(byte[] serverPublic, byte[] hello) throws GeneralSecurityException;

    /** The endpoint's public key in a reply, or {@code null} when {@code packet} is none. */
    abstract byte[] replyPublic(byte[] packet, int length);

    /** Bytes of header before the sealed box in a transport packet. */
    abstract int transportHeader();

    /** Writes the transport header for {@code counter} into {@code out}. */
    abstract void writeTransportHeader(byte[] out, long counter);

    /** The counter of a transport packet, or -1 when {@code packet} is not one. */
    abstract long transportCounter(byte[] packet, int length);

    /** The plaintext is padded to this multiple (WireGuard pads to 16, §5.4.6). */
    int padding() {
        return 1;
    }

    /** Sealing and opening ciphers: {@link #seal} runs under the session's send lock, {@link #open} on its receive thread. */
    private final javax.crypto.Cipher sealCipher = TunnelCrypto.chaCha20Poly1305();
    private final javax.crypto.Cipher openCipher = TunnelCrypto.chaCha20Poly1305();

    final byte[] seal(byte[] key, long counter, byte[] frame, int length) throws GeneralSecurityException {
        int padded = (length + padding() - 1) / padding() * padding();
        byte[] plain = padded == length ? frame : Arrays.copyOf(frame, padded);
        byte[] out = new byte[transportHeader() + padded + TunnelCrypto.TAG_LENGTH];
        writeTransportHeader(out, counter);
        TunnelCrypto.seal(sealCipher, key, counter, plain, 0, padded, out, transportHeader());
        return out;
    }

    /** The frame in a transport packet, or {@code null} when it is not one or does not authenticate. */
    final byte[] open(byte[] key, byte[] packet, int length) {
        long counter = transportCounter(packet, length);
        if (counter < 0) {
            return null;
        }
        try {
            return TunnelCrypto.open(openCipher, key, counter, packet, transportHeader(), length - transportHeader());
        } catch (GeneralSecurityException e) {
            return null;
        }
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    /**
     * WireGuard (whitepaper §5.4): initiation 148 bytes (type 1, sender, ephemeral, encrypted static 32+16, encrypted
     * timestamp 12+16, mac1, mac2), response 92 (type 2, sender, receiver, ephemeral, encrypted empty 0+16, mac1,
     * mac2), transport type 4 (receiver, counter, box). The encrypted fields are real ChaCha20-Poly1305 boxes (of a
     * random static key and a TAI64N time) under a key derived from the ephemeral key: there is no static-key
     * authentication, which only the peers could notice. mac1 is an HMAC over the message; mac2 zero (no cookie).
     */
    static final class WireGuard extends UdpTunnelFormat {
        private final int localIndex = ThreadLocalRandom.current().nextInt();
        private int remoteIndex;

        @Override
        byte[] hello(byte[] clientPublic) throws GeneralSecurityException {
            byte[] m = new byte[148];
            ByteBuffer b = le(m);
            b.put((byte) 1).put((byte) 0).putShort((short) 0).putInt(localIndex).put(clientPublic);
            byte[] key = TunnelCrypto.hkdf(new byte[0], clientPublic, "wg initiation", 32);
            TunnelCrypto.seal(key, 0, random(32), 0, 32, m, 40);
            byte[] tai64n = ByteBuffer.allocate(12).putLong(0x4000_0000_0000_000aL + System.currentTimeMillis() / 1000)
                    .putInt((int) (System.nanoTime() % 1_000_000_000)).array();
            TunnelCrypto.seal(key, 1, tai64n, 0, 12, m, 88);
            System.arraycopy(TunnelCrypto.hmac(key, m, 0, 116, 16), 0, m, 116, 16);
            return m;
        }

        @Override
        byte[] helloPublic(byte[] packet, int length) {
            if (length != 148 || packet[0] != 1) {
                return null;
            }
            remoteIndex = le(packet).getInt(4);
            return Arrays.copyOfRange(packet, 8, 40);
        }

        @Override
        byte[] reply(byte[] serverPublic, byte[] hello) throws GeneralSecurityException {
            byte[] m = new byte[92];
            le(m).put((byte) 2).put((byte) 0).putShort((short) 0).putInt(localIndex).putInt(remoteIndex)
                    .put(serverPublic);
            byte[] key = TunnelCrypto.hkdf(new byte[0], serverPublic, "wg response", 32);
            TunnelCrypto.seal(key, 0, new byte[0], 0, 0, m, 44);
            System.arraycopy(TunnelCrypto.hmac(key, m, 0, 60, 16), 0, m, 60, 16);
            return m;
        }

        @Override
        byte[] replyPublic(byte[] packet, int length) {
            if (length != 92 || packet[0] != 2) {
                return null;
            }
            remoteIndex = le(packet).getInt(4);
            return Arrays.copyOfRange(packet, 12, 44);
        }

        @Override
        int transportHeader() {
            return 16;
        }

        @Override
        int padding() {
            return 16;
        }

        @Override
        void writeTransportHeader(byte[] out, long counter) {
            le(out).put((byte) 4).put((byte) 0).putShort((short) 0).putInt(remoteIndex).putLong(counter);
        }

        @Override
        long transportCounter(byte[] packet, int length) {
            return length >= 32 && packet[0] == 4 ? le(packet).getLong(8) & Long.MAX_VALUE : -1;
        }
    }

    /**
     * OpenVPN over UDP ({@code ssl_pkt.h}): P_CONTROL_HARD_RESET_CLIENT_V2 with a tls-auth block (20-byte HMAC,
     * packet id 1, time), the client's key as the reset's payload; the server's P_CONTROL_HARD_RESET_SERVER_V2 acks it
     * and carries the server's key; then P_DATA_V2 (opcode 9, a 24-bit peer id, a 32-bit packet id, the AEAD box), the
     * layout of OpenVPN's AEAD data channel. Real OpenVPN runs a TLS handshake in P_CONTROL_V1 packets in between;
     * this tunnel skips it (a censor that keys on the resets sees the same).
     */
    static final class OpenVpn extends UdpTunnelFormat {
        private final long session = ThreadLocalRandom.current().nextLong();
        private long remoteSession;
        private final int peerId = ThreadLocalRandom.current().nextInt(1, 1 << 24);

        private byte[] reset(int opcode, boolean ack, byte[] key) throws GeneralSecurityException {
            ByteBuffer b = ByteBuffer.allocate(1 + 8 + 20 + 8 + (ack ? 13 : 1) + 4 + 32);
            b.put((byte) (opcode << 3)).putLong(session);
            int hmacAt = b.position();
            b.put(new byte[20]).putInt(1).putInt((int) (System.currentTimeMillis() / 1000));
            if (ack) {
                b.put((byte) 1).putInt(0).putLong(remoteSession);
            } else {
                b.put((byte) 0);
            }
            b.putInt(0).put(key);
            byte[] m = b.array();
            System.arraycopy(TunnelCrypto.hmac(key, m, hmacAt + 20, m.length - hmacAt - 20, 20), 0, m, hmacAt, 20);
            return m;
        }

        @Override
        byte[] hello(byte[] clientPublic) throws GeneralSecurityException {
            return reset(7, false, clientPublic);
        }

        @Override
        byte[] helloPublic(byte[] packet, int length) {
            if (length != 74 || (packet[0] & 0xff) != 7 << 3) {
                return null;
            }
            remoteSession = ByteBuffer.wrap(packet).getLong(1);
            return Arrays.copyOfRange(packet, length - 32, length);
        }

        @Override
        byte[] reply(byte[] serverPublic, byte[] hello) throws GeneralSecurityException {
            return reset(8, true, serverPublic);
        }

        @Override
        byte[] replyPublic(byte[] packet, int length) {
            if (length != 86 || (packet[0] & 0xff) != 8 << 3) {
                return null;
            }
            return Arrays.copyOfRange(packet, length - 32, length);
        }

        @Override
        int transportHeader() {
            return 8;
        }

        @Override
        void writeTransportHeader(byte[] out, long counter) {
            ByteBuffer.wrap(out).putInt(9 << 27 | peerId).putInt((int) counter);
        }

        @Override
        long transportCounter(byte[] packet, int length) {
            return length >= 8 + 16 && (packet[0] & 0xff) == 9 << 3
                    ? ByteBuffer.wrap(packet).getInt(4) & 0xffff_ffffL : -1;
        }
    }

    /**
     * IKEv2 (RFC 7296): IKE_SA_INIT request and response with SA (AES-GCM-16-256, PRF-HMAC-SHA2-256, group 31), KE
     * (group 31: the X25519 key) and Nonce payloads; then ESP (RFC 4303: SPI, sequence number, the box). Real IKEv2
     * moves to UDP 4500 and runs IKE_AUTH first; here the ESP packets follow on the same port. Recognisers key IKE
     * and ESP on ports 500 and 4500, so a tunnel to an endpoint on another port is not seen as IPsec.
     */
    static final class Ike extends UdpTunnelFormat {
        /** Header 28, SA 40 (one proposal of three transforms), KE 40, Nonce 36. */
        private static final int SA_INIT_LENGTH = 28 + 40 + 40 + 36;
        /** After the header, the SA payload and the KE payload's own 8 bytes (header, group, reserved). */
        private static final int KEY_OFFSET = 28 + 40 + 8;
        private final long spi = ThreadLocalRandom.current().nextLong() | 1;
        private long initiatorSpi;
        private final int espSpi = ThreadLocalRandom.current().nextInt(256, Integer.MAX_VALUE);

        private byte[] saInit(long initiator, long responder, boolean response, byte[] key) {
            byte[] transforms = ByteBuffer.allocate(28).put((byte) 3).put((byte) 0).putShort((short) 12).put((byte) 1)
                    .put((byte) 0).putShort((short) 20).putShort((short) 0x800e).putShort((short) 256)
                    .put((byte) 3).put((byte) 0).putShort((short) 8).put((byte) 2).put((byte) 0).putShort((short) 5)
                    .put((byte) 0).put((byte) 0).putShort((short) 8).put((byte) 4).put((byte) 0).putShort((short) 31)
                    .array();
            int proposal = 8 + transforms.length;
            int sa = 4 + proposal;
            int length = 28 + sa + 40 + 36;
            ByteBuffer b = ByteBuffer.allocate(length);
            b.putLong(initiator).putLong(responder).put((byte) 33).put((byte) 0x20).put((byte) 34)
                    .put((byte) (response ? 0x20 : 0x08)).putInt(0).putInt(length);
            b.put((byte) 34).put((byte) 0).putShort((short) sa)
                    .put((byte) 0).put((byte) 0).putShort((short) proposal).put((byte) 1).put((byte) 1).put((byte) 0)
                    .put((byte) 3).put(transforms);
            b.put((byte) 40).put((byte) 0).putShort((short) 40).putShort((short) 31).putShort((short) 0).put(key);
            b.put((byte) 0).put((byte) 0).putShort((short) 36).put(random(32));
            return b.array();
        }

        @Override
        byte[] hello(byte[] clientPublic) {
            return saInit(spi, 0, false, clientPublic);
        }

        @Override
        byte[] helloPublic(byte[] packet, int length) {
            if (length != SA_INIT_LENGTH || packet[18] != 34 || (packet[19] & 0x20) != 0) {
                return null;
            }
            initiatorSpi = ByteBuffer.wrap(packet).getLong(0);
            return Arrays.copyOfRange(packet, KEY_OFFSET, KEY_OFFSET + 32);
        }

        @Override
        byte[] reply(byte[] serverPublic, byte[] hello) {
            return saInit(initiatorSpi, spi, true, serverPublic);
        }

        @Override
        byte[] replyPublic(byte[] packet, int length) {
            if (length != SA_INIT_LENGTH || packet[18] != 34 || (packet[19] & 0x20) == 0) {
                return null;
            }
            return Arrays.copyOfRange(packet, KEY_OFFSET, KEY_OFFSET + 32);
        }

        @Override
        int transportHeader() {
            return 8;
        }

        @Override
        void writeTransportHeader(byte[] out, long counter) {
            ByteBuffer.wrap(out).putInt(espSpi).putInt((int) counter);
        }

        @Override
        long transportCounter(byte[] packet, int length) {
            return length >= 8 + 16 && ByteBuffer.wrap(packet).getInt(0) != 0
                    ? ByteBuffer.wrap(packet).getInt(4) & 0xffff_ffffL : -1;
        }
    }
}
