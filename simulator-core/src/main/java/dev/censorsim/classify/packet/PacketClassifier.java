package dev.censorsim.classify.packet;

import dev.censorsim.classify.DnsRecognizer;
import dev.censorsim.classify.DtlsRecognizer;
import dev.censorsim.classify.FirstDatagramRecognizer;
import dev.censorsim.classify.FirstSegmentRecognizer;
import dev.censorsim.classify.HttpHostParser;
import dev.censorsim.classify.InspectionSettings;
import dev.censorsim.classify.Protocol;
import dev.censorsim.classify.QuicCryptoStream;
import dev.censorsim.classify.QuicInitialDecryptor;
import dev.censorsim.classify.QuicInitialRecognizer;
import dev.censorsim.classify.RtpRecognizer;
import dev.censorsim.classify.RtpTracker;
import dev.censorsim.classify.StreamClassification;
import dev.censorsim.classify.StunRecognizer;
import dev.censorsim.classify.TlsClientHelloParser;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.CompiledRule;
import dev.censorsim.policy.DnsRule;
import dev.censorsim.policy.FlowFacts;
import dev.censorsim.policy.UdpFlowFacts;
import io.netty.buffer.ByteBuf;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;

/**
 * The classifier's packet face: raw captured packets in, one classification per flow out, with the same recognisers
 * the proxy's stream face uses ({@link TlsClientHelloParser}, {@link HttpHostParser} and the UDP recognisers).
 *
 * <p>Per packet: link layer (Ethernet with VLAN tags, raw IP, Linux cooked, BSD loopback), IPv4 or IPv6 with extension
 * headers, TCP or UDP, all through re-pointed flyweights; then the 5-tuple {@link FlowTable}; then, only while a flow
 * is undecided, its recogniser. Per-flow state lives in primitive arrays indexed by flow id. TCP client bytes are
 * reassembled in sequence order (retransmitted overlap trimmed, a segment after a gap skipped and counted, as a DPI
 * box that does not buffer out of order would) for at most {@link #MAX_CLIENT_SEGMENTS} segments and the
 * {@link InspectionSettings#maxBytes()} budget; a ClientHello split over segments is parsed like an unsplit one unless
 * reassembly is off. A UDP flow is decided from its first datagram (QUIC Initial, whose ClientHello is decrypted for its
 * SNI as censors have done since 2023, DTLS, DNS) or, for calls, from a
 * STUN start and then RTP confirmed by an {@link RtpTracker}, within {@link #MAX_UDP_DATAGRAMS} datagrams. A QUIC
 * ClientHello larger than one Initial (post-quantum key shares) is gathered from up to
 * {@link QuicCryptoStream#MAX_INITIALS} client Initials, in any order, in a pooled {@link QuicCryptoStream}.
 *
 * <p>When a flow is decided, the policy (the same {@link CompiledPolicy} the proxy uses) is evaluated once on the
 * same {@link FlowFacts} the proxy would build, so the verdict per flow is what the proxy would apply. A DNS flow gets
 * the policy's DNS rule for its question (name, type, client address) first, as censorsim's DNS server would answer
 * it; only when none matches do the UDP rules apply, as in the relay.
 *
 * <p>Nothing is allocated per packet once warm: names are interned in a {@link NameTable}, TLS/HTTP parsers come
 * from a pool sized by the number of flows under inspection at once, as do the QUIC ClientHello streams. Per flow,
 * only the QUIC Initial decryption (see
 * {@link #decryptQuicInitials(boolean)}), the policy evaluation (its {@code FlowFacts}, when the policy has rules) and
 * the {@link FlowListener} report (when there is a listener) allocate. Single-threaded.
 */
public final class PacketClassifier {

    /** Told about each flow when it ends (idle eviction or {@link #finish()}). */
    @FunctionalInterface
    public interface FlowListener {
        void onFlow(FlowSummary flow);
    }

    public static final int DEFAULT_MAX_FLOWS = 1 << 18;
    /** Long enough to span a call's silence or a TLS keep-alive; short enough to bound the table on long traces. */
    public static final long DEFAULT_IDLE_TIMEOUT_NANOS = 120_000_000_000L;
    /** Flows whose first client bytes are being parsed at the same moment; each holds a TLS and an HTTP parser. */
    public static final int DEFAULT_MAX_INSPECTORS = 16_384;
    /** DESIGN.md: boxes keep inspecting for 15–20 packets, then give up. */
    public static final int MAX_CLIENT_SEGMENTS = 20;
    /** Datagrams looked at before a UDP flow is left as what it seems (STUN) or unknown. */
    public static final int MAX_UDP_DATAGRAMS = 16;
    /**
     * QUIC flows gathering a ClientHello over several Initials at once; each holds a 4 KiB stream. A handshake takes
     * one round trip, so even 10,000 new QUIC flows per second at a 100 ms RTT keep about 1,000 in progress.
     */
    public static final int DEFAULT_MAX_QUIC_HANDSHAKES = 1024;

    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final byte INSPECTING = 0;
    private static final byte DECIDED = 1;
    private static final int NO_INSPECTOR = -1;
    /** {@link #matchedRule}: no rule; otherwise an index into {@link #rules}, then {@link #dnsRules} after them. */
    private static final int NO_RULE = -1;
    private static final int QUIC_ORDINAL = Protocol.QUIC.ordinal();
    private static final byte TLS_HANDSHAKE_RECORD = 0x16;
    private static final Protocol[] PROTOCOLS = Protocol.values();
    private static final int AF_INET = 2;

