package dev.censorsim.scenario;

import dev.censorsim.messenger.vpn.VpnClient;
import dev.censorsim.messenger.vpn.VpnEndpoint;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.proxy.CensorProxy;
import dev.censorsim.proxy.ProxyOptions;
import dev.censorsim.proxy.udp.UdpRelay;
import dev.censorsim.proxy.udp.UdpRelayOptions;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * The VPN strategy's parts in a scenario: the endpoint beside the messenger server (forwarding to it directly, as a
 * server abroad would), the censor in front of the endpoint (a second proxy for TCP tunnels, a UDP relay for UDP
 * ones, both on the scenario's {@link PolicyHolder}), and the client whose entry the app dials for every name.
 */
final class VpnRig implements AutoCloseable {

    private final VpnEndpoint endpoint;
    private final AutoCloseable censor;
    private final VpnClient client;

    private VpnRig(VpnEndpoint endpoint, AutoCloseable censor, VpnClient client) {
        this.endpoint = endpoint;
        this.censor = censor;
        this.client = client;
    }

    /** The rig for {@code strategy}, or {@code null} when the scenario uses no VPN. */
    static VpnRig start(VpnStrategy strategy, InetSocketAddress server, PolicyHolder policy) throws IOException {
        if (strategy == null) {
            return null;
        }
        VpnEndpoint endpoint = VpnEndpoint.start(strategy.kind(), server, strategy.sni());
        AutoCloseable censor;
        InetSocketAddress tunnel;
        try {
            if (strategy.kind().udp()) {
                UdpRelay relay = UdpRelay.start(UdpRelayOptions.forward(endpoint.address()).policy(policy).build());
                censor = relay;
                tunnel = relay.localAddress();
            } else {
                CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(endpoint.address()).policy(policy).build());
                censor = proxy;
                tunnel = proxy.localAddress();
            }
        } catch (IOException | RuntimeException e) {
            endpoint.close();
            throw e;
        }
        return new VpnRig(endpoint, censor, VpnClient.start(tunnel, endpoint, strategy.sni()));
    }

    VpnClient client() {
        return client;
    }

    @Override
    public void close() {
        client.close();
        try {
            censor.close();
        } catch (Exception e) {
            // The censor's sockets are loopback only; a failed close leaves nothing a later run could trip on.
        } finally {
            endpoint.close();
        }
    }
}
