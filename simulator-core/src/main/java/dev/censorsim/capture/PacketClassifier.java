package dev.censorsim.capture;

import dev.censorsim.classify.DnsRecognizer;
import dev.censorsim.classify.FirstSegmentRecognizer;
import dev.censorsim.classify.HttpHostParser;
import dev.censorsim.classify.InspectionSettings;
import dev.censorsim.classify.Protocol;
import dev.censorsim.classify.QuicCryptoStream;
import dev.censorsim.classify.QuicInitialDecryptor;
import dev.censorsim.classify.QuicInitialRecognizer;
import dev.censorsim.classify.RtpTracker;
import dev.censorsim.classify.TlsClientHelloParser;
import dev.censorsim.classify.UdpFlowRecognizer;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.CompiledRule;
import dev.censorsim.policy.DnsRule;
import io.netty.buffer.ByteBuf;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;

/**
 * The classifier's packet face: raw captured packets in, one classification per flow out, with the same recognisers
 * the proxy's stream face uses ({@link TlsClientHelloParser}, {@link HttpHostParser} and the UDP recognisers).
 *
 * <p>Three stages. Header decoding ({@link PacketHeaders}): link layer, IPv4 or IPv6, TCP or UDP, through re-pointed
 * flyweights. Flow recognition (this class): the 5-tuple {@link FlowTable}, then, only while a flow is undecided, its
 * recogniser. Verdicts ({@link PacketVerdicts}): the policy, once per decided flow.
 *
 * <p>Per-flow state lives in primitive arrays indexed by flow id. TCP client bytes are reassembled in sequence order
 * (retransmitted overlap trimmed, a segment after a gap skipped and counted, as a DPI box that does not buffer out of
 * order would) for at most {@link #MAX_CLIENT_SEGMENTS} segments and the {@link InspectionSettings#maxBytes()} budget;
 * a ClientHello split over segments is parsed like an unsplit one unless reassembly is off. A UDP flow goes through
 * {@link UdpFlowRecognizer}, the decision order the relay uses too: its first datagram may open QUIC (whose
 * ClientHello is decrypted for its SNI as censors have done since 2023), DNS, DTLS or a VPN; later ones show STUN,
 * RTCP, or RTP confirmed by an {@link RtpTracker}, within {@link #MAX_UDP_DATAGRAMS} datagrams. A QUIC
 * ClientHello larger than one Initial (post-quantum key shares) is gathered from up to
 * {@link QuicCryptoStream#MAX_INITIALS} client Initials, in any order, in a pooled {@link QuicCryptoStream}.
 *
 * <p>When a flow is decided, {@link PacketVerdicts} evaluates the policy (the same {@link CompiledPolicy} the proxy
 * uses) once on the facts the proxy would build, so the verdict per flow is what the proxy would apply.
 *
 * <p>Nothing is allocated per packet once warm: names are interned in a {@link NameTable}, TLS/HTTP parsers come
 * from a pool sized by the number of flows under inspection at once, as do the QUIC ClientHello streams. Per flow,
 * only the QUIC Initial decryption (see
 * {@link #decryptQuicInitials(boolean)}), the policy evaluation (its facts, when the policy has rules) and
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
    public static final int MAX_UDP_DATAGRAMS = UdpFlowRecognizer.MAX_DATAGRAMS;
    /**
     * QUIC flows gathering a ClientHello over several Initials at once; each holds a 4 KiB stream. A handshake takes
     * one round trip, so even 10,000 new QUIC flows per second at a 100 ms RTT keep about 1,000 in progress.
     */
    public static final int DEFAULT_MAX_QUIC_HANDSHAKES = 1024;

    private static final int TCP = PacketHeaders.TCP;
    private static final int UDP = PacketHeaders.UDP;
    private static final byte INSPECTING = 0;
    private static final byte DECIDED = 1;
    private static final int NO_INSPECTOR = -1;
    private static final int QUIC_ORDINAL = Protocol.QUIC.ordinal();
    private static final byte TLS_HANDSHAKE_RECORD = 0x16;
    private static final Protocol[] PROTOCOLS = Protocol.values();

    private final FlowTable table;
    private final NameTable names = new NameTable(1 << 18);
    private final long idleTimeoutNanos;
    private final InspectionSettings inspection;
    private final PacketHeaders headers = new PacketHeaders();
    private final PacketVerdicts verdicts;
    private final FlowListener listener;
    private final FlowTable.EvictionListener evictionListener = this::flowEnded;

    private final TcpFlyweight tcp = headers.tcp();
    private final UdpFlyweight udp = headers.udp();
    private final UdpFlowRecognizer udpRecognizer = new UdpFlowRecognizer();
    private final QuicInitialRecognizer quic = udpRecognizer.quic();
    private final FirstSegmentRecognizer firstSegment = new FirstSegmentRecognizer();
    /** {@link UdpFlowRecognizer}'s view of the flow being inspected, re-pointed per datagram. */
    private final FlowState udpState = new FlowState();
    private final DnsRecognizer dns = udpRecognizer.dns();
    private final byte[] nameScratch = new byte[DnsRecognizer.MAX_NAME_LENGTH];
    private final QuicInitialDecryptor quicDecryptor = new QuicInitialDecryptor();
    private final TlsClientHelloParser quicHello = new TlsClientHelloParser();
    private final CryptoStreamPool quicStreams = new CryptoStreamPool(DEFAULT_MAX_QUIC_HANDSHAKES);
    /** Stands in for a pooled stream when every slot is busy: the flow is then judged on its first Initial alone. */
    private final QuicCryptoStream scratchStream = new QuicCryptoStream();
    private boolean decryptQuicInitials = true;
    /** This classifier's shard of the flows ({@link #shard}): 0 of 1 unless sharded. */
    private int shardIndex;
    private int shardCount = 1;
    /** Whether {@link #onPacket} must hash each packet to find whether it is this shard's; see {@link #ownersKnown}. */
    private boolean checkShard;

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
    /** Payload bytes of each UDP flow's first client datagram, for {@code min-size} (the 2022 QUIC rule). */
    private final int[] firstDatagram;
    /** The {@link CryptoStreamPool} slot of a QUIC flow still gathering its ClientHello, else NONE. */
    private final int[] quicStream;
    /** Index in the capture (0-based, every packet counted) of each flow's first packet; orders the flow reports. */
    private final long[] firstPacket;

    private final ParserPool parsers;

    private long nextSweepNanos = Long.MIN_VALUE;

    /** Packets offered, whichever shard owns them: the index of the next packet in the capture. */
    private long scanned;

    // Counters. Those that belong to no flow are counted by shard 0 only (see shard()).
    private long totalPackets;
    private long totalBytes;
    private long refusedPackets;
    private long outOfOrderSegments;
    private long quicHellosOverSeveralInitials;
    private long flows;
    private final long[] flowsByProtocol = new long[PROTOCOLS.length];
    private final long[] packetsByProtocol = new long[PROTOCOLS.length];
    private final long[] bytesByProtocol = new long[PROTOCOLS.length];

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
        this.verdicts = new PacketVerdicts(Objects.requireNonNull(policy, "policy"), maxFlows);
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
        this.firstDatagram = new int[maxFlows];
        this.quicStream = new int[maxFlows];
        this.firstPacket = new long[maxFlows];
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

    /**
     * Makes this classifier own only shard {@code index} of {@code count}: it is still offered every packet of the
     * capture, in order (through {@link #onPacket}, or {@link #passOver} for a packet already known to be another
     * shard's), but keeps only the flows whose 5-tuple hash falls in its shard, so {@code count} classifiers, one per
     * thread, together classify the capture once. Each flow is seen whole
     * by exactly one of them, and each sees every packet's timestamp, so idle sweeps run at the same packets as in a
     * single classifier and every flow ends and reads the same (see {@link ShardedClassifier}). The per-packet counters
     * that belong to no flow (totals, malformed, non-IP, fragments, other transports, unsupported links) are kept by
     * shard 0 alone, so summing the shards' counters gives one classifier's. Call before the first packet.
     */
    public PacketClassifier shard(int index, int count) {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("shard " + index + " of " + count);
        }
        this.shardIndex = index;
        this.shardCount = count;
        this.checkShard = count > 1;
        return this;
    }

    /**
     * The shard, in {@code [0, count)}, that owns a flow with this symmetric 5-tuple hash. Takes the hash's high bits
     * (multiply-shift range reduction): the flow table's home slot is its low bits, and sharding on those would leave
     * every shard's table using one slot in {@code count}, with longer probe runs.
     */
    static int shardOf(int hash, int count) {
        return (int) (((hash & 0xffffffffL) * count) >>> 32);
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
        final long index = scanned++;
        if (shardIndex == 0) {
            totalPackets++;
            totalBytes += originalLength;
        }
        if (timestampNanos >= nextSweepNanos) {
            sweepSlowPath(timestampNanos);
        }
        final PacketHeaders headers = this.headers;
        if (!headers.decode(buffer, offset, capturedLength, linkType)) {
            return;
        }
        if (checkShard && shardOf(FlowTable.hash(headers.sourceHigh(), headers.sourceLow(), headers.sourcePort(),
                headers.destinationHigh(), headers.destinationLow(), headers.destinationPort(), headers.transport()),
                shardCount) != shardIndex) {
            return;
        }
        final int transport = headers.transport();
        final int sourcePort = headers.sourcePort();
        final int destinationPort = headers.destinationPort();
        final long sHigh = headers.sourceHigh();
        final long sLow = headers.sourceLow();
        final long dHigh = headers.destinationHigh();
        final long dLow = headers.destinationLow();
        final FlowTable table = this.table;
        int id = table.lookup(sHigh, sLow, sourcePort, dHigh, dLow, destinationPort, transport, timestampNanos);
        if (id < 0) {
            id = table.insert(id, sHigh, sLow, sourcePort, dHigh, dLow, destinationPort, transport, timestampNanos,
                    idleTimeoutNanos, evictionListener);
            if (id == FlowTable.NO_FLOW) {
                refusedPackets++;
                return;
            }
            headers.wrapTransport(buffer);
            startFlow(id, transport, sourcePort, destinationPort);
            firstPacket[id] = index;
        }
        packets[id]++;
        bytes[id] += originalLength;
        if (transport == UDP && firstDatagram[id] == 0 && table.lastWasForward() == clientIsSource[id]) {
            headers.wrapTransport(buffer);
            firstDatagram[id] = udp.payloadLength();
        }
        if (state[id] == INSPECTING) {
            headers.wrapTransport(buffer);
            boolean fromClient = table.lastWasForward() == clientIsSource[id];
            if (transport == TCP) {
                inspectTcp(id, fromClient, buffer);
            } else {
                inspectUdp(id, fromClient, buffer);
            }
        }
    }

    /**
     * A packet of this shard whose headers the {@link ShardedClassifier} pipeline has already decoded (see {@link
     * PacketHeaders#adopt}): the same as {@link #onPacket} but that the packet's bytes are read only if its flow
     * needs them (a new flow, one still undecided), so a packet of a decided flow costs its flow-table lookup and two
     * counters. It goes through {@link #onPacket} itself, with {@link PacketHeaders#ADOPTED} for a link type, so that
     * the per-packet path stays one method: split in two, the single-thread loop compiled to one call more per packet
     * and ran about 10% slower.
     */
    void onDecoded(ByteBuf buffer, long originalLength, long timestampNanos, long sourceHigh, long sourceLow,
                   long destinationHigh, long destinationLow, int ports, int transport, int transportOffset,
                   int transportLength) {
        headers.adopt(sourceHigh, sourceLow, destinationHigh, destinationLow, ports, transport, transportOffset,
                transportLength);
        onPacket(buffer, transportOffset, transportLength, originalLength, PacketHeaders.ADOPTED, timestampNanos);
    }

    /**
     * From now on {@link #onPacket} is offered only this shard's packets (the others go to {@link #passOver}), so it
     * skips hashing each one to check: the {@link ShardedClassifier} pipeline hashed them all once already.
     */
    void ownersKnown() {
        checkShard = false;
    }

    /**
     * A packet another shard owns, already known to be so (see {@link ShardedClassifier}): it is not decoded, but it
     * still takes its index in the capture, counts in the totals (shard 0) and drives the idle sweep with its
     * timestamp, exactly as {@link #onPacket} does for a packet of another shard.
     */
    void passOver(long originalLength, long timestampNanos) {
        scanned++;
        if (shardIndex == 0) {
            totalPackets++;
            totalBytes += originalLength;
        }
        if (timestampNanos >= nextSweepNanos) {
            sweepSlowPath(timestampNanos);
        }
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
        verdicts.startFlow(id);
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
        final boolean forward = clientIsSource[id];
        udpState.id = id;
        int outcome = udpRecognizer.inspect(udpState, buffer, offset, length, fromClient, seen,
                forward ? udp.sourcePort() : udp.destinationPort(), forward ? udp.destinationPort() : udp.sourcePort());
        if (outcome == UdpFlowRecognizer.QUIC_INITIAL) {
            if (fromClient && decryptQuicInitials && startQuicSlowPath(id, buffer, offset)) {
                return;
            }
            decide(id, Protocol.QUIC);
        } else if (outcome == UdpFlowRecognizer.DECIDED) {
            Protocol decided = PROTOCOLS[protocol[id]];
            if (decided == Protocol.DNS && seen == 0) {
                int nameLength = dns.copyName(buffer, nameScratch, 0);
                queryId[id] = names.intern(nameScratch, 0, nameLength);
            }
            decide(id, decided);
        }
    }

    /** The packet face keeps a flow's recognition state in arrays indexed by flow id. */
    private final class FlowState implements UdpFlowRecognizer.State {
        int id;

        @Override
        public Protocol protocol() {
            return PROTOCOLS[protocol[id]];
        }

        @Override
        public void protocol(Protocol p) {
            protocol[id] = (byte) p.ordinal();
        }

        @Override
        public long rtpForward() {
            return rtpForward[id];
        }

        @Override
        public void rtpForward(long state) {
            rtpForward[id] = state;
        }

        @Override
        public long rtpReverse() {
            return rtpReverse[id];
        }

        @Override
        public void rtpReverse(long state) {
            rtpReverse[id] = state;
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
        if (verdicts.active()) {
            evaluateSlowPath(id, decided);
        }
    }

    /** Hands the flow's facts to {@link PacketVerdicts}; per flow, only when the policy has rules. */
    private void evaluateSlowPath(int id, Protocol decided) {
        final FlowTable table = this.table;
        boolean forward = clientIsSource[id];
        InetSocketAddress source = FlowAddresses.socketAddress(table.sourceHigh(id), table.sourceLow(id),
                table.sourcePort(id));
        InetSocketAddress destination = FlowAddresses.socketAddress(table.destinationHigh(id),
                table.destinationLow(id), table.destinationPort(id));
        // The DNS question is the flow's first datagram's, which the DNS recogniser still describes: DNS is decided
        // as soon as that datagram is recognised.
        verdicts.evaluate(id, forward ? source : destination, forward ? destination : source,
                table.transport(id) == UDP, decided, names.name(sniId[id]), names.name(hostId[id]), ech[id],
                firstDatagram[id], names.name(queryId[id]), decided == Protocol.DNS ? dns.queryType() : 0);
    }

    private void flowEnded(int id) {
        if (state[id] == INSPECTING) {
            decide(id, PROTOCOLS[protocol[id]]);
        }
        int p = protocol[id];
        flowsByProtocol[p]++;
        packetsByProtocol[p] += packets[id];
        bytesByProtocol[p] += bytes[id];
        verdicts.flowEnded(id, packets[id], bytes[id]);
        if (listener != null) {
            listener.onFlow(summarise(id));
        }
    }

    private FlowSummary summarise(int id) {
        final FlowTable table = this.table;
        String source = FlowAddresses.text(table.sourceHigh(id), table.sourceLow(id), table.sourcePort(id));
        String destination = FlowAddresses.text(table.destinationHigh(id), table.destinationLow(id), table.destinationPort(id));
        boolean forward = clientIsSource[id];
        return new FlowSummary(forward ? source : destination, forward ? destination : source,
                table.transport(id) == TCP ? "tcp" : "udp", PROTOCOLS[protocol[id]], names.name(sniId[id]),
                names.name(hostId[id]), names.name(queryId[id]), ech[id], verdicts.ruleName(id), verdicts.action(id),
                packets[id], bytes[id], table.firstSeenNanos(id), table.lastSeenNanos(id), firstPacket[id]);
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
        scanned = 0;
        totalPackets = 0;
        totalBytes = 0;
        headers.resetCounters();
        refusedPackets = 0;
        outOfOrderSegments = 0;
        quicHellosOverSeveralInitials = 0;
        flows = 0;
        java.util.Arrays.fill(flowsByProtocol, 0);
        java.util.Arrays.fill(packetsByProtocol, 0);
        java.util.Arrays.fill(bytesByProtocol, 0);
        verdicts.resetCounters();
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
        return verdicts.rules();
    }

    /** Flows ended so far that rule {@code index} matched. */
    public long flowsByRule(int index) {
        return verdicts.flowsByRule(index);
    }

    public long packetsByRule(int index) {
        return verdicts.packetsByRule(index);
    }

    public long bytesByRule(int index) {
        return verdicts.bytesByRule(index);
    }

    /** The policy's DNS rules, in file order; the index is what the per-DNS-rule counters take. */
    public List<DnsRule> dnsRules() {
        return verdicts.dnsRules();
    }

    /** DNS flows ended so far whose question DNS rule {@code index} matched. */
    public long flowsByDnsRule(int index) {
        return verdicts.flowsByDnsRule(index);
    }

    public long packetsByDnsRule(int index) {
        return verdicts.packetsByDnsRule(index);
    }

    public long bytesByDnsRule(int index) {
        return verdicts.bytesByDnsRule(index);
    }

    /** Packets that were neither IPv4 nor IPv6. */
    public long nonIpPackets() {
        return shardIndex == 0 ? headers.nonIpPackets() : 0;
    }

    /** Packets of a link type this classifier does not parse. */
    public long unsupportedLinkPackets() {
        return shardIndex == 0 ? headers.unsupportedLinkPackets() : 0;
    }

    /** Packets whose link, IP or transport header was cut short or inconsistent. */
    public long malformedPackets() {
        return shardIndex == 0 ? headers.malformedPackets() : 0;
    }

    /** Non-first IP fragments: no transport header, so no flow. */
    public long fragmentPackets() {
        return shardIndex == 0 ? headers.fragmentPackets() : 0;
    }

    /** IP packets that were neither TCP nor UDP (ICMP, ESP, ...). */
    public long otherTransportPackets() {
        return shardIndex == 0 ? headers.otherTransportPackets() : 0;
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
