package dev.censorsim.trace;

import java.nio.charset.StandardCharsets;
import java.util.random.RandomGenerator;

/**
 * Well-formed UDP payloads for the trace: QUIC v1 long and short header packets (RFC 9000 §17), STUN (RFC 8489 §5),
 * RTP and RTCP (RFC 3550 §5.1, §6.4.1), DNS (RFC 1035 §4.1). Encrypted parts are random bytes, as on the wire.
 */
public final class UdpPayloads {

    private UdpPayloads() {
    }

    /**
     * A QUIC v1 long-header packet of type {@code type} (0 Initial, 2 Handshake) padded to {@code datagramLength}
     * bytes, with an empty token for Initials and a 4-byte packet number.
     */
    public static byte[] quicLong(int type, byte[] dcid, byte[] scid, int datagramLength, RandomGenerator random) {
        TlsMessages.Bytes header = new TlsMessages.Bytes();
        header.u8(0xc0 | type << 4 | 0x03).u32(1).u8(dcid.length).raw(dcid).u8(scid.length).raw(scid);
        if (type == 0) {
            header.u8(0);
        }
        int remaining = datagramLength - header.size() - 2;
        if (remaining < 20 || remaining > 0x3fff) {
            throw new IllegalArgumentException("datagram length " + datagramLength + " out of range");
        }
        header.u16(0x4000 | remaining).raw(TlsMessages.randomBytes(random, remaining));
        return header.toArray();
    }

    /**
     * A client's first QUIC v1 Initial, protected exactly as RFC 9001 §5 says (so tshark and censors can decrypt it):
     * a CRYPTO frame with {@code clientHello} (a TLS handshake message, no record header) at offset 0, PADDING up to
     * {@code datagramLength}, AES-128-GCM with the keys of {@code dcid}, then header protection.
     */
    public static byte[] quicClientInitial(byte[] dcid, byte[] scid, byte[] clientHello, int packetNumber,
                                           int datagramLength) {
        TlsMessages.Bytes header = new TlsMessages.Bytes();
        header.u8(0xc3).u32(1).u8(dcid.length).raw(dcid).u8(scid.length).raw(scid).u8(0);
        int pnOffset = header.size() + 2;
        int payloadLength = datagramLength - pnOffset - 4 - 16;
        TlsMessages.Bytes frames = new TlsMessages.Bytes();
        frames.u8(0x06).u8(0).u16(0x4000 | clientHello.length).raw(clientHello);
        if (frames.size() > payloadLength || payloadLength + 4 + 16 > 0x3fff) {
            throw new IllegalArgumentException("ClientHello of " + clientHello.length + " bytes does not fit "
                    + datagramLength);
        }
        byte[] plaintext = java.util.Arrays.copyOf(frames.toArray(), payloadLength);
        header.u16(0x4000 | (4 + payloadLength + 16)).u32(packetNumber);
        byte[] aad = header.toArray();
        try {
            dev.censorsim.classify.QuicInitialKeys keys = dev.censorsim.classify.QuicInitialKeys.client(dcid);
            byte[] nonce = keys.iv().clone();
            for (int i = 0; i < 4; i++) {
                nonce[11 - i] ^= (byte) (packetNumber >>> (8 * i));
            }
            javax.crypto.Cipher aead = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
            aead.init(javax.crypto.Cipher.ENCRYPT_MODE, new javax.crypto.spec.SecretKeySpec(keys.key(), "AES"),
                    new javax.crypto.spec.GCMParameterSpec(128, nonce));
            aead.updateAAD(aad);
            byte[] sealed = aead.doFinal(plaintext);
            byte[] packet = new byte[aad.length + sealed.length];
            System.arraycopy(aad, 0, packet, 0, aad.length);
            System.arraycopy(sealed, 0, packet, aad.length, sealed.length);
            javax.crypto.Cipher ecb = javax.crypto.Cipher.getInstance("AES/ECB/NoPadding");
            ecb.init(javax.crypto.Cipher.ENCRYPT_MODE, new javax.crypto.spec.SecretKeySpec(keys.hp(), "AES"));
            byte[] mask = ecb.doFinal(packet, pnOffset + 4, 16);
            packet[0] ^= (byte) (mask[0] & 0x0f);
            for (int i = 0; i < 4; i++) {
                packet[pnOffset + i] ^= mask[1 + i];
            }
            return packet;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("the JDK must provide AES-GCM, AES-ECB and HmacSHA256", e);
        }
    }

