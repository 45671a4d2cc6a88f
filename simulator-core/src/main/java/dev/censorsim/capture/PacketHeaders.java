package dev.censorsim.capture;

import io.netty.buffer.ByteBuf;

/**
 * The packet face's first stage, header decoding: link layer (Ethernet with VLAN tags, raw IP, Linux cooked, BSD
 * loopback), IPv4 or IPv6 with extension headers, then TCP or UDP, all through flyweights re-pointed at each packet.
 * After {@link #decode} returns {@code true} the accessors describe that packet (addresses as {@link FlowTable} keys,
 * ports, transport) and {@link #tcp()} / {@link #udp()} point at its transport header; after {@code false} the packet
 * was counted under the reason it carries no flow.
 *
 * <p>Single-threaded; allocates nothing.
 */
final class PacketHeaders {

    static final int TCP = 6;
    static final int UDP = 17;
    private static final int AF_INET = 2;
    /** A link type no capture has (libpcap's are 16-bit), for a {@link #decode} right after {@link #adopt}. */
    static final int ADOPTED = -1;

    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private final Ipv6Flyweight ipv6 = new Ipv6Flyweight();
    private final TcpFlyweight tcp = new TcpFlyweight();
    private final UdpFlyweight udp = new UdpFlyweight();

    private long sourceHigh;
    private long sourceLow;
    private long destinationHigh;
    private long destinationLow;
    private int transport;
    private int sourcePort;
    private int destinationPort;
    private int transportOffset;
    private int transportLength;
    /** Whether {@link #tcp()} / {@link #udp()} point at the packet: {@link #adopt} leaves them for later. */
    private boolean transportWrapped;
    /** Set by {@link #adopt}: the next {@link #decode} keeps the adopted fields instead of decoding. */
    private boolean adopted;

    private long nonIpPackets;
    private long unsupportedLinkPackets;
    private long malformedPackets;
    private long fragmentPackets;
    private long otherTransportPackets;

    /**
     * Decodes one captured packet's headers.
     *
     * @param buffer         holds the packet; read with absolute indexes, never retained
     * @param offset         index of the packet's first (link-layer) byte
     * @param capturedLength bytes captured
     * @param linkType       libpcap link type ({@link LinkType}); ignored right after {@link #adopt}, which the decode
     *                       then keeps
     * @return whether it is a first (or only) IP fragment carrying TCP or UDP with well-formed headers
     */
    boolean decode(ByteBuf buffer, int offset, int capturedLength, int linkType) {
        if (adopted) {
            adopted = false;
            return true;
        }
        int l3Offset;
        int l3Length;
        int etherType;
        switch (linkType) {
            case LinkType.ETHERNET:
                if (!ethernet.wrap(buffer, offset, capturedLength)) {
                    malformedPackets++;
                    return false;
                }
                etherType = ethernet.etherType();
                l3Offset = ethernet.payloadOffset();
                l3Length = ethernet.payloadLength();
                break;
            case LinkType.RAW:
            case LinkType.IPV4:
            case LinkType.IPV6:
                etherType = capturedLength > 0 && buffer.getUnsignedByte(offset) >>> 4 == 6
                        ? EthernetFlyweight.ETHER_TYPE_IPV6 : EthernetFlyweight.ETHER_TYPE_IPV4;
                l3Offset = offset;
                l3Length = capturedLength;
                break;
            default:
                etherType = otherLinkSlowPath(buffer, offset, capturedLength, linkType);
                if (etherType < 0) {
                    return false;
                }
                l3Offset = offset + (linkType == LinkType.LINUX_SLL ? 16 : 4);
                l3Length = capturedLength - (l3Offset - offset);
                break;
        }
        int l4Offset;
        int l4Length;
        if (etherType == EthernetFlyweight.ETHER_TYPE_IPV4) {
            if (!ipv4.wrap(buffer, l3Offset, l3Length)) {
                malformedPackets++;
                return false;
            }
            if (!ipv4.isFirstFragment()) {
                fragmentPackets++;
                return false;
            }
            sourceHigh = 0;
            sourceLow = FlowTable.mapIpv4(ipv4.source());
            destinationHigh = 0;
            destinationLow = FlowTable.mapIpv4(ipv4.destination());
            transport = ipv4.protocol();
            l4Offset = ipv4.payloadOffset();
            l4Length = ipv4.payloadLength();
        } else if (etherType == EthernetFlyweight.ETHER_TYPE_IPV6) {
            if (!ipv6.wrap(buffer, l3Offset, l3Length)) {
                malformedPackets++;
                return false;
            }
            if (!ipv6.isFirstFragment()) {
                fragmentPackets++;
                return false;
            }
            sourceHigh = ipv6.sourceHigh();
            sourceLow = ipv6.sourceLow();
            destinationHigh = ipv6.destinationHigh();
            destinationLow = ipv6.destinationLow();
            transport = ipv6.protocol();
            l4Offset = ipv6.payloadOffset();
            l4Length = ipv6.payloadLength();
        } else {
            nonIpPackets++;
            return false;
        }
        transportOffset = l4Offset;
        transportLength = l4Length;
        transportWrapped = true;
        if (transport == TCP) {
            if (!tcp.wrap(buffer, l4Offset, l4Length)) {
                malformedPackets++;
                return false;
            }
            sourcePort = tcp.sourcePort();
            destinationPort = tcp.destinationPort();
        } else if (transport == UDP) {
            if (!udp.wrap(buffer, l4Offset, l4Length)) {
                malformedPackets++;
                return false;
            }
            sourcePort = udp.sourcePort();
            destinationPort = udp.destinationPort();
        } else {
            otherTransportPackets++;
            return false;
        }
        return true;
    }

