package dev.censorsim.scenario;

import dev.censorsim.messenger.Strategies;
import dev.censorsim.messenger.VpnStrategy;
import dev.censorsim.messenger.vpn.VpnClient;
import dev.censorsim.messenger.vpn.VpnEndpoint;
import dev.censorsim.messenger.vpn.VpnRoute;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.proxy.CensorProxy;
import dev.censorsim.proxy.ProxyOptions;
import dev.censorsim.proxy.udp.UdpRelay;
import dev.censorsim.proxy.udp.UdpRelayOptions;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The VPN strategy's parts in a scenario: for each VPN the scenario uses, an endpoint beside the messenger server
 * (forwarding to it directly, as a server abroad would) and the censor in front of it (a second proxy for TCP
 * tunnels, a UDP relay for UDP ones, all on the scenario's {@link PolicyHolder}); and one {@link VpnClient} whose entry
 * the app dials for every name, switched per phase between the tunnels and the direct route (the censor's proxy).
 * When the scenario has calls, the client also takes the calls' datagrams and carries them in the tunnel too (to the
 * server's media port from the endpoint), or, with the VPN off, to the censor's UDP relay.
 */
final class VpnRig implements AutoCloseable {

    private final Map<VpnStrategy, VpnRoute> routes = new LinkedHashMap<>();
    private final List<AutoCloseable> parts = new ArrayList<>();
    private final VpnRoute direct;
    private VpnClient client;

    private VpnRig(InetSocketAddress proxy) {
        this.direct = VpnRoute.direct(proxy);
    }

    /** The rig for the VPNs {@code scenario} uses, or {@code null} when it uses none. */
    static VpnRig start(Scenario scenario, InetSocketAddress server, InetSocketAddress proxy, PolicyHolder policy)
            throws IOException {
        return start(scenario, server, proxy, policy, null, null);
    }

    /**
     * The same, carrying calls: {@code relay} is the censor's UDP relay (the direct route for datagrams),
     * {@code media} the server's UDP media port (where endpoints send them); both {@code null} without calls.
     */
    static VpnRig start(Scenario scenario, InetSocketAddress server, InetSocketAddress proxy, PolicyHolder policy,
                        InetSocketAddress relay, InetSocketAddress media) throws IOException {
        Strategies strategies = scenario.messenger().strategies();
        Set<VpnStrategy> used = new LinkedHashSet<>();
        scenario.phases().forEach(phase -> {
            VpnStrategy vpn = phase.vpnIn(strategies);
            if (vpn != null) {
                used.add(vpn);
            }
        });
        if (used.isEmpty()) {
            return null;
        }
        VpnRig rig = new VpnRig(proxy);
        try {
            for (VpnStrategy vpn : used) {
                rig.add(vpn, server, media, policy);
            }
            VpnRoute first = rig.route(scenario.phases().get(0).vpnIn(strategies));
            rig.client = relay == null ? VpnClient.start(first) : VpnClient.start(first, relay);
        } catch (IOException | RuntimeException e) {
            rig.close();
            throw e;
        }
        return rig;
    }

    private void add(VpnStrategy vpn, InetSocketAddress server, InetSocketAddress media, PolicyHolder policy)
            throws IOException {
        VpnEndpoint endpoint = media == null ? VpnEndpoint.start(vpn.kind(), server, vpn.sni())
                : VpnEndpoint.start(vpn.kind(), server, media, vpn.sni(), null);
        parts.add(endpoint);
        InetSocketAddress tunnel;
        if (vpn.kind().udp()) {
            UdpRelay relay = UdpRelay.start(UdpRelayOptions.forward(endpoint.address()).policy(policy).build());
            parts.add(relay);
            tunnel = relay.localAddress();
        } else {
            CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(endpoint.address()).policy(policy).build());
            parts.add(proxy);
            tunnel = proxy.localAddress();
        }
        routes.put(vpn, VpnRoute.to(tunnel, endpoint, vpn.sni()));
    }

    private VpnRoute route(VpnStrategy vpn) {
        return vpn == null ? direct : routes.get(vpn);
    }

    /** Where the app dials every name. */
    InetSocketAddress entry() {
        return client.entry();
    }

    /** Where the app's calls send their datagrams; {@code null} when the rig carries no calls. */
    InetSocketAddress datagramEntry() {
        return client.datagramEntry();
    }

    /** Puts the app on {@code vpn} ({@code null}: no VPN) from now on; connections on another route are reset. */
    void use(VpnStrategy vpn) {
        client.use(route(vpn));
    }

    VpnClient client() {
        return client;
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
        for (AutoCloseable part : parts) {
            try {
                part.close();
            } catch (Exception e) {
                // Loopback sockets only; a failed close leaves nothing a later run could trip on.
            }
        }
    }
}
