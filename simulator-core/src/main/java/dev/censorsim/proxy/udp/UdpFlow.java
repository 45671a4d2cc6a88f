package dev.censorsim.proxy.udp;

import dev.censorsim.classify.Protocol;
import dev.censorsim.classify.QuicCryptoStream;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.CompiledRule;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.UdpFlowFacts;
import dev.censorsim.policy.UdpTreatment;
import dev.censorsim.proxy.RateLimitedWarning;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One UDP flow (a client address and a destination) as the censor tracks it: what its datagrams were recognised as,
 * which rule holds, the action's per-flow state, and the counts for the flow log. Confined to the relay's event loop,
 * so nothing is synchronised.
 *
 * <p>The verdict is taken on the first datagram and taken again whenever the recognised protocol changes (STUN, then
 * RTP once confirmed) or the policy is swapped: a DPI box acts on what it knows so far, so the datagrams before a call
 * is recognised pass, as they did in 2025. The per-datagram path, {@link #onDatagram}, allocates nothing once the
 * flow's protocol is decided and the policy is unchanged.
 */
final class UdpFlow {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(UdpFlow.class);
    private static final RateLimitedWarning ACTION_FAILED = new RateLimitedWarning(LOG, 10, TimeUnit.SECONDS);

    final InetSocketAddress client;
    final InetSocketAddress server;
    final long startNanos;
    /** The socket the flow's client datagrams leave by: connected to {@link #server} in forward mode, except on epoll. */
    final Channel upstream;
    /**
     * Whether {@link #upstream} is connected (so it takes bare buffers), taken once when the flow opens: the socket is
     * connected before the flow exists and never reconnected, and this spares a {@code remoteAddress()} per datagram.
     */
    final boolean upstreamConnected;
    private final PolicyHolder holder;
    private final FlowNames names;
    private final DatagramClassifier classifier;

    /** Transparent relay only: the destination the client addressed, which replies must come from. */
    InetSocketAddress originalDestination;
    /** Transparent relay only: the socket bound (transparently) to {@link #originalDestination} that sends replies. */
    Channel replyChannel;
    /** The destination's address bytes, kept by the SOCKS association to write reply headers without copying. */
    byte[] rawServerAddress;
    long lastActivityNanos;
    int delayedInFlight;
    /** Bytes of this flow's datagrams waiting out a delay (see {@link DelayedDatagrams}). */
    long delayedBytes;
    /** Written to {@link #upstream} in the current client read batch, not yet flushed. */
    boolean upstreamUnflushed;
    /** Server datagrams written towards the client in the current upstream read batch, not yet flushed. */
    boolean clientUnflushed;
    boolean ended;

    // Classification state, written by DatagramClassifier.
    int inspected;
    /** A QUIC flow's ClientHello being gathered from its Initials; {@code null} otherwise and once it is read. */
    QuicCryptoStream quicHandshake;
    /** The SNI of the flow's own QUIC ClientHello, or {@code null}. */
    private String serverName;
    Protocol protocol = Protocol.UNKNOWN;
    long rtpForward;
    long rtpReverse;
    private boolean decided;
    private int firstLength = -1;
    private boolean protocolChanged;

    private CompiledPolicy policy;
    private CompiledRule rule;
    private UdpTreatment treatment;

    private long packetsUp;
    private long bytesUp;
    private long droppedUp;
    private long packetsDown;
    private long bytesDown;
    private long droppedDown;

    UdpFlow(InetSocketAddress client, InetSocketAddress server, Channel upstream, PolicyHolder holder,
            FlowNames names, DatagramClassifier classifier, long nowNanos) {
        this.client = client;
        this.server = server;
        this.upstream = upstream;
        this.upstreamConnected = upstream != null && upstream.remoteAddress() != null;
        this.holder = holder;
        this.names = names;
        this.classifier = classifier;
        this.startNanos = nowNanos;
        this.lastActivityNanos = nowNanos;
    }

    /**
     * Counts one datagram, classifies it while the flow is undecided, and asks the action what to do with it.
     *
     * @return {@link UdpTreatment#DROP}, {@link UdpTreatment#FORWARD} or a delay in nanoseconds
     */
    long onDatagram(boolean up, ByteBuf content, long nowNanos) {
        final int length = content.readableBytes();
        final long index = packetsUp + packetsDown;
        if (up) {
            packetsUp++;
            bytesUp += length;
        } else {
            packetsDown++;
            bytesDown += length;
        }
        lastActivityNanos = nowNanos;
        if (!decided) {
            inspectSlowPath(up, content);
        }
        final CompiledPolicy current = holder.current();
        if (current != policy || protocolChanged) {
            evaluateSlowPath(current);
        }
        final UdpTreatment t = treatment;
        if (t == null) {
            return UdpTreatment.FORWARD;
        }
        long fate;
        try {
            fate = t.onDatagram(up, length, index, nowNanos);
        } catch (RuntimeException bug) {
            // An action's bug must not reach the event loop's handler, nor leak the datagram its caller holds: the
            // datagram is dropped, and the fault named once in a while.
            ACTION_FAILED.warn("UDP action " + t.getClass().getName() + " failed on a datagram; dropped: " + bug);
            fate = UdpTreatment.DROP;
        }
        if (fate < 0) {
            if (up) {
                droppedUp++;
            } else {
                droppedDown++;
            }
        } else if (up) {
            rule.counters().addBytesUp(length);
        } else {
            rule.counters().addBytesDown(length);
        }
        return fate;
    }

    private void inspectSlowPath(boolean up, ByteBuf content) {
        if (firstLength < 0 && up) {
            firstLength = content.readableBytes();
        }
        Protocol before = protocol;
        try {
            classifier.inspect(this, up, content);
        } catch (RuntimeException e) {
            LOG.debug("a recogniser threw on a malformed datagram; the flow stays unknown", e);
            decide(Protocol.UNKNOWN);
        }
        if (protocol != before) {
            protocolChanged = true;
        }
    }

    private void evaluateSlowPath(CompiledPolicy current) {
        policy = current;
        protocolChanged = false;
        CompiledRule next = null;
        if (current.hasUdpRules()) {
            List<String> recent = names == null ? List.of() : names.recent(client.getAddress());
            if (serverName != null) {
                List<String> withOwn = new ArrayList<>(recent.size() + 1);
                withOwn.add(serverName);
                withOwn.addAll(recent);
                recent = withOwn;
            }
            next = current.evaluateUdp(new UdpFlowFacts(client, server, protocol, Math.max(firstLength, 0), recent));
        }
        if (next != rule) {
            rule = next;
            treatment = next == null ? null : next.udpAction().open(startNanos);
            if (next != null) {
                next.counters().flowHit();
            }
        }
    }

    /** Called by the classifier: the flow's own ClientHello (QUIC) named {@code name}; the verdict is taken again. */
    void serverName(String name) {
        serverName = name;
        protocolChanged = true;
    }

    /** Called by the classifier: the flow is what it is, no more inspection. */
    void decide(Protocol decidedProtocol) {
        protocol = decidedProtocol;
        decided = true;
    }

    boolean isDecided() {
        return decided;
    }

    UdpFlowRecord record(UdpFlowEnd end, long nowNanos) {
        return new UdpFlowRecord(client, server, protocol, serverName, rule == null ? null : rule.name(),
                rule == null ? "pass" : rule.udpAction().describe(), packetsUp, bytesUp, droppedUp, packetsDown,
                bytesDown, droppedDown, nowNanos - startNanos, end);
    }
}
