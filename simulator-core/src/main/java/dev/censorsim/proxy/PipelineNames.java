package dev.censorsim.proxy;

/**
 * Names of the handlers the proxy installs, in pipeline order.
 *
 * <p>Client (accepted) channel, while the front end negotiates:
 * <ol>
 *   <li>{@link #CAPTURE}: {@code --pcap} only; records the client side of the flow, first so it sees every byte as
 *       read and as finally written, and stays for the channel's life</li>
 *   <li>{@link #CLIENT_FILTER}: closes clients outside the allow-list, then removes itself</li>
 *   <li>{@link #HANDSHAKE_TIMEOUT}: front ends that negotiate (SOCKS) only; closes a client whose request is not
 *       complete in time, removed by the front end once it is</li>
 *   <li>{@link #SOCKS_DETECT}: SOCKS mode only; Netty's version sniffer, which replaces itself with the SOCKS4 or
 *       SOCKS5 codec ({@link #SOCKS5_INITIAL_DECODER}, {@link #SOCKS5_COMMAND_DECODER}, and an unnamed encoder)</li>
 *   <li>{@link #FRONTEND}: {@code ForwardFrontendHandler}, {@code SocksFrontendHandler} or
 *       {@code HttpProxyFrontendHandler}; removed once the upstream is connected</li>
 * </ol>
 * Client channel once the flow runs:
 * <ol>
 *   <li>{@link #CLASSIFY}: holds the first client bytes until the verdict, then removes itself (absent when the
 *       policy does not look at content)</li>
 *   <li>{@link #RELAY}: the client-to-server {@code RelayHandler}</li>
 * </ol>
 * Upstream channel: only {@link #RELAY}, the server-to-client {@code RelayHandler}.
 */
public final class PipelineNames {

    public static final String CAPTURE = "censorsim.capture";
    public static final String CLIENT_FILTER = "censorsim.clientFilter";
    public static final String HANDSHAKE_TIMEOUT = "censorsim.handshakeTimeout";
    public static final String SOCKS_DETECT = "censorsim.socksDetect";
    public static final String SOCKS5_INITIAL_DECODER = "censorsim.socks5InitialDecoder";
    public static final String SOCKS5_COMMAND_DECODER = "censorsim.socks5CommandDecoder";
    public static final String FRONTEND = "censorsim.frontend";
    public static final String CLASSIFY = "censorsim.classify";
    public static final String RELAY = "censorsim.relay";

    private PipelineNames() {
    }
}
