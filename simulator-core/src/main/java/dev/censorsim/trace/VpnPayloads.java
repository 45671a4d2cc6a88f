package dev.censorsim.trace;

import java.util.random.RandomGenerator;

/**
 * Well-formed VPN packets for the trace, laid out as each protocol's specification says, with random bytes where the
 * real ones are keys, MACs or ciphertext: WireGuard (whitepaper §5.4), OpenVPN control and data packets
 * ({@code ssl_pkt.h}), IKEv2 IKE_SA_INIT with SA, KE and Nonce payloads (RFC 7296 §3), and a Shadowsocks-style
 * AEAD stream (salt, then encrypted chunks: random to the eye). The recognisers' Javadoc has the layouts.
 */
public final class VpnPayloads {

    public static final int WIREGUARD_PORT = 51820;
    public static final int OPENVPN_PORT = 1194;
    public static final int IKE_PORT = 500;
    public static final int SHADOWSOCKS_PORT = 8388;

    private VpnPayloads() {
    }

    /** WireGuard handshake initiation: 148 bytes, type 1, sender index little-endian. */
    public static byte[] wireGuardInitiation(int sender, RandomGenerator random) {
        return new TlsMessages.Bytes().u8(1).u8(0).u16(0).u32(Integer.reverseBytes(sender))
                .raw(TlsMessages.randomBytes(random, 148 - 8)).toArray();
    }

    /** WireGuard handshake response: 92 bytes, type 2, sender and receiver indexes. */
    public static byte[] wireGuardResponse(int sender, int receiver, RandomGenerator random) {
        return new TlsMessages.Bytes().u8(2).u8(0).u16(0).u32(Integer.reverseBytes(sender))
                .u32(Integer.reverseBytes(receiver)).raw(TlsMessages.randomBytes(random, 92 - 12)).toArray();
    }

    /** WireGuard transport data carrying {@code innerLength} bytes (padded to 16), counter little-endian. */
    public static byte[] wireGuardData(int receiver, long counter, int innerLength, RandomGenerator random) {
        int padded = (innerLength + 15) / 16 * 16;
        return new TlsMessages.Bytes().u8(4).u8(0).u16(0).u32(Integer.reverseBytes(receiver))
                .u32(Integer.reverseBytes((int) counter)).u32(Integer.reverseBytes((int) (counter >>> 32)))
                .raw(TlsMessages.randomBytes(random, padded + 16)).toArray();
    }

    /**
     * An OpenVPN control packet: {@code opcode}, session id, a tls-auth block when {@code hmac > 0} (HMAC, replay
     * packet id, time), the ack array (one ack of {@code ackedId} naming {@code remoteSession} when
     * {@code ackedId >= 0}), the message packet id unless it is a P_ACK_V1 (opcode 5), then {@code payload}.
     */
    public static byte[] openVpnControl(int opcode, long session, int hmac, int replayId, int ackedId,
                                        long remoteSession, int messageId, byte[] payload, RandomGenerator random) {
        TlsMessages.Bytes b = new TlsMessages.Bytes().u8(opcode << 3).u32((int) (session >>> 32)).u32((int) session);
        if (hmac > 0) {
            b.raw(TlsMessages.randomBytes(random, hmac)).u32(replayId).u32(1_764_900_000 + replayId);
        }
        if (ackedId >= 0) {
            b.u8(1).u32(ackedId).u32((int) (remoteSession >>> 32)).u32((int) remoteSession);
        } else {
            b.u8(0);
        }
        if (opcode != 5) {
            b.u32(messageId);
        }
        return b.raw(payload).toArray();
    }

    /** An OpenVPN P_DATA_V2 packet: opcode 9, key id 0, a 24-bit peer id, then the encrypted packet. */
    public static byte[] openVpnData(int peerId, int length, RandomGenerator random) {
        return new TlsMessages.Bytes().u8(9 << 3).u8(peerId >>> 16).u16(peerId)
                .raw(TlsMessages.randomBytes(random, length)).toArray();
    }

