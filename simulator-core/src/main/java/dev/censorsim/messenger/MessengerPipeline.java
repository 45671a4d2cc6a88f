package dev.censorsim.messenger;

/**
 * Names of the messenger's handlers, in pipeline order (head first).
 *
 * <p>Server channel: {@link #WA_NOISE} (steps aside for TLS; on a WhatsApp Noise handshake it answers, then
 * replaces itself with {@link #WA_FRAMES_IN} and {@link #WA_FRAMES_OUT}), {@link #ECH_STRIP} (removed after the first
 * record), {@link #TLS} (an {@code SniHandler} that replaces itself with the {@code SslHandler} for the
 * requested name), {@link #DOH_DISPATCH} (only when the server serves DoH; on a ClientHello for the DoH name it
 * replaces {@link #FRAMES} and {@link #SESSION} with {@link #HTTP}, {@link #HTTP_AGGREGATOR}, {@link #DOH}),
 * {@link #FRAMES}, {@link #SESSION}.
 *
 * <p>DoH client channel, once connected: {@link #TLS}, {@link #HTTP}, {@link #HTTP_AGGREGATOR}, {@link #DOH}.
 *
 * <p>Client channel while connecting: {@link #SOCKS} (SOCKS5 only, removed once the proxy connected),
 * {@link #WA_NOISE} (wa-noise chat only, replaced by {@link #WA_FRAMES_IN} and {@link #WA_FRAMES_OUT} once the
 * Noise handshake is done), {@link #SPLIT} (only with ClientHello splitting; removed once the ClientHello is out), {@link #ECH} (only when
 * offering ECH; removed once the ClientHello is out), {@link #TLS},
 * {@link #OUTCOME} (classifies how the attempt ended, removed on success). Once connected: {@link #TLS},
 * {@link #FRAMES}, {@link #IDLE} (media only), {@link #SESSION}; with QUIC first on, {@link #TRANSPORT_BYTES} right
 * after {@link #TLS}.
 *
 * <p>Client QUIC stream (QUIC first, {@link QuicFirst}): {@link #TRANSPORT_BYTES}, then {@link #FRAMES},
 * {@link #IDLE} (media only), {@link #SESSION} as on TCP. Its UDP socket: {@link #QUIC_STALL}, {@link #QUIC} (the
 * client codec), {@link #QUIC_END} (ends every exception, see {@link QuicSocketEndHandler}). The server's UDP endpoint: {@link #UDP_ENDPOINT} (STUN and RTP; passes QUIC on), {@link #QUIC} (the
 * server codec, whose streams hold {@link #FRAMES}, {@link #SESSION}).
 */
final class MessengerPipeline {

    static final String SOCKS = "messenger.socks";
    static final String SPLIT = "messenger.splitClientHello";
    static final String ECH = "messenger.echGrease";
    static final String WA_NOISE = "messenger.waNoise";
    static final String WA_FRAMES_IN = "messenger.waFramesIn";
    static final String WA_FRAMES_OUT = "messenger.waFramesOut";
    static final String ECH_STRIP = "messenger.echStrip";
    static final String TLS = "messenger.tls";
    static final String OUTCOME = "messenger.connectOutcome";
    static final String FRAMES = "messenger.frames";
    static final String IDLE = "messenger.idle";
    static final String SESSION = "messenger.session";
    static final String DOH_DISPATCH = "messenger.dohDispatch";
    static final String HTTP = "messenger.http";
    static final String HTTP_AGGREGATOR = "messenger.httpAggregator";
    static final String DOH = "messenger.doh";
    static final String TRANSPORT_BYTES = "messenger.transportBytes";
    static final String QUIC_STALL = "messenger.quicStall";
    static final String QUIC = "messenger.quic";
    static final String QUIC_END = "messenger.quicEnd";
    static final String UDP_ENDPOINT = "messenger.udpEndpoint";

    private MessengerPipeline() {
    }
}
