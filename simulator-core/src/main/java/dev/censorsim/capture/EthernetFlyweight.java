package dev.censorsim.capture;

import io.netty.buffer.ByteBuf;

/**
 * Re-pointable view of an Ethernet II frame, skipping any 802.1Q / 802.1ad (QinQ) VLAN tags.
 *
 * <p>Wire layout (IEEE 802.3 §3.2 as captured by libpcap, no preamble and usually no FCS):
 * <pre>
 *   u8  destination[6]
 *   u8  source[6]
 *   u16 ether_type / TPID     0x8100 (802.1Q C-tag), 0x88a8 (802.1ad S-tag) or 0x9100 (pre-standard QinQ):
 *       u16 TCI, then the next ether_type; repeated for each tag
 *   ... payload
 * </pre>
 * Frames with an 802.3 length field (ether_type below 0x0600) carry LLC, never IP here, and are rejected.
 */
public final class EthernetFlyweight {

    public static final int DESTINATION_OFFSET = 0;
    public static final int SOURCE_OFFSET = 6;
    public static final int ETHER_TYPE_OFFSET = 12;
    public static final int HEADER_LENGTH = 14;
    public static final int VLAN_TAG_LENGTH = 4;

    public static final int ETHER_TYPE_IPV4 = 0x0800;
    public static final int ETHER_TYPE_IPV6 = 0x86dd;
    public static final int ETHER_TYPE_VLAN = 0x8100;
    public static final int ETHER_TYPE_QINQ = 0x88a8;
    public static final int ETHER_TYPE_QINQ_LEGACY = 0x9100;

    /** More tags than this is not a real frame; the bound also keeps a crafted frame from looping long. */
    public static final int MAX_VLAN_TAGS = 4;

    private static final int MIN_ETHER_TYPE = 0x0600;

    private int etherType;
    private int payloadOffset;
    private int payloadLength;
    private int vlanTags;

    /**
     * Points this view at a frame. Returns false (and leaves the accessors meaningless) when the frame is too short,
     * an 802.3 length frame, or has more than {@link #MAX_VLAN_TAGS} tags.
     */
    public boolean wrap(ByteBuf buffer, int offset, int length) {
        if (length < HEADER_LENGTH) {
            return false;
        }
        int typeIndex = offset + ETHER_TYPE_OFFSET;
        int end = offset + length;
        int type = buffer.getUnsignedShort(typeIndex);
        int tags = 0;
        while (type == ETHER_TYPE_VLAN || type == ETHER_TYPE_QINQ || type == ETHER_TYPE_QINQ_LEGACY) {
            if (++tags > MAX_VLAN_TAGS || typeIndex + VLAN_TAG_LENGTH + 2 > end) {
                return false;
            }
            typeIndex += VLAN_TAG_LENGTH;
            type = buffer.getUnsignedShort(typeIndex);
        }
        if (type < MIN_ETHER_TYPE) {
            return false;
        }
        this.etherType = type;
        this.vlanTags = tags;
        this.payloadOffset = typeIndex + 2;
        this.payloadLength = end - payloadOffset;
        return true;
    }

    /** The ether_type after the last VLAN tag. */
    public int etherType() {
        return etherType;
    }

    public int vlanTags() {
        return vlanTags;
    }

    public int payloadOffset() {
        return payloadOffset;
    }

    public int payloadLength() {
        return payloadLength;
    }
}
