package dev.censorsim.transparent;

import dev.censorsim.capture.CaptureFile;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.proxy.FlowListener;
import dev.censorsim.proxy.udp.UdpFlowListener;

import java.time.Duration;
import java.util.Objects;

/**
 * How {@link Gateway} censors the traffic arriving on an existing interface.
 *
 * @param iface          the interface a VM, container or emulator sends through (a veth, a tap, a bridge)
 * @param policy         the live policy for TCP and UDP
 * @param tcpListener    a record per ended TCP flow
 * @param udpListener    a record per ended UDP flow
 * @param idleTimeout    TCP flows a rule acted on end after this long idle
 * @param udpIdleTimeout a UDP flow ends after this long without a datagram
 * @param capture        where {@code --pcap} writes the interface's side of every flow, or {@code null}
 */
public record GatewayOptions(String iface, PolicyHolder policy, FlowListener tcpListener, UdpFlowListener udpListener,
                             Duration idleTimeout, Duration udpIdleTimeout, CaptureFile capture) {

    public GatewayOptions {
        Objects.requireNonNull(iface, "iface");
        if (!iface.matches("[A-Za-z0-9_.:@-]{1,15}")) {
            throw new IllegalArgumentException("--interface " + iface + ": expected an interface name (at most 15 "
                    + "letters, digits, '-', '_', '.')");
        }
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(tcpListener, "tcpListener");
        Objects.requireNonNull(udpListener, "udpListener");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(udpIdleTimeout, "udpIdleTimeout");
    }
}
