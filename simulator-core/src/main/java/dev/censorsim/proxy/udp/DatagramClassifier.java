package dev.censorsim.proxy.udp;

import dev.censorsim.classify.DtlsRecognizer;
import dev.censorsim.classify.FirstDatagramRecognizer;
import dev.censorsim.classify.Protocol;
import dev.censorsim.classify.QuicCryptoStream;
import dev.censorsim.classify.QuicInitialDecryptor;
import dev.censorsim.classify.QuicInitialRecognizer;
import dev.censorsim.classify.RtpRecognizer;
import dev.censorsim.classify.RtpTracker;
import dev.censorsim.classify.StunRecognizer;
import dev.censorsim.classify.TlsClientHelloParser;
import io.netty.buffer.ByteBuf;

/**
 * The classifier's datagram face inside the relay: the same recognisers and the same decision order as the packet
 * face ({@code PacketClassifier.inspectUdp}), applied to one flow's datagrams as they pass. Only a flow's first
 * datagram may open QUIC, or, in {@link FirstDatagramRecognizer}'s order (shared with the packet face), DNS, DTLS,
 * WireGuard, OpenVPN, IKEv2/ESP or L2TP (a censor that keys on the first datagram, as the 2022 QUIC block and the
 * 2024 WireGuard and OpenVPN blocks did: a retried WireGuard initiation is the same flow, so it is dropped too); later
 * ones may show STUN, and RTP once an {@link RtpTracker} has seen the SSRC hold and the sequence advance. After
 * {@link #MAX_DATAGRAMS} datagrams the flow keeps what it has.
 *
 * <p>A client's QUIC Initial is decrypted (RFC 9001) to read the ClientHello's SNI, as censors have done since 2023, with
 * the ClientHello gathered from up to {@link QuicCryptoStream#MAX_INITIALS} Initials when it spans several (a
 * post-quantum key share makes it about 1.8 KB). The verdict on the first datagram is taken on "QUIC" alone, and taken
 * again once the name is known.
 *
 * <p>One instance per relay event loop: the recognisers, the decryptor and the TLS parser are reusable flyweights.
 * Per-packet work allocates nothing; a QUIC flow gets one {@link QuicCryptoStream} (4 KiB) for its handshake, dropped
 * once the name is read, and the JDK's AES keys. A recogniser that threw on crafted input would leave the flow
 * "unknown"; they are written never to throw, and {@link UdpFlow} still guards the call.
 */
final class DatagramClassifier {

    /** Datagrams inspected per flow, as in the packet face. */
    static final int MAX_DATAGRAMS = 16;

    private final QuicInitialRecognizer quic = new QuicInitialRecognizer();
    private final QuicInitialDecryptor quicDecryptor = new QuicInitialDecryptor();
    private final TlsClientHelloParser quicHello = new TlsClientHelloParser();
    private final FirstDatagramRecognizer first = new FirstDatagramRecognizer();
    private final DtlsRecognizer dtls = first.dtls();
    private final StunRecognizer stun = new StunRecognizer();
    private final RtpRecognizer rtp = new RtpRecognizer();

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
        if (seen == 0) {
            if (quic.recognize(buffer, index, length)) {
                if (fromClient && quic.isClientFirstFlight()) {
                    flow.quicHandshake = new QuicCryptoStream();
                    flow.protocol = Protocol.QUIC;
                    readQuicName(flow, buffer, index);
                } else {
                    flow.decide(Protocol.QUIC);
                }
                return;
            }
            Protocol opened = first.recognize(buffer, index, length, flow.client.getPort(), flow.server.getPort());
            if (opened != Protocol.UNKNOWN) {
                flow.decide(opened);
                return;
            }
        }
        if (stun.recognize(buffer, index, length)) {
            flow.protocol = Protocol.STUN;
        } else {
            Protocol media = rtp.recognize(buffer, index, length);
            if (media == Protocol.RTP) {
                long state = fromClient
                        ? (flow.rtpForward = RtpTracker.advance(flow.rtpForward, rtp.ssrc(), rtp.sequence()))
                        : (flow.rtpReverse = RtpTracker.advance(flow.rtpReverse, rtp.ssrc(), rtp.sequence()));
                if (RtpTracker.isConfirmed(state)) {
                    flow.decide(Protocol.RTP);
                    return;
                }
            } else if (media == Protocol.RTCP) {
                if (flow.protocol == Protocol.UNKNOWN) {
                    flow.protocol = Protocol.RTCP;
                }
            } else if (flow.protocol != Protocol.STUN && !dtls.recognize(buffer, index, length)) {
                if (fromClient) {
                    flow.rtpForward = RtpTracker.strike(flow.rtpForward);
                } else {
                    flow.rtpReverse = RtpTracker.strike(flow.rtpReverse);
                }
            }
        }
        if (seen + 1 >= MAX_DATAGRAMS) {
            flow.decide(flow.protocol);
        }
    }
}