    /** {@code packet} behind OpenVPN's TCP framing: a 2-byte length. */
    public static byte[] openVpnTcp(byte[] packet) {
        return new TlsMessages.Bytes().u16(packet.length).raw(packet).toArray();
    }

    /**
     * An IKEv2 IKE_SA_INIT message (RFC 7296 §1.2): header, then SA (one IKE proposal: AES-GCM-16 with a 256-bit key,
     * PRF HMAC-SHA2-256, DH group 31), KE (group 31, a 32-byte X25519 share) and Nonce (32 bytes) payloads.
     */
    public static byte[] ikeSaInit(long initiatorSpi, long responderSpi, boolean response, RandomGenerator random) {
        TlsMessages.Bytes transforms = new TlsMessages.Bytes()
                // Transform substructure (§3.3.2): last/more, reserved, length, type, reserved, id, attributes.
                .u8(3).u8(0).u16(12).u8(1).u8(0).u16(20).u16(0x800e).u16(256)
                .u8(3).u8(0).u16(8).u8(2).u8(0).u16(5)
                .u8(0).u8(0).u16(8).u8(4).u8(0).u16(31);
        byte[] t = transforms.toArray();
        // Proposal substructure (§3.3.1): last, reserved, length, number, protocol 1 (IKE), SPI size 0, transforms.
        byte[] proposal = new TlsMessages.Bytes().u8(0).u8(0).u16(8 + t.length).u8(1).u8(1).u8(0).u8(3).raw(t)
                .toArray();
        byte[] sa = new TlsMessages.Bytes().u8(34).u8(0).u16(4 + proposal.length).raw(proposal).toArray();
        byte[] ke = new TlsMessages.Bytes().u8(40).u8(0).u16(8 + 32).u16(31).u16(0)
                .raw(TlsMessages.randomBytes(random, 32)).toArray();
        byte[] nonce = new TlsMessages.Bytes().u8(0).u8(0).u16(4 + 32).raw(TlsMessages.randomBytes(random, 32))
                .toArray();
        int length = 28 + sa.length + ke.length + nonce.length;
        return new TlsMessages.Bytes().u32((int) (initiatorSpi >>> 32)).u32((int) initiatorSpi)
                .u32((int) (responderSpi >>> 32)).u32((int) responderSpi)
                .u8(33).u8(0x20).u8(34).u8(response ? 0x20 : 0x08).u32(0).u32(length)
                .raw(sa).raw(ke).raw(nonce).toArray();
    }

    /**
     * An IKEv2 IKE_AUTH message whose only payload is the Encrypted and Authenticated payload (RFC 7296 §3.14):
     * IV, ciphertext and ICV, {@code bodyLength} random bytes in all.
     */
    public static byte[] ikeAuth(long initiatorSpi, long responderSpi, boolean response, int bodyLength,
                                 RandomGenerator random) {
        int skLength = 4 + bodyLength;
        return new TlsMessages.Bytes().u32((int) (initiatorSpi >>> 32)).u32((int) initiatorSpi)
                .u32((int) (responderSpi >>> 32)).u32((int) responderSpi)
                .u8(46).u8(0x20).u8(35).u8(response ? 0x20 : 0x08).u32(1).u32(28 + skLength)
                .u8(response ? 36 : 35).u8(0).u16(skLength).raw(TlsMessages.randomBytes(random, bodyLength))
                .toArray();
    }

    /**
     * A Shadowsocks AEAD client's first packet (SIP004: a salt, then an encrypted 2-byte length with its tag, then
     * the encrypted target address and data with theirs): {@code length} random bytes, the first one above 0x7f
     * (never printable, never a TLS or OpenVPN length prefix) and redrawn until fewer than 45% are printable, so the
     * ground truth is certain.
     */
    public static byte[] shadowsocksFirst(int length, RandomGenerator random) {
        while (true) {
            byte[] b = TlsMessages.randomBytes(random, length);
            b[0] = (byte) (0x80 | b[0]);
            int printable = 0;
            for (byte x : b) {
                if (x >= 0x20 && x <= 0x7e) {
                    printable++;
                }
            }
            if (printable * 100 < 45 * length) {
                return b;
            }
        }
    }
}