    private final FlowTable table;
    private final NameTable names = new NameTable(1 << 18);
    private final long idleTimeoutNanos;
    private final InspectionSettings inspection;
    private final CompiledPolicy policy;
    private final CompiledRule[] rules;
    private final DnsRule[] dnsRules;
    private final boolean hasUdpRules;
    private final FlowListener listener;
    private final FlowTable.EvictionListener evictionListener = this::flowEnded;

    private final EthernetFlyweight ethernet = new EthernetFlyweight();
    private final Ipv4Flyweight ipv4 = new Ipv4Flyweight();
    private final Ipv6Flyweight ipv6 = new Ipv6Flyweight();
    private final TcpFlyweight tcp = new TcpFlyweight();
    private final UdpFlyweight udp = new UdpFlyweight();
    private final QuicInitialRecognizer quic = new QuicInitialRecognizer();
    private final StunRecognizer stun = new StunRecognizer();
    private final FirstDatagramRecognizer opener = new FirstDatagramRecognizer();
    private final FirstSegmentRecognizer firstSegment = new FirstSegmentRecognizer();
    private final DtlsRecognizer dtls = opener.dtls();
    private final DnsRecognizer dns = opener.dns();
    private final RtpRecognizer rtp = new RtpRecognizer();
    private final byte[] nameScratch = new byte[DnsRecognizer.MAX_NAME_LENGTH];
    private final QuicInitialDecryptor quicDecryptor = new QuicInitialDecryptor();
    private final TlsClientHelloParser quicHello = new TlsClientHelloParser();
    private final CryptoStreamPool quicStreams = new CryptoStreamPool(DEFAULT_MAX_QUIC_HANDSHAKES);
    /** Stands in for a pooled stream when every slot is busy: the flow is then judged on its first Initial alone. */
    private final QuicCryptoStream scratchStream = new QuicCryptoStream();
    private boolean decryptQuicInitials = true;

    // Per flow, indexed by flow id.
    private final byte[] state;
    private final byte[] protocol;
    private final boolean[] clientIsSource;
    private final long[] packets;
    private final long[] bytes;
    private final int[] inspector;
    private final int[] nextSeq;
    private final boolean[] seqKnown;
    private final byte[] clientSegments;
    private final boolean[] clientSpoke;
    private final int[] sniId;
    private final int[] hostId;
    private final int[] queryId;
    private final boolean[] ech;
    private final long[] rtpForward;
    private final long[] rtpReverse;
    private final byte[] datagrams;
    /** The rule each decided flow matched ({@link #NO_RULE} for a pass): a rule index, DNS rules after the others. */
    private final int[] matchedRule;
    /** Payload bytes of each UDP flow's first client datagram, for {@code min-size} (the 2022 QUIC rule). */
    private final int[] firstDatagram;
    /** The {@link CryptoStreamPool} slot of a QUIC flow still gathering its ClientHello, else NONE. */
    private final int[] quicStream;

    private final ParserPool parsers;

    private long nextSweepNanos = Long.MIN_VALUE;

    // Counters.
    private long totalPackets;
    private long totalBytes;
    private long nonIpPackets;
    private long unsupportedLinkPackets;
    private long malformedPackets;
    private long fragmentPackets;
    private long otherTransportPackets;
    private long refusedPackets;
    private long outOfOrderSegments;
    private long quicHellosOverSeveralInitials;
    private long flows;
    private final long[] flowsByProtocol = new long[PROTOCOLS.length];
    private final long[] packetsByProtocol = new long[PROTOCOLS.length];
    private final long[] bytesByProtocol = new long[PROTOCOLS.length];
    private final long[] flowsByRule;
    private final long[] packetsByRule;
    private final long[] bytesByRule;

