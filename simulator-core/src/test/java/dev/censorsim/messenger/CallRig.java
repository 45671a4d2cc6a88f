package dev.censorsim.messenger;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.proxy.CensorProxy;
import dev.censorsim.proxy.ProxyOptions;
import dev.censorsim.proxy.udp.FlowNames;
import dev.censorsim.proxy.udp.UdpRelay;
import dev.censorsim.proxy.udp.UdpRelayOptions;

import java.time.Duration;
import java.util.List;

/**
 * Messenger server, TCP proxy and UDP relay on loopback, sharing one policy; the proxy tells the relay which names
 * each client used, so {@code domain} rules catch UDP flows as they would in a scenario.
 */
record CallRig(MessengerServer server, CensorProxy proxy, UdpRelay relay, PolicyHolder policy) implements AutoCloseable {

    static final String CHAT = "g.whatsapp.net";

    static CallRig start(String policyYaml) throws Exception {
        MessengerServer server = MessengerServer.start(MessengerServerOptions.builder().names(List.of(CHAT))
                .build());
        CensorProxy proxy = null;
        try {
            PolicyHolder policy = new PolicyHolder(policyYaml.isBlank() ? CompiledPolicy.empty()
                    : PolicyLoader.parse(policyYaml, "test-policy.yaml"));
            FlowNames names = new FlowNames();
            proxy = CensorProxy.start(ProxyOptions.forward(server.address()).policy(policy)
                    .decoratePolicy(names::recording).ioThreads(1).build());
            UdpRelay relay = UdpRelay.start(UdpRelayOptions.forward(server.mediaAddress()).policy(policy)
                    .flowNames(names).build());
            return new CallRig(server, proxy, relay, policy);
        } catch (Exception | Error e) {
            if (proxy != null) {
                proxy.close();
            }
            server.close();
            throw e;
        }
    }

    /** Runs chat at 20 messages/s and the calls for {@code millis}, and returns the whole run's figures. */
    MessengerSnapshot run(MessengerCalls calls, long millis) throws InterruptedException {
        return run(client().calls(calls), millis);
    }

    /** A client with chat at 20 messages/s through the proxy. */
    MessengerClientOptions.Builder client() {
        return MessengerClientOptions.builder().trust(server.trust())
                .chatName(CHAT).mediaName(CHAT).route(CHAT, proxy.localAddress())
                .chat(20, 64, Duration.ofSeconds(2));
    }

    /** Runs {@code options} for {@code millis}, and returns the whole run's figures. */
    MessengerSnapshot run(MessengerClientOptions.Builder options, long millis) throws InterruptedException {
        try (MessengerClient client = MessengerClient.start(options.build())) {
            Thread.sleep(millis);
            return client.cut();
        }
    }

    @Override
    public void close() {
        relay.close();
        proxy.close();
        server.close();
    }
}
