package dev.censorsim.classify;

import io.netty.buffer.ByteBuf;

/**
 * Recognises IPsec's UDP face: IKEv2 messages on port 500, and on port 4500 (NAT traversal) either IKEv2 behind the
 * 4-byte non-ESP marker or ESP itself. Reusable and allocation-free; never throws. Keyed on the ports, as Wireshark's
 * {@code udpencap} dissector and every DPI box are: ESP's header is two opaque counters and means nothing elsewhere.
 *
 * <p>IKE header (RFC 7296 §3.1), big-endian:
 * <pre>
 *   u64 initiator SPI       non-zero
 *   u64 responder SPI       zero in the initiator's first IKE_SA_INIT
 *   u8  next payload        0 or a payload type, 33 (SA) .. 53
 *   u8  version             major &lt;&lt; 4 | minor: 0x20 for IKEv2
 *   u8  exchange type       34 IKE_SA_INIT, 35 IKE_AUTH, 36 CREATE_CHILD_SA, 37 INFORMATIONAL
 *   u8  flags               0x08 Initiator, 0x10 Version, 0x20 Response; the other bits zero
 *   u32 message id
 *   u32 length              of the whole message, this header included
 * </pre>
 * On port 4500 (RFC 3948 §2.1–§2.2) a datagram starting with four zero bytes (the non-ESP marker) carries IKE;
 * anything else is ESP (RFC 4303 §2: u32 SPI, 1–255 reserved and 0 impossible; u32 sequence number; then the
 * encrypted payload and ICV), which this accepts from 16 bytes up (SPI, sequence, 8 bytes of IV or ciphertext).
 */
public final class IpsecRecognizer {

    public static final int IKE_PORT = 500;
    public static final int NAT_T_PORT = 4500;
    public static final int IKE_HEADER_LENGTH = 28;
    public static final int EXCHANGE_IKE_SA_INIT = 34;
    public static final int IKE_VERSION_2 = 0x20;

    private static final int NON_ESP_MARKER_LENGTH = 4;
    private static final int MIN_ESP_LENGTH = 16;
    private static final int FIRST_EXCHANGE = 34;
    private static final int LAST_EXCHANGE = 37;
    private static final int FIRST_PAYLOAD = 33;
    private static final int LAST_PAYLOAD = 53;
    private static final int FLAG_BITS = 0x38;

    private int exchangeType;

    /**
     * What the UDP payload {@code buffer[index, index + length)} between these ports is: {@link Protocol#IKEV2},
     * {@link Protocol#ESP} or {@link Protocol#UNKNOWN}.
     */
    public Protocol recognize(ByteBuf buffer, int index, int length, int sourcePort, int destinationPort) {
        if (sourcePort == NAT_T_PORT || destinationPort == NAT_T_PORT) {
            if (length >= NON_ESP_MARKER_LENGTH && buffer.getInt(index) == 0) {
                return ike(buffer, index + NON_ESP_MARKER_LENGTH, length - NON_ESP_MARKER_LENGTH)
                        ? Protocol.IKEV2 : Protocol.UNKNOWN;
            }
            return length >= MIN_ESP_LENGTH && Integer.compareUnsigned(buffer.getInt(index), 255) > 0
                    ? Protocol.ESP : Protocol.UNKNOWN;
        }
        if (sourcePort == IKE_PORT || destinationPort == IKE_PORT) {
            return ike(buffer, index, length) ? Protocol.IKEV2 : Protocol.UNKNOWN;
        }
        return Protocol.UNKNOWN;
    }

    private boolean ike(ByteBuf buffer, int index, int length) {
        if (length < IKE_HEADER_LENGTH) {
            return false;
        }
        int nextPayload = buffer.getUnsignedByte(index + 16);
        int version = buffer.getUnsignedByte(index + 17);
        int exchange = buffer.getUnsignedByte(index + 18);
        int flags = buffer.getUnsignedByte(index + 19);
        long declared = buffer.getUnsignedInt(index + 24);
        if (buffer.getLong(index) == 0 || version != IKE_VERSION_2 || exchange < FIRST_EXCHANGE
                || exchange > LAST_EXCHANGE || (flags & ~FLAG_BITS) != 0 || declared != length
                || (nextPayload != 0 && (nextPayload < FIRST_PAYLOAD || nextPayload > LAST_PAYLOAD))) {
            return false;
        }
        exchangeType = exchange;
        return true;
    }

    /** The exchange type of the last recognised IKE message (34 IKE_SA_INIT ... 37). */
    public int exchangeType() {
        return exchangeType;
    }
}