    /** A QUIC short-header (1-RTT) packet: fixed bit set, key phase and packet number protected. */
    public static byte[] quicShort(byte[] dcid, int datagramLength, RandomGenerator random) {
        byte[] packet = TlsMessages.randomBytes(random, datagramLength);
        packet[0] = (byte) (0x40 | (packet[0] & 0x3f));
        System.arraycopy(dcid, 0, packet, 1, dcid.length);
        return packet;
    }

    /**
     * A STUN binding request with ICE attributes (USERNAME, PRIORITY, ICE-CONTROLLING), as WebRTC sends. With
     * {@code whatsApp}, message type 0x0800 and the private attribute 0x4004, as nDPI sees WhatsApp calls.
     */
    public static byte[] stunBindingRequest(boolean whatsApp, RandomGenerator random) {
        TlsMessages.Bytes attributes = new TlsMessages.Bytes();
        byte[] user = "a7Kq:Zx3p".getBytes(StandardCharsets.US_ASCII);
        attributes.u16(0x0006).u16(user.length).raw(user).raw(new byte[(4 - user.length % 4) % 4]);
        attributes.u16(0x0024).u16(4).u32(0x6e7f1eff);
        attributes.u16(0x802a).u16(8).raw(TlsMessages.randomBytes(random, 8));
        if (whatsApp) {
            attributes.u16(0x4004).u16(4).u32(random.nextInt());
        }
        return stun(whatsApp ? 0x0800 : 0x0001, attributes.toArray(), random);
    }

    /** A STUN binding success response with an IPv4 XOR-MAPPED-ADDRESS (RFC 8489 §14.2). */
    public static byte[] stunBindingSuccess(byte[] mappedIpv4, int mappedPort, RandomGenerator random) {
        TlsMessages.Bytes attributes = new TlsMessages.Bytes();
        int address = (mappedIpv4[0] & 0xff) << 24 | (mappedIpv4[1] & 0xff) << 16 | (mappedIpv4[2] & 0xff) << 8
                | (mappedIpv4[3] & 0xff);
        attributes.u16(0x0020).u16(8).u8(0).u8(1).u16(mappedPort ^ 0x2112).u32(address ^ 0x2112a442);
        return stun(0x0101, attributes.toArray(), random);
    }

    private static byte[] stun(int type, byte[] attributes, RandomGenerator random) {
        return new TlsMessages.Bytes().u16(type).u16(attributes.length).u32(0x2112a442)
                .raw(TlsMessages.randomBytes(random, 12)).raw(attributes).toArray();
    }

    /** An RTP packet with {@code payloadLength} random (codec) bytes. */
    public static byte[] rtp(int payloadType, boolean marker, int sequence, int timestamp, int ssrc,
                             int payloadLength, RandomGenerator random) {
        return new TlsMessages.Bytes().u8(0x80).u8((marker ? 0x80 : 0) | payloadType).u16(sequence & 0xffff)
                .u32(timestamp).u32(ssrc).raw(TlsMessages.randomBytes(random, payloadLength)).toArray();
    }

    /** An RTCP sender report without report blocks (28 bytes). */
    public static byte[] rtcpSenderReport(int ssrc, long ntpTime, int rtpTime, int packets, int octets) {
        return new TlsMessages.Bytes().u8(0x80).u8(200).u16(6).u32(ssrc).u32((int) (ntpTime >>> 32))
                .u32((int) ntpTime).u32(rtpTime).u32(packets).u32(octets).toArray();
    }

    /** A recursive DNS query for one name (EDNS0 OPT record with a 1232-byte UDP size, as resolvers send). */
    public static byte[] dnsQuery(int id, String name, int qtype) {
        TlsMessages.Bytes out = new TlsMessages.Bytes().u16(id).u16(0x0100).u16(1).u16(0).u16(0).u16(1);
        writeName(out, name);
        out.u16(qtype).u16(1);
        out.u8(0).u16(41).u16(1232).u32(0).u16(0);
        return out.toArray();
    }

    /** The answer to {@link #dnsQuery}: one A record (compressed name), or NXDOMAIN when {@code address} is null. */
    public static byte[] dnsResponse(int id, String name, byte[] address) {
        TlsMessages.Bytes out = new TlsMessages.Bytes().u16(id).u16(address == null ? 0x8183 : 0x8180).u16(1)
                .u16(address == null ? 0 : 1).u16(0).u16(0);
        writeName(out, name);
        out.u16(1).u16(1);
        if (address != null) {
            out.u16(0xc00c).u16(1).u16(1).u32(300).u16(4).raw(address);
        }
        return out.toArray();
    }

    private static void writeName(TlsMessages.Bytes out, String name) {
        for (String label : name.split("\\.")) {
            byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
            out.u8(bytes.length).raw(bytes);
        }
        out.u8(0);
    }
}
