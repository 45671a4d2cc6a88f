package dev.censorsim.classify;

import io.netty.buffer.ByteBuf;

/**
 * The one decision order for a UDP flow, datagram by datagram, shared by the relay ({@code DatagramClassifier}) and
 * the packet face ({@code PacketClassifier}) so a flow is labelled alike live and in a capture.
 *
 * <p>Only a flow's first datagram may open QUIC (the caller then reads the Initial's name, see
 * {@link #QUIC_INITIAL}) or, in {@link FirstDatagramRecognizer}'s order, DNS, DTLS, WireGuard, OpenVPN, IKEv2/ESP or
 * L2TP: a censor that keys on the first datagram, as the 2022 QUIC block and the 2024 WireGuard and OpenVPN blocks
 * did. Later datagrams may show STUN, RTCP (RFC 3550 §6, payload types 200-204: a flow that carries only RTCP is
 * labelled {@code rtcp}), and RTP once an {@link RtpTracker} has seen the SSRC hold and the sequence advance in one
 * direction. After {@link #MAX_DATAGRAMS} datagrams the flow keeps what it has.
 *
 * <p>Per-flow state stays with the caller, behind {@link State} (the relay keeps it in a flow object, the packet face
 * in arrays indexed by flow id). Reusable flyweights; allocates nothing; never throws; one instance per thread.
 */
public final class UdpFlowRecognizer {

    /** Datagrams inspected per flow before it keeps what it has. */
    public static final int MAX_DATAGRAMS = 16;

    /** {@link #inspect}: the flow is still undecided; its tentative protocol may have changed. */
    public static final int UNDECIDED = 0;
    /** {@link #inspect}: the flow is decided as its {@link State#protocol()}. */
    public static final int DECIDED = 1;
    /**
     * {@link #inspect}: the flow's first datagram is a QUIC Initial, which {@link #quic()} describes; the caller either
     * gathers the ClientHello for its name (a client's first flight) or decides QUIC at once.
     */
    public static final int QUIC_INITIAL = 2;

    /** A UDP flow's recognition state, kept by the caller. */
    public interface State {

        /** The flow's protocol so far: {@link Protocol#UNKNOWN}, or tentative (STUN, RTCP) until decided. */
        Protocol protocol();

        void protocol(Protocol protocol);

        /** {@link RtpTracker} state of the client-to-server direction. */
        long rtpForward();

        void rtpForward(long state);

        /** {@link RtpTracker} state of the server-to-client direction. */
        long rtpReverse();

        void rtpReverse(long state);
    }

    private final QuicInitialRecognizer quic = new QuicInitialRecognizer();
    private final FirstDatagramRecognizer first = new FirstDatagramRecognizer();
    private final DtlsRecognizer dtls = first.dtls();
    private final StunRecognizer stun = new StunRecognizer();
    private final RtpRecognizer rtp = new RtpRecognizer();

    /**
     * Inspects datagram number {@code seen} (0 for the first) of a flow, {@code buffer[offset, offset + length)}, not
     * empty.
     *
     * @param fromClient whether the client sent it
     * @param clientPort the flow's client port (IKEv2, ESP and L2TP are keyed on ports)
     * @param serverPort the flow's server port
     * @return {@link #UNDECIDED}, {@link #DECIDED} or {@link #QUIC_INITIAL}
     */
    public int inspect(State flow, ByteBuf buffer, int offset, int length, boolean fromClient, int seen,
                       int clientPort, int serverPort) {
        if (seen == 0) {
            if (quic.recognize(buffer, offset, length)) {
                flow.protocol(Protocol.QUIC);
                return QUIC_INITIAL;
            }
            Protocol opened = first.recognize(buffer, offset, length, clientPort, serverPort);
            if (opened != Protocol.UNKNOWN) {
                flow.protocol(opened);
                return DECIDED;
            }
        }
        if (stun.recognize(buffer, offset, length)) {
            flow.protocol(Protocol.STUN);
        } else {
            Protocol media = rtp.recognize(buffer, offset, length);
            if (media == Protocol.RTP) {
                long state;
                if (fromClient) {
                    state = RtpTracker.advance(flow.rtpForward(), rtp.ssrc(), rtp.sequence());
                    flow.rtpForward(state);
                } else {
                    state = RtpTracker.advance(flow.rtpReverse(), rtp.ssrc(), rtp.sequence());
                    flow.rtpReverse(state);
                }
                if (RtpTracker.isConfirmed(state)) {
                    flow.protocol(Protocol.RTP);
                    return DECIDED;
                }
            } else if (media == Protocol.RTCP) {
                // RTCP beside STUN is still a call being set up; alone (RTP on another port, RFC 3550 §11) it is RTCP.
                if (flow.protocol() == Protocol.UNKNOWN) {
                    flow.protocol(Protocol.RTCP);
                }
            } else if (flow.protocol() != Protocol.STUN && !dtls.recognize(buffer, offset, length)) {
                if (fromClient) {
                    flow.rtpForward(RtpTracker.strike(flow.rtpForward()));
                } else {
                    flow.rtpReverse(RtpTracker.strike(flow.rtpReverse()));
                }
            }
        }
        return seen + 1 >= MAX_DATAGRAMS ? DECIDED : UNDECIDED;
    }

    /** The QUIC recogniser, describing the last datagram it accepted (the caller's Initials). */
    public QuicInitialRecognizer quic() {
        return quic;
    }

    /** The DNS recogniser, describing the first datagram {@link #inspect} decided as {@link Protocol#DNS}. */
    public DnsRecognizer dns() {
        return first.dns();
    }
}