    /**
     * @param maxFlows         the most concurrent flows (see {@link FlowTable})
     * @param idleTimeoutNanos a flow with no packet for this long (capture time) ends
     * @param maxInspectors    the most flows under TCP inspection at once; a flow finding none is unknown
     * @param inspection       reassembly and byte budget for TCP client bytes, as for the proxy
     * @param policy           evaluated once per decided flow; {@link CompiledPolicy#empty()} for none
     * @param listener         told about each flow when it ends, or {@code null}
     */
    public PacketClassifier(int maxFlows, long idleTimeoutNanos, int maxInspectors, InspectionSettings inspection,
                            CompiledPolicy policy, FlowListener listener) {
        if (idleTimeoutNanos <= 0) {
            throw new IllegalArgumentException("idleTimeoutNanos must be positive, was " + idleTimeoutNanos);
        }
        this.table = new FlowTable(maxFlows);
        this.idleTimeoutNanos = idleTimeoutNanos;
        this.inspection = Objects.requireNonNull(inspection, "inspection");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.rules = policy.rules().toArray(new CompiledRule[0]);
        this.dnsRules = policy.dnsRules().toArray(new DnsRule[0]);
        this.hasUdpRules = policy.hasUdpRules();
        this.flowsByRule = new long[rules.length + dnsRules.length];
        this.packetsByRule = new long[rules.length + dnsRules.length];
        this.bytesByRule = new long[rules.length + dnsRules.length];
        this.listener = listener;
        this.state = new byte[maxFlows];
        this.protocol = new byte[maxFlows];
        this.clientIsSource = new boolean[maxFlows];
        this.packets = new long[maxFlows];
        this.bytes = new long[maxFlows];
        this.inspector = new int[maxFlows];
        this.nextSeq = new int[maxFlows];
        this.seqKnown = new boolean[maxFlows];
        this.clientSegments = new byte[maxFlows];
        this.clientSpoke = new boolean[maxFlows];
        this.sniId = new int[maxFlows];
        this.hostId = new int[maxFlows];
        this.queryId = new int[maxFlows];
        this.ech = new boolean[maxFlows];
        this.rtpForward = new long[maxFlows];
        this.rtpReverse = new long[maxFlows];
        this.datagrams = new byte[maxFlows];
        this.matchedRule = new int[maxFlows];
        this.firstDatagram = new int[maxFlows];
        this.quicStream = new int[maxFlows];
        this.parsers = new ParserPool(maxInspectors, inspection);
    }

    /** A classifier with the defaults: 262,144 flows, two minutes idle, default inspection, no policy. */
    public PacketClassifier() {
        this(DEFAULT_MAX_FLOWS, DEFAULT_IDLE_TIMEOUT_NANOS, DEFAULT_MAX_INSPECTORS, InspectionSettings.DEFAULT,
                CompiledPolicy.empty(), null);
    }

    /**
     * Whether to decrypt each QUIC flow's client Initials to read its SNI (on by default). Off, QUIC flows are
     * still recognised, without a name, and the classifier allocates nothing at all once warm; on, each QUIC flow
     * costs one key derivation and one AES decryption per Initial its ClientHello spans (one, two for a post-quantum
     * key share), about 6 KB of short-lived JDK garbage.
     */
    public PacketClassifier decryptQuicInitials(boolean enabled) {
        this.decryptQuicInitials = enabled;
        return this;
    }

    /** Classifies the reader's current packet. */
    public void onPacket(PacketReader reader) {
        onPacket(reader.buffer(), reader.offset(), reader.capturedLength(), reader.originalLength(),
                reader.linkType(), reader.timestampNanos());
    }

