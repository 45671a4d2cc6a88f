package dev.censorsim.demo;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.proxy.CensorProxy;
import dev.censorsim.proxy.ProxyOptions;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The end-to-end demo: the 2025–26 WhatsApp timeline, run over loopback through the real censor proxy.
 *
 * <ol>
 *   <li><b>baseline</b>: a 40 Mbit/s link, no rules;</li>
 *   <li><b>throttled</b> (Dec 2025): flows whose SNI is a WhatsApp name are cut 75% below the link rate;</li>
 *   <li><b>blocked</b> (2026): those flows get a TCP RST right after their ClientHello.</li>
 * </ol>
 * In every phase a control name that no rule lists must keep the baseline's speed, so the demo also shows that the
 * censor is selective. Each phase swaps the proxy's compiled policy atomically, as a scenario timeline does.
 */
public final class ProxyDemo {

    /** The blocked service's name, as the client's ClientHello sends it. */
    public static final String BLOCKED_NAME = "g.whatsapp.net";
    /** A name no rule lists. */
    public static final String CONTROL_NAME = "cdn.allowed.test";

    private static final int WARM_UP_DOWNLOADS = 3;

    static final String LINK = "link: { rate: 40mbit }\n";
    static final String LISTS = "lists:\n  whatsapp: [whatsapp.net, whatsapp.com, wa.me]\n";

    private final DemoOptions options;
    private final PrintWriter progress;

    public ProxyDemo(DemoOptions options, PrintWriter progress) {
        this.options = options;
        this.progress = progress;
    }

    /** The demo's three phases, each a policy file in the product's own format. */
    public static List<DemoPhase> phases() {
        return List.of(
                new DemoPhase("baseline", "40 Mbit/s link, no rules", LINK),
                new DemoPhase("throttled", "Dec 2025: WhatsApp SNI cut 75% below the link",
                        LINK + LISTS + """
                                rules:
                                  - name: whatsapp-slow
                                    match: { sni: ["@whatsapp"] }
                                    action: { type: throttle, cut: 0.75, direction: down }
                                """),
                new DemoPhase("blocked", "2026: WhatsApp SNI reset after the ClientHello",
                        LINK + LISTS + """
                                rules:
                                  - name: whatsapp-reset
                                    match: { sni: ["@whatsapp"] }
                                    action: { type: reset }
                                """));
    }

    public DemoReport run() throws IOException, InterruptedException {
        DemoCertificates certificates = DemoCertificates.generate(List.of(BLOCKED_NAME, CONTROL_NAME));
        DownloadClient client = new DownloadClient(certificates.clientContext(), options.timeoutMillis());
        List<DemoReport.PhaseResult> results = new ArrayList<>();
        try (DownloadServer server = DownloadServer.start(certificates.serverContext())) {
            PolicyHolder policy = new PolicyHolder(CompiledPolicy.empty());
            ProxyOptions proxyOptions = ProxyOptions.forward(server.address()).policy(policy).build();
            try (CensorProxy proxy = CensorProxy.start(proxyOptions)) {
                progress.printf("censorsim demo: server %s, censor proxy %s; %d x %s per name per phase%n",
                        server.address(), proxy.localAddress(), options.downloadsPerPhase(),
                        DemoReport.bytes(options.downloadBytes()));
                warmUp(client, proxy.localAddress());
                for (DemoPhase phase : phases()) {
                    policy.swap(compile(phase));
                    progress.printf("phase %-9s  %s%n", phase.name(), phase.description());
                    results.add(runPhase(phase, client, proxy.localAddress()));
                }
            }
        }
        return new DemoReport(options, results);
    }

    /**
     * Unmeasured downloads before the baseline, so JIT compilation of the TLS and relay paths does not make the
     * baseline look slow (which would flatter the throttled phase's ratio).
     */
    private void warmUp(DownloadClient client, InetSocketAddress via) {
        long bytes = Math.min(options.downloadBytes(), 1_000_000);
        for (int i = 0; i < WARM_UP_DOWNLOADS; i++) {
            client.download(via, BLOCKED_NAME, bytes);
            client.download(via, CONTROL_NAME, bytes);
        }
    }

    private DemoReport.PhaseResult runPhase(DemoPhase phase, DownloadClient client, InetSocketAddress via) {
        List<DownloadClient.Result> blocked = new ArrayList<>();
        List<DownloadClient.Result> control = new ArrayList<>();
        for (int i = 0; i < options.downloadsPerPhase(); i++) {
            DownloadClient.Result b = client.download(via, BLOCKED_NAME, options.downloadBytes());
            blocked.add(b);
            progress.printf("  %-16s %-7s %s%n", BLOCKED_NAME, b.outcome().wireName(), DemoReport.describe(b));
            DownloadClient.Result c = client.download(via, CONTROL_NAME, options.downloadBytes());
            control.add(c);
            progress.printf("  %-16s %-7s %s%n", CONTROL_NAME, c.outcome().wireName(), DemoReport.describe(c));
        }
        return new DemoReport.PhaseResult(phase, blocked, control);
    }

    private static CompiledPolicy compile(DemoPhase phase) {
        try {
            return PolicyLoader.parse(phase.policyYaml(), "demo:" + phase.name());
        } catch (PolicyException e) {
            throw new IllegalStateException("built-in demo policy is invalid: " + e.getMessage(), e);
        }
    }
}
