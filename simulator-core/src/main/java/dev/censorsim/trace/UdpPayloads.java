package dev.censorsim.trace;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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
        TlsMessages.Bytes frames = new TlsMessages.Bytes();
        cryptoFrame(frames, clientHello, 0, clientHello.length);
        return quicClientInitialFrames(dcid, scid, frames.toArray(), packetNumber, datagramLength);
    }

    /**
     * The client Initials that carry a ClientHello too large for one (a post-quantum key share), each padded to
     * {@code datagramLength} as RFC 9000 §14.1 requires, with packet numbers 0, 1, ... and every one protected with
     * the keys of {@code dcid} (RFC 9001 §5.2). The first packet's CRYPTO data is split into two frames sent in
     * reverse order with a PING and PADDING between, as Chrome's "chaos protection" does; later packets start with
     * PADDING. A ClientHello that fits one Initial gives one packet, with the same frame layout.
     */
    public static List<byte[]> quicClientInitials(byte[] dcid, byte[] scid, byte[] clientHello, int datagramLength,
                                                  RandomGenerator random) {
        List<byte[]> packets = new ArrayList<>();
        int room = initialPayloadRoom(dcid, scid, datagramLength);
        int at = 0;
        while (at < clientHello.length) {
            TlsMessages.Bytes frames = new TlsMessages.Bytes();
            if (packets.isEmpty()) {
                // Two CRYPTO frames (at most 7 bytes of header each), a PING and four PADDING bytes.
                int carried = Math.min(clientHello.length, room - 2 * 7 - 5);
                int split = random.nextInt(1, carried);
                cryptoFrame(frames, clientHello, split, carried - split);
                frames.u8(0x01).raw(new byte[4]);
                cryptoFrame(frames, clientHello, 0, split);
                at = carried;
            } else {
                int padding = random.nextInt(1, 16);
                int carried = Math.min(clientHello.length - at, room - padding - 7);
                frames.raw(new byte[padding]);
                cryptoFrame(frames, clientHello, at, carried);
                at += carried;
            }
            packets.add(quicClientInitialFrames(dcid, scid, frames.toArray(), packets.size(), datagramLength));
        }
        return packets;
    }

    /** Payload bytes an Initial of {@code datagramLength} has for frames: header, 4-byte packet number, tag removed. */
    private static int initialPayloadRoom(byte[] dcid, byte[] scid, int datagramLength) {
        int header = 1 + 4 + 1 + dcid.length + 1 + scid.length + 1 + 2;
        return datagramLength - header - 4 - 16;
    }

    /** A CRYPTO frame (RFC 9000 §19.6) carrying {@code data[offset, offset + length)} at stream offset {@code offset}. */
    public static byte[] cryptoFrame(byte[] data, int offset, int length) {
        TlsMessages.Bytes frame = new TlsMessages.Bytes();
        cryptoFrame(frame, data, offset, length);
        return frame.toArray();
    }

    /** RFC 9000 §19.6: type 0x06, varint offset, varint length, data. */
    private static void cryptoFrame(TlsMessages.Bytes frames, byte[] data, int offset, int length) {
        frames.u8(0x06);
        varint(frames, offset);
        varint(frames, length);
        frames.raw(java.util.Arrays.copyOfRange(data, offset, offset + length));
    }

    /** RFC 9000 §16, in the shortest of the 1, 2 and 4-byte forms. */
    private static void varint(TlsMessages.Bytes out, int value) {
        if (value < 64) {
            out.u8(value);
        } else if (value < 16_384) {
            out.u16(0x4000 | value);
        } else {
            out.u32(0x8000_0000 | value);
        }
    }

    /**
     * Wraps {@code frameBytes} (QUIC frames, RFC 9000 §19) in a client Initial: PADDING up to {@code datagramLength},
     * AES-128-GCM with the keys of {@code dcid}, a 4-byte packet number, then header protection (RFC 9001 §5.3, §5.4).
     */
    public static byte[] quicClientInitialFrames(byte[] dcid, byte[] scid, byte[] frameBytes, int packetNumber,
                                           int datagramLength) {
        TlsMessages.Bytes header = new TlsMessages.Bytes();
        header.u8(0xc3).u32(1).u8(dcid.length).raw(dcid).u8(scid.length).raw(scid).u8(0);
        int pnOffset = header.size() + 2;
        int payloadLength = datagramLength - pnOffset - 4 - 16;
        if (frameBytes.length > payloadLength || payloadLength + 4 + 16 > 0x3fff) {
            throw new IllegalArgumentException(frameBytes.length + " bytes of frames do not fit " + datagramLength);
        }
        byte[] plaintext = java.util.Arrays.copyOf(frameBytes, payloadLength);
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
