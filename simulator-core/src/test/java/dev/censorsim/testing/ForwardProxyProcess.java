package dev.censorsim.testing;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.proxy.CensorProxy;
import dev.censorsim.proxy.ProxyOptions;
import dev.censorsim.proxy.udp.UdpRelay;
import dev.censorsim.proxy.udp.UdpRelayOptions;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A port-forward censor in a process of its own, for tests about what crosses process boundaries (loops between two
 * censorsim processes). Arguments: {@code tcp} or {@code udp} (a port-forward proxy or a UDP relay), listen port and
 * upstream port, both on 127.0.0.1. Prints {@code listening PORT} once bound, then (TCP) one {@code flow END DETAIL}
 * line per ended flow; stops when its standard input closes, so it never outlives the test that started it.
 */
public final class ForwardProxyProcess {

    private ForwardProxyProcess() {
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress listen = new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1]));
        InetSocketAddress upstream = new InetSocketAddress("127.0.0.1", Integer.parseInt(args[2]));
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (args[0].equals("udp")) {
            try (UdpRelay relay = UdpRelay.start(UdpRelayOptions.forward(upstream).listen(listen)
                    .policy(new PolicyHolder(CompiledPolicy.empty())).build())) {
                out.println("listening " + relay.localAddress().getPort());
                awaitEndOfInput();
            }
            return;
        }
        try (CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(upstream).listen(listen)
                .listener(flow -> out.println("flow " + flow.end() + " " + flow.detail())).build())) {
            out.println("listening " + proxy.localAddress().getPort());
            awaitEndOfInput();
        }
    }

    private static void awaitEndOfInput() throws java.io.IOException {
        while (System.in.read() != -1) {
            // Nothing is sent on standard input; its end is the signal to stop.
        }
    }
}