    /**
     * Classifies one captured packet.
     *
     * @param buffer         holds the packet; read with absolute indexes, never retained
     * @param offset         index of the packet's first (link-layer) byte
     * @param capturedLength bytes captured
     * @param originalLength bytes on the wire (counted in byte totals)
     * @param linkType       libpcap link type ({@link LinkType})
     * @param timestampNanos capture time; drives idle eviction
     */
    public void onPacket(ByteBuf buffer, int offset, int capturedLength, long originalLength, int linkType,
                         long timestampNanos) {
        totalPackets++;
        totalBytes += originalLength;
        if (timestampNanos >= nextSweepNanos) {
            sweepSlowPath(timestampNanos);
        }
        int l3Offset;
        int l3Length;
        int etherType;
        switch (linkType) {
            case LinkType.ETHERNET:
                if (!ethernet.wrap(buffer, offset, capturedLength)) {
                    malformedPackets++;
                    return;
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
                    return;
                }
                l3Offset = offset + (linkType == LinkType.LINUX_SLL ? 16 : 4);
                l3Length = capturedLength - (l3Offset - offset);
                break;
        }
        long sHigh;
        long sLow;
        long dHigh;
        long dLow;
        int transport;
        int l4Offset;
        int l4Length;
        if (etherType == EthernetFlyweight.ETHER_TYPE_IPV4) {
            if (!ipv4.wrap(buffer, l3Offset, l3Length)) {
                malformedPackets++;
                return;
            }
            if (!ipv4.isFirstFragment()) {
                fragmentPackets++;
                return;
            }
            sHigh = 0;
            sLow = FlowTable.mapIpv4(ipv4.source());
            dHigh = 0;
            dLow = FlowTable.mapIpv4(ipv4.destination());
            transport = ipv4.protocol();
            l4Offset = ipv4.payloadOffset();
            l4Length = ipv4.payloadLength();
        } else if (etherType == EthernetFlyweight.ETHER_TYPE_IPV6) {
            if (!ipv6.wrap(buffer, l3Offset, l3Length)) {
                malformedPackets++;
                return;
            }
            if (!ipv6.isFirstFragment()) {
                fragmentPackets++;
                return;
            }
            sHigh = ipv6.sourceHigh();
            sLow = ipv6.sourceLow();
            dHigh = ipv6.destinationHigh();
            dLow = ipv6.destinationLow();
            transport = ipv6.protocol();
            l4Offset = ipv6.payloadOffset();
            l4Length = ipv6.payloadLength();
        } else {
            nonIpPackets++;
            return;
        }
        int sourcePort;
        int destinationPort;
        if (transport == TCP) {
            if (!tcp.wrap(buffer, l4Offset, l4Length)) {
                malformedPackets++;
                return;
            }
            sourcePort = tcp.sourcePort();
            destinationPort = tcp.destinationPort();
        } else if (transport == UDP) {
            if (!udp.wrap(buffer, l4Offset, l4Length)) {
                malformedPackets++;
                return;
            }
            sourcePort = udp.sourcePort();
            destinationPort = udp.destinationPort();
        } else {
            otherTransportPackets++;
            return;
        }
        final FlowTable table = this.table;
        int id = table.lookup(sHigh, sLow, sourcePort, dHigh, dLow, destinationPort, transport, timestampNanos);
        if (id < 0) {
            id = table.insert(id, sHigh, sLow, sourcePort, dHigh, dLow, destinationPort, transport, timestampNanos,
                    idleTimeoutNanos, evictionListener);
            if (id == FlowTable.NO_FLOW) {
                refusedPackets++;
                return;
            }
            startFlow(id, transport, sourcePort, destinationPort);
        }
        packets[id]++;
        bytes[id] += originalLength;
        if (transport == UDP && firstDatagram[id] == 0 && table.lastWasForward() == clientIsSource[id]) {
            firstDatagram[id] = udp.payloadLength();
        }
        if (state[id] == INSPECTING) {
            boolean fromClient = table.lastWasForward() == clientIsSource[id];
            if (transport == TCP) {
                inspectTcp(id, fromClient, buffer);
            } else {
                inspectUdp(id, fromClient, buffer);
            }
        }
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

    private void sweepSlowPath(long nowNanos) {
        if (nextSweepNanos != Long.MIN_VALUE) {
            table.evictIdle(nowNanos, idleTimeoutNanos, evictionListener);
        }
        // Sweeping every eighth of the timeout keeps a flow at most 1.125 timeouts past its last packet.
        nextSweepNanos = nowNanos + Math.max(1, idleTimeoutNanos / 8);
    }

    private void startFlow(int id, int transport, int sourcePort, int destinationPort) {
        flows++;
        boolean sourceIsClient;
        if (transport == TCP && tcp.hasFlag(TcpFlyweight.SYN)) {
            sourceIsClient = !tcp.hasFlag(TcpFlyweight.ACK);
        } else {
            sourceIsClient = !(isServicePort(sourcePort) && !isServicePort(destinationPort));
        }
        state[id] = INSPECTING;
        protocol[id] = (byte) Protocol.UNKNOWN.ordinal();
        clientIsSource[id] = sourceIsClient;
        packets[id] = 0;
        bytes[id] = 0;
        inspector[id] = NO_INSPECTOR;
        seqKnown[id] = false;
        clientSegments[id] = 0;
        clientSpoke[id] = false;
        sniId[id] = NameTable.NONE;
        hostId[id] = NameTable.NONE;
        queryId[id] = NameTable.NONE;
        ech[id] = false;
        rtpForward[id] = 0;
        rtpReverse[id] = 0;
        datagrams[id] = 0;
        matchedRule[id] = NO_RULE;
        firstDatagram[id] = 0;
        quicStream[id] = CryptoStreamPool.NONE;
    }

    /**
     * Well-known ports and the messenger service ports (STUN/TURN 3478/5349, XMPP 5222, FCM 5228, alt-HTTPS 8443):
     * a packet from one of these to another port comes from the server.
     */
    private static boolean isServicePort(int port) {
        return port < 1024 || port == 3478 || port == 5349 || port == 5222 || port == 5228 || port == 8443;
    }

    private void inspectTcp(int id, boolean fromClient, ByteBuf buffer) {
        final TcpFlyweight tcp = this.tcp;
        int length = tcp.payloadLength();
        if (!fromClient) {
            if (length > 0 && !clientSpoke[id]) {
                // The server spoke first (SMTP, XMPP banners): no ClientHello or request head will come.
                decide(id, Protocol.UNKNOWN);
            }
            return;
        }
        if (tcp.hasFlag(TcpFlyweight.SYN)) {
            nextSeq[id] = tcp.sequence() + 1;
            seqKnown[id] = true;
            return;
        }
        if (length == 0) {
            if (tcp.hasFlag(TcpFlyweight.FIN) || tcp.hasFlag(TcpFlyweight.RST)) {
                decide(id, Protocol.UNKNOWN);
            }
            return;
        }
        int start = tcp.payloadOffset();
        if (!seqKnown[id]) {
            nextSeq[id] = tcp.sequence();
            seqKnown[id] = true;
        }
        int delta = tcp.sequence() - nextSeq[id];
        if (delta > 0) {
            outOfOrderSegments++;
            return;
        }
        if (delta < 0) {
            // In long: -Integer.MIN_VALUE (a segment exactly half the sequence space away) overflows back to negative
            // and moved start by 2^31 (found by CaptureFuzzTargetsTest, crash-0136cc7d...).
            if (-(long) delta >= length) {
                return;
            }
            start -= delta;
            length += delta;
        }
        nextSeq[id] += length;
        clientSpoke[id] = true;
        int slot = inspector[id];
        if (slot == NO_INSPECTOR) {
            slot = acquireInspector(id, buffer, start, length);
            if (slot == NO_INSPECTOR) {
                return;
            }
        }
        int offered = parsers.take(slot, length);
        if (parsers.kind(slot) == ParserPool.TLS) {
            TlsClientHelloParser parser = parsers.tls(slot);
            TlsClientHelloParser.Status status = parser.offer(buffer, start, offered);
            if (status == TlsClientHelloParser.Status.COMPLETE) {
                if (parser.hasSni()) {
                    sniId[id] = names.intern(parser.sniBytes(), parser.sniOffset(), parser.sniLength());
                }
                ech[id] = parser.hasEch();
                decide(id, Protocol.TLS);
                return;
            }
            if (status == TlsClientHelloParser.Status.NOT_TLS) {
                decide(id, clientSegments[id] == 0 ? firstSegment.recognize(buffer, start, length) : Protocol.UNKNOWN);
                return;
            }
        } else {
            HttpHostParser parser = parsers.http(slot);
            HttpHostParser.Status status = parser.offer(buffer, start, offered);
            if (status == HttpHostParser.Status.COMPLETE) {
                if (parser.hasHost()) {
                    hostId[id] = names.intern(parser.hostBytes(), parser.hostOffset(), parser.hostLength());
                }
                decide(id, Protocol.HTTP);
                return;
            }
            if (status == HttpHostParser.Status.NOT_HTTP) {
                decide(id, clientSegments[id] == 0 ? firstSegment.recognize(buffer, start, length) : Protocol.UNKNOWN);
                return;
            }
        }
        if (!inspection.reassemble() || parsers.exhausted(slot)
                || ++clientSegments[id] >= MAX_CLIENT_SEGMENTS) {
            decide(id, Protocol.UNKNOWN);
        }
    }

    /**
     * The first client byte picks the recogniser, exactly as the stream face's StreamClassifier does; a first segment
     * for neither TLS nor HTTP is judged whole by {@link FirstSegmentRecognizer} (OpenVPN over TCP, fully encrypted).
     */
    private int acquireInspector(int id, ByteBuf buffer, int start, int length) {
        byte first = buffer.getByte(start);
        byte kind;
        if (first == TLS_HANDSHAKE_RECORD) {
            kind = ParserPool.TLS;
        } else if (first >= 'A' && first <= 'Z') {
            kind = ParserPool.HTTP;
        } else {
            decide(id, firstSegment.recognize(buffer, start, length));
            return NO_INSPECTOR;
        }
        int slot = parsers.acquire(kind);
        if (slot == ParserPool.NONE) {
            decide(id, Protocol.UNKNOWN);
            return NO_INSPECTOR;
        }
        inspector[id] = slot;
        return slot;
    }

    private void releaseInspector(int id) {
        int slot = inspector[id];
        if (slot != NO_INSPECTOR) {
            parsers.release(slot);
            inspector[id] = NO_INSPECTOR;
        }
    }

    private void inspectUdp(int id, boolean fromClient, ByteBuf buffer) {
        final int length = udp.payloadLength();
        if (length == 0) {
            return;
        }
        final int offset = udp.payloadOffset();
        final int seen = datagrams[id]++;
        final int soFar = protocol[id];
        if (soFar == QUIC_ORDINAL) {
            continueQuicSlowPath(id, fromClient, buffer, offset, length, seen);
            return;
        }
        final boolean stunSoFar = soFar == Protocol.STUN.ordinal();
        if (seen == 0) {
            // Only a flow's first datagram may open QUIC, or what FirstDatagramRecognizer knows (DNS, DTLS, the VPNs),
            // in the order the relay uses; later ones only confirm a call.
            if (quic.recognize(buffer, offset, length)) {
                if (fromClient && decryptQuicInitials && startQuicSlowPath(id, buffer, offset)) {
                    return;
                }
                decide(id, Protocol.QUIC);
                return;
            }
            Protocol opened = opener.recognize(buffer, offset, length, udp.sourcePort(), udp.destinationPort());
            if (opened == Protocol.DNS) {
                int nameLength = dns.copyName(buffer, nameScratch, 0);
                queryId[id] = names.intern(nameScratch, 0, nameLength);
            }
            if (opened != Protocol.UNKNOWN) {
                decide(id, opened);
                return;
            }
        }
        if (stun.recognize(buffer, offset, length)) {
            protocol[id] = (byte) Protocol.STUN.ordinal();
        } else {
            Protocol media = rtp.recognize(buffer, offset, length);
            if (media == Protocol.RTP) {
                long advanced;
                if (fromClient) {
                    advanced = rtpForward[id] = RtpTracker.advance(rtpForward[id], rtp.ssrc(), rtp.sequence());
                } else {
                    advanced = rtpReverse[id] = RtpTracker.advance(rtpReverse[id], rtp.ssrc(), rtp.sequence());
                }
                if (RtpTracker.isConfirmed(advanced)) {
                    decide(id, Protocol.RTP);
                    return;
                }
            } else if (media == Protocol.UNKNOWN && !stunSoFar && !dtls.recognize(buffer, offset, length)) {
                if (fromClient) {
                    rtpForward[id] = RtpTracker.strike(rtpForward[id]);
                } else {
                    rtpReverse[id] = RtpTracker.strike(rtpReverse[id]);
                }
            }
        }
        if (seen + 1 >= MAX_UDP_DATAGRAMS) {
            decide(id, PROTOCOLS[protocol[id]]);
        }
    }

    /**
     * Decrypts the client's first Initial into a pooled {@link QuicCryptoStream}. When it holds the whole ClientHello
     * (the common case), reads it at once; otherwise keeps the stream for the flow's next Initials.
     *
     * @return whether the flow stays undecided, waiting for more Initials
     */
    private boolean startQuicSlowPath(int id, ByteBuf buffer, int offset) {
        int slot = quicStreams.acquire();
        QuicCryptoStream stream = slot == CryptoStreamPool.NONE ? scratchStream : quicStreams.stream(slot);
        if (slot == CryptoStreamPool.NONE) {
            stream.reset();
        }
        boolean wellFormed = quicDecryptor.decrypt(buffer, offset, quic, stream);
        // An Initial that decrypts to garbage with nothing gathered (forged, corrupted, a server's) is not worth a slot.
        boolean hopeless = !wellFormed && stream.contiguousLength() == 0;
        if (readQuicHello(id, stream) || hopeless || slot == CryptoStreamPool.NONE) {
            if (slot != CryptoStreamPool.NONE) {
                quicStreams.release(slot);
            }
            return false;
        }
        quicStream[id] = slot;
        protocol[id] = (byte) QUIC_ORDINAL;
        return true;
    }

    /**
     * A later datagram of a QUIC flow whose ClientHello is still incomplete: a client Initial adds its CRYPTO frames
     * (decrypted with the keys of the flow's first Initial, RFC 9001 §5.2); anything else only counts toward the
     * datagram budget.
     */
    private void continueQuicSlowPath(int id, boolean fromClient, ByteBuf buffer, int offset, int length, int seen) {
        QuicCryptoStream stream = quicStreams.stream(quicStream[id]);
        if (fromClient && quic.recognize(buffer, offset, length)) {
            quicDecryptor.decrypt(buffer, offset, quic, stream);
            if (readQuicHello(id, stream)) {
                decide(id, Protocol.QUIC);
                return;
            }
        }
        if (seen + 1 >= MAX_UDP_DATAGRAMS) {
            decide(id, Protocol.QUIC);
        }
    }

    /**
     * Parses the stream's ClientHello with the same TLS parser as TCP, behind a synthetic handshake record header
     * (QUIC carries handshake messages without the record layer), once it is complete.
     *
     * @return whether the stream is done: the ClientHello was read, or it never will be (not a ClientHello, a budget
     *         ran out); {@code false} while more Initials may complete it
     */
    private boolean readQuicHello(int id, QuicCryptoStream stream) {
        QuicCryptoStream.Status status = stream.status();
        if (status == QuicCryptoStream.Status.PENDING) {
            return false;
        }
        if (status != QuicCryptoStream.Status.COMPLETE) {
            return true;
        }
        if (stream.parseHello(quicHello) == TlsClientHelloParser.Status.COMPLETE) {
            if (stream.initials() > 1) {
                quicHellosOverSeveralInitials++;
            }
            if (quicHello.hasSni()) {
                sniId[id] = names.intern(quicHello.sniBytes(), quicHello.sniOffset(), quicHello.sniLength());
            }
            ech[id] = quicHello.hasEch();
        }
        return true;
    }

    private void decide(int id, Protocol decided) {
        state[id] = DECIDED;
        protocol[id] = (byte) decided.ordinal();
        releaseInspector(id);
        int stream = quicStream[id];
        if (stream != CryptoStreamPool.NONE) {
            quicStreams.release(stream);
            quicStream[id] = CryptoStreamPool.NONE;
        }
        if (rules.length > 0 || dnsRules.length > 0) {
            matchedRule[id] = evaluateSlowPath(id, decided);
        }
    }

    /**
     * Builds exactly the facts the proxy (or the DNS server, for a DNS flow) builds for a flow, so a rule matches here
     * iff it matches there.
     *
     * @return the index of the rule that matched ({@link #dnsRules} after {@link #rules}), or {@link #NO_RULE}
     */
    private int evaluateSlowPath(int id, Protocol decided) {
        final FlowTable table = this.table;
        boolean forward = clientIsSource[id];
        if (decided == Protocol.DNS && dnsRules.length > 0) {
            int dnsRule = evaluateDnsSlowPath(id, forward);
            if (dnsRule != NO_RULE) {
                return dnsRule;
            }
        }
        if (rules.length == 0 || (table.transport(id) == UDP && !hasUdpRules)) {
            return NO_RULE;
        }
        InetSocketAddress source = FlowAddresses.socketAddress(table.sourceHigh(id), table.sourceLow(id), table.sourcePort(id));
        InetSocketAddress destination = FlowAddresses.socketAddress(table.destinationHigh(id), table.destinationLow(id),
                table.destinationPort(id));
        InetSocketAddress client = forward ? source : destination;
        InetSocketAddress server = forward ? destination : source;
        if (table.transport(id) == UDP) {
            // As the UDP relay does: UDP rules only, with the first client datagram's size; the names a UDP flow can
            // be tied to are its own (a QUIC Initial's SNI), since a trace has no proxy that saw the TLS signalling.
            String sni = names.name(sniId[id]);
            return ruleIndex(policy.evaluateUdp(new UdpFlowFacts(client, server, decided, firstDatagram[id],
                    sni == null ? List.of() : List.of(sni))));
        }
        StreamClassification classification = new StreamClassification(decided, names.name(sniId[id]),
                names.name(hostId[id]), List.of(), ech[id], false);
        return ruleIndex(policy.evaluate(new FlowFacts(client, server, null, classification)).rule());
    }

    /**
     * The DNS rule the DNS server would apply to this flow's question ({@code DnsResponder}: the name without a
     * trailing dot, matched case-insensitively, the query type, the asking client's address). The question comes from
     * the flow's first datagram, normally the query; a flow first seen at its response carries the same question.
     * Called right after {@link DnsRecognizer#recognize} accepted that datagram, so {@link #dns} still describes it.
     * Allocates the client's {@link InetAddress} once per DNS flow; the name is the interned one.
     */
    private int evaluateDnsSlowPath(int id, boolean clientIsSource) {
        String queryName = names.name(queryId[id]);
        if (queryName == null) {
            return NO_RULE;
        }
        final FlowTable table = this.table;
        InetAddress client = clientIsSource
                ? FlowAddresses.address(table.sourceHigh(id), table.sourceLow(id))
                : FlowAddresses.address(table.destinationHigh(id), table.destinationLow(id));
        DnsRule rule = policy.evaluateDns(queryName, dns.queryType(), client);
        if (rule == null) {
            return NO_RULE;
        }
        for (int i = 0; i < dnsRules.length; i++) {
            if (dnsRules[i] == rule) {
                return rules.length + i;
            }
        }
        return NO_RULE;
    }

    private int ruleIndex(CompiledRule rule) {
        if (rule == null) {
            return NO_RULE;
        }
        for (int i = 0; i < rules.length; i++) {
            if (rules[i] == rule) {
                return i;
            }
        }
        return NO_RULE;
    }

    private void flowEnded(int id) {
        if (state[id] == INSPECTING) {
            decide(id, PROTOCOLS[protocol[id]]);
        }
        int p = protocol[id];
        flowsByProtocol[p]++;
        packetsByProtocol[p] += packets[id];
        bytesByProtocol[p] += bytes[id];
        int rule = matchedRule[id];
        if (rule != NO_RULE) {
            flowsByRule[rule]++;
            packetsByRule[rule] += packets[id];
            bytesByRule[rule] += bytes[id];
        }
        if (listener != null) {
            listener.onFlow(summarise(id));
        }
    }

    private FlowSummary summarise(int id) {
        final FlowTable table = this.table;
        String source = FlowAddresses.text(table.sourceHigh(id), table.sourceLow(id), table.sourcePort(id));
        String destination = FlowAddresses.text(table.destinationHigh(id), table.destinationLow(id), table.destinationPort(id));
        boolean forward = clientIsSource[id];
        int rule = matchedRule[id];
        String ruleName = null;
        String action = null;
        if (rule != NO_RULE && rule < rules.length) {
            ruleName = rules[rule].name();
            action = rules[rule].describe();
        } else if (rule != NO_RULE) {
            DnsRule dnsRule = dnsRules[rule - rules.length];
            ruleName = dnsRule.name();
            action = dnsRule.action().describe();
        }
        return new FlowSummary(forward ? source : destination, forward ? destination : source,
                table.transport(id) == TCP ? "tcp" : "udp", PROTOCOLS[protocol[id]], names.name(sniId[id]),
                names.name(hostId[id]), names.name(queryId[id]), ech[id], ruleName, action,
                packets[id], bytes[id], table.firstSeenNanos(id), table.lastSeenNanos(id));
    }

    /**
     * Forgets every flow, name and counter without reporting them, as if the classifier were new, and keeps its
     * tables for the next capture: a fresh classifier allocates about 5 MB (the name table alone has 2^19 slots), so a
     * caller that classifies many small independent inputs (a fuzzer, a test corpus) resets one instead. Call
     * {@link #finish()} first to report the flows still open. Per-flow arrays need no clearing: a flow's slot is
     * initialised when the flow starts.
     */
    public void reset() {
        table.clear();
        names.clear();
        parsers.clear();
        quicStreams.clear();
        nextSweepNanos = Long.MIN_VALUE;
        totalPackets = 0;
        totalBytes = 0;
        nonIpPackets = 0;
        unsupportedLinkPackets = 0;
        malformedPackets = 0;
        fragmentPackets = 0;
        otherTransportPackets = 0;
        refusedPackets = 0;
        outOfOrderSegments = 0;
        quicHellosOverSeveralInitials = 0;
        flows = 0;
        java.util.Arrays.fill(flowsByProtocol, 0);
        java.util.Arrays.fill(packetsByProtocol, 0);
        java.util.Arrays.fill(bytesByProtocol, 0);
        java.util.Arrays.fill(flowsByRule, 0);
        java.util.Arrays.fill(packetsByRule, 0);
        java.util.Arrays.fill(bytesByRule, 0);
    }

    /** Ends every flow still in the table (end of capture), reporting each. */
    public void finish() {
        table.drain(evictionListener);
    }

    public long packets() {
        return totalPackets;
    }

    /** Bytes on the wire of all packets offered. */
    public long bytes() {
        return totalBytes;
    }

    /** Flows started. */
    public long flows() {
        return flows;
    }

    /** Flows ended so far as {@code p} (all of them after {@link #finish()}). */
    public long flows(Protocol p) {
        return flowsByProtocol[p.ordinal()];
    }

    public long packets(Protocol p) {
        return packetsByProtocol[p.ordinal()];
    }

    public long bytes(Protocol p) {
        return bytesByProtocol[p.ordinal()];
    }

    /** The policy's rules, in file order; the index is what the per-rule counters take. */
    public List<CompiledRule> rules() {
        return List.of(rules);
    }

    /** Flows ended so far that rule {@code index} matched. */
    public long flowsByRule(int index) {
        return flowsByRule[index];
    }

    public long packetsByRule(int index) {
        return packetsByRule[index];
    }

    public long bytesByRule(int index) {
        return bytesByRule[index];
    }

    /** The policy's DNS rules, in file order; the index is what the per-DNS-rule counters take. */
    public List<DnsRule> dnsRules() {
        return List.of(dnsRules);
    }

    /** DNS flows ended so far whose question DNS rule {@code index} matched. */
    public long flowsByDnsRule(int index) {
        return flowsByRule[rules.length + index];
    }

    public long packetsByDnsRule(int index) {
        return packetsByRule[rules.length + index];
    }

    public long bytesByDnsRule(int index) {
        return bytesByRule[rules.length + index];
    }

    /** Packets that were neither IPv4 nor IPv6. */
    public long nonIpPackets() {
        return nonIpPackets;
    }

    /** Packets of a link type this classifier does not parse. */
    public long unsupportedLinkPackets() {
        return unsupportedLinkPackets;
    }

    /** Packets whose link, IP or transport header was cut short or inconsistent. */
    public long malformedPackets() {
        return malformedPackets;
    }

    /** Non-first IP fragments: no transport header, so no flow. */
    public long fragmentPackets() {
        return fragmentPackets;
    }

    /** IP packets that were neither TCP nor UDP (ICMP, ESP, ...). */
    public long otherTransportPackets() {
        return otherTransportPackets;
    }

    /** Packets of new flows turned away because the flow table was full of live flows. */
    public long refusedPackets() {
        return refusedPackets;
    }

    /** Client segments after a sequence gap, skipped by the in-order reassembly. */
    public long outOfOrderSegments() {
        return outOfOrderSegments;
    }

    /** QUIC ClientHellos read from more than one Initial (post-quantum key shares, reordered Initials). */
    public long quicHellosOverSeveralInitials() {
        return quicHellosOverSeveralInitials;
    }

    /** QUIC flows judged on their first Initial alone because every ClientHello stream was busy. */
    public long quicStreamShortfalls() {
        return quicStreams.shortfalls();
    }

    /** TCP flows left unknown because every inspector was busy. */
    public long inspectorShortfalls() {
        return parsers.shortfalls();
    }

    /** Flow ids in use (for memory and sizing reports). */
    public int liveFlows() {
        return table.size();
    }
}
