package dev.censorsim.proxy.udp;

import java.nio.ByteBuffer;

/** Hand-built payloads of the protocols the relay recognises, laid out as their RFCs say. */
final class Datagrams {

    private Datagrams() {
    }

    /** RFC 8489 §5: a binding request with no attributes. */
    static byte[] stunBindingRequest(int id) {
        ByteBuffer b = ByteBuffer.allocate(20);
        b.putShort((short) 0x0001).putShort((short) 0).putInt(0x2112a442).putInt(id).putInt(id + 1).putInt(id + 2);
        return b.array();
    }

    /** RFC 3550 §5.1: version 2, payload type 111 (Opus, dynamic), the given sequence and SSRC, 160 bytes of audio. */
    static byte[] rtp(int sequence, int ssrc) {
        ByteBuffer b = ByteBuffer.allocate(12 + 160);
        b.put((byte) 0x80).put((byte) 111).putShort((short) sequence).putInt(sequence * 960).putInt(ssrc);
        for (int i = 0; i < 160; i++) {
            b.put((byte) (i * 7 + sequence));
        }
        return b.array();
    }

    /**
     * RFC 3550 §6.4.2: a receiver report with one report block (version 2, count 1, packet type 201, length 7 words
     * after the first), about the stream of {@code sourceSsrc}.
     */
    static byte[] rtcpReceiverReport(int ssrc, int sourceSsrc, int highestSequence) {
        ByteBuffer b = ByteBuffer.allocate(32);
        b.put((byte) 0x81).put((byte) 201).putShort((short) 7).putInt(ssrc);
        b.putInt(sourceSsrc).putInt(0x0a000003).putInt(highestSequence).putInt(120).putInt(0).putInt(0);
        return b.array();
    }

    /** RFC 1035 §4.1: a recursive A query for {@code example.org}. */
    static byte[] dnsQuery(int id) {
        ByteBuffer b = ByteBuffer.allocate(12 + 13 + 4);
        b.putShort((short) id).putShort((short) 0x0100).putShort((short) 1).putShort((short) 0).putShort((short) 0)
                .putShort((short) 0);
        b.put((byte) 7).put("example".getBytes()).put((byte) 3).put("org".getBytes()).put((byte) 0);
        b.putShort((short) 1).putShort((short) 1);
        return b.array();
    }

    /**
     * RFC 9000 §17.2.2: a QUIC v1 Initial filling a datagram of {@code size} bytes (header then padding standing in
     * for the protected payload), with an 8-byte DCID, no SCID, no token.
     */
    static byte[] quicInitial(int size) {
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put((byte) 0xc3).putInt(1).put((byte) 8).putLong(0x0102030405060708L).put((byte) 0).put((byte) 0);
        int remaining = size - b.position() - 2;
        b.putShort((short) (0x4000 | remaining));
        while (b.hasRemaining()) {
            b.put((byte) 0x5a);
        }
        return b.array();
    }

    static byte[] filler(int size, int seed) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            // Not RTP, STUN, DNS, DTLS or QUIC: version bits 00 and no plausible STUN length.
            bytes[i] = (byte) (i == 0 ? 0x17 : i * 31 + seed);
        }
        return bytes;
    }
}
