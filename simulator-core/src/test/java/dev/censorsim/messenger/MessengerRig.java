package dev.censorsim.messenger;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.proxy.CensorProxy;
import dev.censorsim.proxy.FlowRecord;
import dev.censorsim.proxy.ProxyOptions;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A messenger server behind a real {@link CensorProxy} in port-forward mode, with a policy parsed from YAML, all on
 * loopback. Every name the server holds is routed to the proxy, as a censored client's DNS would point it there.
 */
final class MessengerRig implements AutoCloseable {

    static final String CHAT = "g.whatsapp.net";
    static final String MEDIA = "mmg.whatsapp.net";
    static final String FRONT = "e1.whatsapp.net";
    static final List<String> NAMES = List.of(CHAT, MEDIA, FRONT);

    final MessengerServer server;
    final CensorProxy proxy;
    /** Every flow the proxy ended, with the SNI it saw. */
    final ConcurrentLinkedQueue<FlowRecord> flows;

    private MessengerRig(MessengerServer server, CensorProxy proxy, ConcurrentLinkedQueue<FlowRecord> flows) {
        this.server = server;
        this.proxy = proxy;
        this.flows = flows;
    }

    static MessengerRig start(String policyYaml) throws IOException, PolicyException {
        MessengerServer server = MessengerServer.start(MessengerServerOptions.builder().names(NAMES).build());
        try {
            CompiledPolicy policy = policyYaml.isBlank() ? CompiledPolicy.empty()
                    : PolicyLoader.parse(policyYaml, "test-policy.yaml");
            ConcurrentLinkedQueue<FlowRecord> flows = new ConcurrentLinkedQueue<>();
            CensorProxy proxy = CensorProxy.start(ProxyOptions.forward(server.address())
                    .policy(new PolicyHolder(policy)).listener(flows::add).ioThreads(1).build());
            return new MessengerRig(server, proxy, flows);
        } catch (IOException | PolicyException | RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** A client builder routed through the proxy for every name. */
    MessengerClientOptions.Builder client() {
        MessengerClientOptions.Builder builder = MessengerClientOptions.builder().trust(server.trust())
                .chatName(CHAT).mediaName(MEDIA);
        InetSocketAddress via = proxy.localAddress();
        for (String name : NAMES) {
            builder.route(name, via);
        }
        return builder;
    }

    @Override
    public void close() {
        proxy.close();
        server.close();
    }
}
