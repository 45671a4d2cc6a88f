package dev.censorsim.proxy.udp;

import dev.censorsim.classify.Protocol;
import dev.censorsim.classify.QuicCryptoStream;
import dev.censorsim.classify.QuicInitialDecryptor;
import dev.censorsim.classify.QuicInitialRecognizer;
import dev.censorsim.classify.TlsClientHelloParser;
import dev.censorsim.classify.UdpFlowRecognizer;
import io.netty.buffer.ByteBuf;

/**
 * The classifier's datagram face inside the relay: {@link UdpFlowRecognizer}, the decision order the packet face
 * ({@code PacketClassifier}) shares, applied to one flow's datagrams as they pass. A retried WireGuard initiation is
 * the same flow, so a first-datagram block drops it too. After {@link #MAX_DATAGRAMS} datagrams the flow keeps what
 * it has.
 *
 * <p>A client's QUIC Initial is decrypted (RFC 9001) to read the ClientHello's SNI, as censors have done since 2023, with
 * the ClientHello gathered from up to {@link QuicCryptoStream#MAX_INITIALS} Initials when it spans several (a
 * post-quantum key share makes it about 1.8 KB). The verdict on the first datagram is taken on "QUIC" alone, and taken
 * again once the name is known.
 *
 * <p>One instance per UDP front end or SOCKS UDP association: the recognisers, the decryptor and the TLS parser are
 * reusable flyweights. The decryptor (two JCA ciphers and about 192 KiB of buffers) and the TLS parser are made at
 * the first client Initial, not with the classifier: a SOCKS association that never carries QUIC, the usual case,
 * would otherwise pay the JCA provider look-ups and the buffers when it opens (a third of a UDP ASSOCIATE
 * handshake's CPU time, measured with JFR on the SOCKS fuzz target). Per-packet work allocates nothing; a QUIC flow
 * gets one {@link QuicCryptoStream} (4 KiB) for its handshake, dropped once the name is read, and the JDK's AES keys.
 * A recogniser that threw on crafted input would leave the flow "unknown"; they are written never to throw, and
 * {@link UdpFlow} still guards the call.
 */
final class DatagramClassifier {

    /** Datagrams inspected per flow, as in the packet face. */
    static final int MAX_DATAGRAMS = UdpFlowRecognizer.MAX_DATAGRAMS;

    private final UdpFlowRecognizer recognizer = new UdpFlowRecognizer();
    private final QuicInitialRecognizer quic = recognizer.quic();
    /** Made at the first client Initial (see the class comment); then reused for every QUIC flow. */
    private QuicInitialDecryptor quicDecryptor;
    private TlsClientHelloParser quicHello;
    /** {@link UdpFlowRecognizer}'s view of the flow being inspected, re-pointed per datagram. */
    private final FlowState state = new FlowState();

    /**
     * Adds the client Initial just recognised to the flow's handshake; once the ClientHello is complete (or never will
     * be) the flow is decided, with its SNI when the hello had one.
     */
    private void readQuicName(UdpFlow flow, ByteBuf buffer, int index) {
        QuicCryptoStream stream = flow.quicHandshake;
        quicDecryptor.decrypt(buffer, index, quic, stream);
        QuicCryptoStream.Status status = stream.status();
        if (status == QuicCryptoStream.Status.PENDING) {
            return;
        }
        flow.quicHandshake = null;
        if (stream.parseHello(quicHello) == TlsClientHelloParser.Status.COMPLETE && quicHello.hasSni()) {
            flow.serverName(quicHello.sniAsString());
        }
        flow.decide(Protocol.QUIC);
    }

    /** Inspects one datagram of {@code flow} and updates its protocol and decided flag. */
    void inspect(UdpFlow flow, boolean fromClient, ByteBuf buffer) {
        final int index = buffer.readerIndex();
        final int length = buffer.readableBytes();
        if (length == 0) {
            return;
        }
        final int seen = flow.inspected++;
        if (flow.quicHandshake != null) {
            if (fromClient && quic.recognize(buffer, index, length)) {
                readQuicName(flow, buffer, index);
            } else if (seen + 1 >= MAX_DATAGRAMS) {
                flow.quicHandshake = null;
                flow.decide(Protocol.QUIC);
            }
            return;
        }
        state.flow = flow;
        int outcome = recognizer.inspect(state, buffer, index, length, fromClient, seen, flow.client.getPort(),
                flow.server.getPort());
        state.flow = null;
        if (outcome == UdpFlowRecognizer.QUIC_INITIAL) {
            if (fromClient && quic.isClientFirstFlight()) {
                if (quicDecryptor == null) {
                    quicDecryptor = new QuicInitialDecryptor();
                    quicHello = new TlsClientHelloParser();
                }
                flow.quicHandshake = new QuicCryptoStream();
                readQuicName(flow, buffer, index);
            } else {
                flow.decide(Protocol.QUIC);
            }
        } else if (outcome == UdpFlowRecognizer.DECIDED) {
            flow.decide(flow.protocol);
        }
    }

    /** The relay keeps a flow's recognition state in its {@link UdpFlow}. */
    private static final class FlowState implements UdpFlowRecognizer.State {
        UdpFlow flow;

        @Override
        public Protocol protocol() {
            return flow.protocol;
        }

        @Override
        public void protocol(Protocol protocol) {
            flow.protocol = protocol;
        }

        @Override
        public long rtpForward() {
            return flow.rtpForward;
        }

        @Override
        public void rtpForward(long rtpState) {
            flow.rtpForward = rtpState;
        }

        @Override
        public long rtpReverse() {
            return flow.rtpReverse;
        }

        @Override
        public void rtpReverse(long rtpState) {
            flow.rtpReverse = rtpState;
        }
    }
}