    private int otherLinkSlowPath(ByteBuf buffer, int offset, int capturedLength, int linkType) {
        if (linkType == LinkType.LINUX_SLL && capturedLength >= 16) {
            return buffer.getUnsignedShort(offset + 14);
        }
        if (linkType == LinkType.NULL && capturedLength >= 4) {
            // The family is in the capturing host's byte order; either way it is a small number.
            int family = buffer.getInt(offset);
            if (family > 0xffff) {
                family = Integer.reverseBytes(family);
            }
            if (family == AF_INET) {
                return EthernetFlyweight.ETHER_TYPE_IPV4;
            }
            // AF_INET6 is 24, 28 or 30 depending on the BSD.
            if (family == 24 || family == 28 || family == 30) {
                return EthernetFlyweight.ETHER_TYPE_IPV6;
            }
            nonIpPackets++;
            return -1;
        }
        unsupportedLinkPackets++;
        return -1;
    }

    /**
     * Takes a packet's header fields as another {@link PacketHeaders} decoded them (successfully), on another thread
     * perhaps, without reading the packet: the {@link ShardedClassifier} pipeline decodes each packet once, on the
     * thread that walks the capture. The transport flyweights are pointed at the packet only by {@link
     * #wrapTransport}, when a caller needs more than the addresses and ports: most packets belong to a flow already
     * decided, and then the classifying thread never touches their bytes.
     */
    void adopt(long sourceHigh, long sourceLow, long destinationHigh, long destinationLow, int ports, int transport,
               int transportOffset, int transportLength) {
        this.sourceHigh = sourceHigh;
        this.sourceLow = sourceLow;
        this.destinationHigh = destinationHigh;
        this.destinationLow = destinationLow;
        this.sourcePort = ports >>> 16;
        this.destinationPort = ports & 0xffff;
        this.transport = transport;
        this.transportOffset = transportOffset;
        this.transportLength = transportLength;
        this.transportWrapped = false;
        this.adopted = true;
    }

    /**
     * Points {@link #tcp()} or {@link #udp()} at the packet {@link #adopt} described, unless already done; the
     * header was decoded whole before, so the wrap succeeds.
     */
    void wrapTransport(ByteBuf buffer) {
        if (!transportWrapped) {
            transportWrapped = true;
            if (transport == TCP) {
                tcp.wrap(buffer, transportOffset, transportLength);
            } else {
                udp.wrap(buffer, transportOffset, transportLength);
            }
        }
    }

    /** Index of the transport header of the last decoded packet. */
    int transportOffset() {
        return transportOffset;
    }

    /** Captured bytes from the transport header on. */
    int transportLength() {
        return transportLength;
    }

    /** The two ports in one int, source in the high half, as {@link #adopt} takes them. */
    int ports() {
        return sourcePort << 16 | destinationPort;
    }

    /** The TCP header of the last decoded packet, when its {@link #transport()} is {@link #TCP}. */
    TcpFlyweight tcp() {
        return tcp;
    }

    /** The UDP header of the last decoded packet, when its {@link #transport()} is {@link #UDP}. */
    UdpFlyweight udp() {
        return udp;
    }

    long sourceHigh() {
        return sourceHigh;
    }

    long sourceLow() {
        return sourceLow;
    }

    long destinationHigh() {
        return destinationHigh;
    }

    long destinationLow() {
        return destinationLow;
    }

    /** The IP protocol number: {@link #TCP} or {@link #UDP}. */
    int transport() {
        return transport;
    }

    int sourcePort() {
        return sourcePort;
    }

    int destinationPort() {
        return destinationPort;
    }

    /** Zeroes the per-packet counters ({@link PacketClassifier#reset()}). */
    void resetCounters() {
        nonIpPackets = 0;
        unsupportedLinkPackets = 0;
        malformedPackets = 0;
        fragmentPackets = 0;
        otherTransportPackets = 0;
    }

    long nonIpPackets() {
        return nonIpPackets;
    }

    long unsupportedLinkPackets() {
        return unsupportedLinkPackets;
    }

    long malformedPackets() {
        return malformedPackets;
    }

    long fragmentPackets() {
        return fragmentPackets;
    }

    long otherTransportPackets() {
        return otherTransportPackets;
    }
}
