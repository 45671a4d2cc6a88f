package dev.censorsim.transparent;

import dev.censorsim.capture.CaptureFile;
import dev.censorsim.dns.DnsQueryEvent;
import dev.censorsim.dns.Zone;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.proxy.FlowListener;
import dev.censorsim.proxy.ProxyOptions;
import dev.censorsim.proxy.udp.UdpFlowListener;
import dev.censorsim.proxy.udp.UdpRelayOptions;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * How {@link TransparentRun} censors a namespace: the policy, the DNS the namespace sees, the {@code --host} names,
 * who the command runs as, and where flow records go.
 *
 * @param policy          the live policy for TCP, UDP and DNS
 * @param zones           zones the namespace's DNS server answers from (the {@code --host} names are added)
 * @param dnsUpstream     where names outside every zone are forwarded; {@code null}: they are REFUSED
 * @param hosts           names that resolve inside to made-up addresses relayed to the host's loopback, same port
 * @param runAs           who the command runs as
 * @param tcpListener     a record per ended TCP flow
 * @param udpListener     a record per ended UDP flow
 * @param dnsListener     an event per DNS query, or {@code null}
 * @param idleTimeout     TCP flows a rule acted on end after this long idle ({@link ProxyOptions#idleTimeout()})
 * @param udpIdleTimeout  a UDP flow ends after this long without a datagram
 * @param capture         where {@code --pcap} writes the namespace's side of every flow, or {@code null}; the caller
 *                        closes it after the run
 * @param loopMark        whether relayed flows towards the host's IPv4 loopback (the {@code --host} backends) come
 *                        from the hop-counting {@code 127.67.83.h} ({@link ProxyOptions#loopMark()}); default
 *                        {@code true}, {@code false} for {@code --no-loop-mark}
 */
public record TransparentRunOptions(PolicyHolder policy, List<Zone> zones, InetSocketAddress dnsUpstream,
                                    List<String> hosts, RunAs runAs, FlowListener tcpListener,
                                    UdpFlowListener udpListener, Consumer<DnsQueryEvent> dnsListener,
                                    Duration idleTimeout, Duration udpIdleTimeout, CaptureFile capture,
                                    boolean loopMark) {

    public TransparentRunOptions {
        Objects.requireNonNull(policy, "policy");
        zones = List.copyOf(zones);
        hosts = List.copyOf(hosts);
        Objects.requireNonNull(runAs, "runAs");
        Objects.requireNonNull(tcpListener, "tcpListener");
        Objects.requireNonNull(udpListener, "udpListener");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(udpIdleTimeout, "udpIdleTimeout");
        if (hosts.size() > Subnet.MAX_HOSTS) {
            throw new IllegalArgumentException("at most " + Subnet.MAX_HOSTS + " --host names, got " + hosts.size());
        }
        for (String host : hosts) {
            if (!host.matches("(?i)[a-z0-9_]([a-z0-9_-]{0,62})(\\.[a-z0-9_]([a-z0-9_-]{0,62}))*\\.?")) {
                throw new IllegalArgumentException("--host " + host + ": expected a DNS name such as api.example.test");
            }
        }
        if (hosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).distinct().count() != hosts.size()) {
            throw new IllegalArgumentException("--host names must be distinct: " + hosts);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Defaults: no policy rules, no zones, no upstream, no hosts, the invoking user, no listeners. */
    public static final class Builder {
        private PolicyHolder policy = new PolicyHolder(CompiledPolicy.empty());
        private final List<Zone> zones = new ArrayList<>();
        private InetSocketAddress dnsUpstream;
        private final List<String> hosts = new ArrayList<>();
        private RunAs runAs = RunAs.CURRENT;
        private FlowListener tcpListener = FlowListener.NOOP;
        private UdpFlowListener udpListener = UdpFlowListener.NOOP;
        private Consumer<DnsQueryEvent> dnsListener;
        private Duration idleTimeout = ProxyOptions.DEFAULT_IDLE_TIMEOUT;
        private Duration udpIdleTimeout = UdpRelayOptions.DEFAULT_IDLE_TIMEOUT;
        private CaptureFile capture;
        private boolean loopMark = true;

        public Builder policy(PolicyHolder policy) {
            this.policy = policy;
            return this;
        }

        public Builder zone(Zone zone) {
            zones.add(zone);
            return this;
        }

        public Builder dnsUpstream(InetSocketAddress upstream) {
            this.dnsUpstream = upstream;
            return this;
        }

        public Builder host(String name) {
            hosts.add(name);
            return this;
        }

        public Builder runAs(RunAs runAs) {
            this.runAs = runAs;
            return this;
        }

        public Builder tcpListener(FlowListener listener) {
            this.tcpListener = listener;
            return this;
        }

        public Builder udpListener(UdpFlowListener listener) {
            this.udpListener = listener;
            return this;
        }

        public Builder dnsListener(Consumer<DnsQueryEvent> listener) {
            this.dnsListener = listener;
            return this;
        }

        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = timeout;
            return this;
        }

        public Builder udpIdleTimeout(Duration timeout) {
            this.udpIdleTimeout = timeout;
            return this;
        }

        public Builder capture(CaptureFile capture) {
            this.capture = capture;
            return this;
        }

        /** Whether flows towards the host's loopback carry the hop count in their source (default {@code true}). */
        public Builder loopMark(boolean loopMark) {
            this.loopMark = loopMark;
            return this;
        }

        public TransparentRunOptions build() {
            return new TransparentRunOptions(policy, zones, dnsUpstream, hosts, runAs, tcpListener, udpListener,
                    dnsListener, idleTimeout, udpIdleTimeout, capture, loopMark);
        }
    }
}
