package dev.censorsim.policy;

import dev.censorsim.classify.Protocol;
import dev.censorsim.classify.StreamClassification;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;

/** Builds {@link FlowFacts} for tests from address literals (never a name lookup). */
public final class Flows {

    private static final InetSocketAddress CLIENT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);

    private Flows() {
    }

    public static FlowFacts tls(String sni) {
        return tls(sni, false);
    }

    public static FlowFacts tls(String sni, boolean ech) {
        return flow("127.0.0.1", 443, null,
                new StreamClassification(Protocol.TLS, sni, null, List.of(), ech, false));
    }

    public static FlowFacts http(String host) {
        return flow("127.0.0.1", 80, null, new StreamClassification(Protocol.HTTP, null, host, List.of(), false, false));
    }

    public static FlowFacts socks(String target) {
        return flow("127.0.0.1", 443, target, StreamClassification.UNKNOWN);
    }

    public static FlowFacts to(String ip, int port) {
        return flow(ip, port, null, StreamClassification.UNKNOWN);
    }

    public static FlowFacts flow(String ip, int port, String target, StreamClassification classification) {
        try {
            // getByAddress-style parsing of a literal: no DNS.
            InetAddress address = InetAddress.getByAddress(io.netty.util.NetUtil.createByteArrayFromIpAddressString(ip));
            return new FlowFacts(CLIENT, new InetSocketAddress(address, port), target, classification);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(ip, e);
        }
    }
}
