package dev.censorsim.proxy.udp;

import dev.censorsim.capture.CaptureFile;
import dev.censorsim.policy.PolicyHolder;

import java.time.Duration;
import java.util.Objects;

/**
 * Enables SOCKS5 UDP ASSOCIATE on a {@code CensorProxy} in SOCKS mode, and says how its UDP flows are censored.
 *
 * @param policy      the live policy, normally the TCP proxy's own holder, so one file governs both
 * @param listener    receives a record per ended UDP flow
 * @param idleTimeout a destination flow with no datagram either way for this long ends (the association stays)
 * @param flowNames   names the client's TLS signalling used, or {@code null}
 * @param capture     where {@code --pcap} writes each datagram between the client and its destination, unwrapped
 *                    from the SOCKS header (the client's view of the call), or {@code null}; the caller closes it
 */
public record SocksUdpSettings(PolicyHolder policy, UdpFlowListener listener, Duration idleTimeout,
                               FlowNames flowNames, CaptureFile capture) {

    /** Without a capture. */
    public SocksUdpSettings(PolicyHolder policy, UdpFlowListener listener, Duration idleTimeout, FlowNames flowNames) {
        this(policy, listener, idleTimeout, flowNames, null);
    }

    public SocksUdpSettings {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (idleTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("idleTimeout must be at least 1 ms, was " + idleTimeout);
        }
    }
}
