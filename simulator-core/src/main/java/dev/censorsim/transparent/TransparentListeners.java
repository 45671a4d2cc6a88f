package dev.censorsim.transparent;

import dev.censorsim.capture.CaptureFile;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.proxy.CensorProxy;
import dev.censorsim.proxy.FlowListener;
import dev.censorsim.proxy.LiveFlow;
import dev.censorsim.proxy.ProxyOptions;
import dev.censorsim.proxy.TransparentRoute;
import dev.censorsim.proxy.udp.UdpFlowListener;
import dev.censorsim.proxy.udp.UdpRelay;
import dev.censorsim.proxy.udp.UdpRelayOptions;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The transparent TCP listener (the proxy in {@code TRANSPARENT} mode) and UDP listener (the relay in transparent
 * mode) of one address family, on ephemeral ports of one local address: what the TPROXY rules point at. One event
 * loop each: interception serves one namespace or one interface.
 */
final class TransparentListeners implements AutoCloseable {

    /** What every listener of a run or gateway shares. */
    record Settings(TransparentRoute route, List<String> clients, PolicyHolder policy, FlowListener tcpListener,
                    UdpFlowListener udpListener, Duration idleTimeout, Duration udpIdleTimeout, CaptureFile capture,
                    boolean loopMark) {
    }

    private final CensorProxy tcp;
    private final UdpRelay udp;

    private TransparentListeners(CensorProxy tcp, UdpRelay udp) {
        this.tcp = tcp;
        this.udp = udp;
    }

    static TransparentListeners start(InetAddress bind, Settings settings) throws IOException {
        CensorProxy tcp = CensorProxy.start(ProxyOptions.transparent(settings.route())
                .listen(new InetSocketAddress(bind, 0))
                .allowedClients(settings.clients())
                .policy(settings.policy())
                .listener(settings.tcpListener())
                .idleTimeout(settings.idleTimeout())
                .ioThreads(1)
                .capture(settings.capture())
                .loopMark(settings.loopMark())
                .build());
        try {
            UdpRelay udp = UdpRelay.start(UdpRelayOptions.transparent(settings.route())
                    .listen(new InetSocketAddress(bind, 0))
                    .allowedClients(settings.clients())
                    .policy(settings.policy())
                    .listener(settings.udpListener())
                    .idleTimeout(settings.udpIdleTimeout())
                    .capture(settings.capture())
                    .loopMark(settings.loopMark())
                    .build());
            return new TransparentListeners(tcp, udp);
        } catch (IOException | RuntimeException e) {
            tcp.close();
            throw e;
        }
    }

    InetSocketAddress tcpAddress() {
        return tcp.localAddress();
    }

    InetSocketAddress udpAddress() {
        return udp.localAddress();
    }

    /** The TCP listener's live flows, each read on its event loop. */
    CompletableFuture<List<LiveFlow>> tcpFlows() {
        return tcp.flows();
    }

    /** TCP flows relaying now. */
    int liveTcpFlows() {
        return tcp.liveFlows();
    }

    @Override
    public void close() {
        try {
            udp.close();
        } finally {
            tcp.close();
        }
    }
}
