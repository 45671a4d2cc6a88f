package dev.censorsim.scenario;

import dev.censorsim.messenger.ChatWorkload;
import dev.censorsim.messenger.MediaWorkload;
import dev.censorsim.messenger.CallWorkload;
import dev.censorsim.messenger.RetryStrategy;
import dev.censorsim.messenger.QuicStrategy;
import dev.censorsim.messenger.Front;
import dev.censorsim.messenger.MessengerSettings;
import dev.censorsim.dns.DnsMessageProcessor;
import dev.censorsim.dns.DnsServer;
import dev.censorsim.dns.DnsServerOptions;
import dev.censorsim.messenger.MessengerCalls;
import dev.censorsim.messenger.MessengerClient;
import dev.censorsim.messenger.MessengerClientOptions;
import dev.censorsim.messenger.MessengerDns;
import dev.censorsim.messenger.MessengerQuic;
import dev.censorsim.messenger.MessengerServer;
import dev.censorsim.messenger.MessengerServerOptions;
import dev.censorsim.messenger.MessengerSnapshot;
import dev.censorsim.messenger.RetryPolicy;
import dev.censorsim.metrics.Metric;
import dev.censorsim.metrics.TimeSample;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.units.Durations;
import dev.censorsim.policy.PolicyHolder;
import dev.censorsim.proxy.CensorProxy;
import dev.censorsim.proxy.NameResolver;
import dev.censorsim.proxy.ProxyOptions;
import dev.censorsim.proxy.udp.FlowNames;
import dev.censorsim.proxy.udp.UdpRelay;
import dev.censorsim.proxy.udp.UdpRelayOptions;
import dev.censorsim.report.PhaseReport;
import dev.censorsim.report.ReportWarnings;
import dev.censorsim.report.RuleCount;
import dev.censorsim.report.RunInfo;
import dev.censorsim.report.ScenarioReport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a scenario in this JVM over loopback: a {@link MessengerServer} holding certificates for the scenario's names,
 * a {@link CensorProxy} in front of it, and a {@link MessengerClient} (plus a second, chat-only client on the control
 * name when the scenario has one) that reaches every name through the proxy. Each phase swaps the proxy's policy,
 * waits out its scaled duration, cuts the clients' metrics and checks the phase's expectations.
 *
 * <p>With a {@code messenger.dns} block a {@link DnsServer} serves the scenario's zone with the phase policy's DNS
 * rules (it shares the proxy's {@link PolicyHolder}), and the clients resolve every name through it before dialling.
 *
 * <p>With a {@code calls} workload or the {@code quic} strategy a {@link UdpRelay} (sharing the same holder) sits
 * in front of the server's UDP endpoint, and the proxy records each client's TLS names, so a UDP rule can tie a call
 * to its messenger by the names its signalling used ({@link FlowNames}). Calls and QUIC connections reach the relay
 * directly, whatever the TCP front.
 *
 * <p>Every port is ephemeral, so runs can overlap (parallel CI jobs, tests).
 *
 * <p>Interrupting the running thread (the CLI does on SIGINT and SIGTERM) stops the run where it is and returns a
 * report of the phases that finished, with {@link ScenarioReport#interruption()} saying where it stopped; the
 * thread's interrupt status is consumed, so the caller can still write files.
 *
 * <p>Before the first phase the workload runs for {@link #WARM_UP} under no policy, unmeasured: the JIT compiles the
 * TLS and relay paths there, not in the baseline, which would otherwise look slow and flatter every later ratio.
 */
public final class LocalScenarioRunner implements ScenarioRunner {

    /** The unmeasured warm-up before the first phase. */
    public static final Duration WARM_UP = Duration.ofSeconds(2);

    /** The warm-up goes on past {@link #WARM_UP} until the workload has worked this often, up to {@link #MAX_WARM_UP}. */
    private static final int WARM_UP_ACKS = 10;
    private static final int WARM_UP_TRANSFERS = 3;
    /** A second of a call's media echoed: its set-up and the UDP relay's path have run. */
    private static final int WARM_UP_CALL_PACKETS = 50;
    /** QUIC handshakes completed: the QUIC client and server paths have run. */
    private static final int WARM_UP_QUIC = 3;
    private static final Duration MAX_WARM_UP = Duration.ofSeconds(20);
    private static final Duration WARM_UP_POLL = Duration.ofMillis(250);
    /** How long a phase switch waits for live flows to take the new policy. */
    private static final Duration REEVALUATION_WAIT = Duration.ofSeconds(2);

    /**
     * A transfer slower than this fails. Long enough for a 2 MB transfer at a quarter of a 10 Mbit/s link, short
     * enough that a black-holed or frozen transfer fails within a phase instead of hanging across it.
     */
    private static final Duration MEDIA_TIMEOUT = Duration.ofSeconds(10);

    /** The control client's chat reconnects this often, so the control also measures connection set-up. */
    private static final Duration CONTROL_CHURN = Duration.ofSeconds(1);

    private final Duration warmUp;

    /** A runner with the default {@link #WARM_UP}. */
    public LocalScenarioRunner() {
        this(WARM_UP);
    }

    /** A runner with another warm-up; {@link Duration#ZERO} skips it (tests of the runner itself). */
    public LocalScenarioRunner(Duration warmUp) {
        if (warmUp.isNegative()) {
            throw new IllegalArgumentException("warm-up must not be negative");
        }
        this.warmUp = warmUp;
    }

    @Override
    public ScenarioReport run(Scenario scenario, ProgressListener progress) throws IOException, InterruptedException {
        MessengerSettings settings = scenario.messenger();
        Instant startedAt = Instant.now();
        PolicyHolder policy = new PolicyHolder(CompiledPolicy.empty());
        boolean udp = settings.calls() != null || settings.strategies().quic() != null;
        FlowNames names = udp ? new FlowNames() : null;
        try (MessengerServer server = MessengerServer.start(serverOptions(settings));
             DnsServer dns = settings.dns() == null ? null : startDns(settings, policy);
             CensorProxy proxy = CensorProxy.start(proxyOptions(settings, server, policy, names));
             UdpRelay relay = names == null ? null : UdpRelay.start(UdpRelayOptions.forward(server.mediaAddress())
                     .policy(policy)
                     .flowNames(names)
                     .build());
             VpnRig vpn = VpnRig.start(scenario, server.address(), proxy.localAddress(), policy,
                     settings.calls() == null ? null : relay.localAddress(), server.mediaAddress());
             MessengerClient client = MessengerClient.start(clientOptions(settings, server, proxy, dns, relay,
                     vpn == null ? null : vpn.entry(), vpn == null ? null : vpn.datagramEntry()));
             MessengerClient control = settings.controlName() == null ? null
                     : MessengerClient.start(controlOptions(settings, server, proxy, dns))) {
            List<String> warnings = new ArrayList<>();
            // Each phase gets a freshly compiled rule set, so its counters and buckets are its own.
            List<CompiledPolicy> compiled = new ArrayList<>();
            scenario.phases().forEach(phase -> compiled.add(scenario.policy(phase.policy()).compile()));
            Switch first;
            try {
                warmUp(settings, client, warnings);
                if (vpn != null) {
                    vpn.client().cut();
                }
                // The report's time axis starts where the warm-up ends: the clients' own clocks (seconds since they
                // started) are shifted by this origin, and warm-up samples are dropped.
                first = switchPolicy(policy, proxy, compiled.get(0), client, control);
            } catch (InterruptedException e) {
                String interruption = "interrupted during the warm-up, before phase "
                        + scenario.phases().get(0).name();
                warnings.add(interruption + "; no phase ran");
                return new ScenarioReport(scenario.runInfo(startedAt), List.of(), List.of(), warnings,
                        interruption);
            }
            return runTimeline(scenario, progress, policy, proxy, compiled, client, control, startedAt,
                    first.origin(), warnings, vpn);
        }
    }

    private ScenarioReport runTimeline(Scenario scenario, ProgressListener progress, PolicyHolder policy,
                                       CensorProxy proxy, List<CompiledPolicy> compiled, MessengerClient client,
                                       MessengerClient control, Instant startedAt, double origin,
                                       List<String> warnings, VpnRig vpn) throws InterruptedException {
        List<PhaseReport> phases = new ArrayList<>();
        Map<String, Map<String, Double>> earlier = new LinkedHashMap<>();
        int emitted = 0;
        for (int i = 0; i < scenario.phases().size(); i++) {
            Phase phase = scenario.phases().get(i);
            long planned = phase.scaledDurationNanos(scenario.timeScale());
            long phaseStart = System.nanoTime();
            long phaseEnd = phaseStart + planned;
            progress.phaseStarted(i, phase, planned);
            Switch next;
            try {
                while (System.nanoTime() < phaseEnd) {
                    sleepUntil(Math.min(phaseEnd, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(250)));
                    emitted = emitSamples(client, origin, emitted, progress);
                }
                // The next phase's policy is in force on every live flow before this phase's figures are cut, so a
                // transfer that starts in the gap runs wholly under one policy (and one that started earlier is
                // known to straddle the boundary and kept out of the next phase's throughput).
                if (vpn != null && i + 1 < compiled.size()) {
                    vpn.client().policyChanging();
                }
                next = i + 1 < compiled.size()
                        ? switchPolicy(policy, proxy, compiled.get(i + 1), client, control)
                        : new Switch(client.cut(), control == null ? null : control.cut());
            } catch (InterruptedException e) {
                // A signal (a CI timeout, Ctrl-C): report what finished; this phase's figures were never cut.
                String interruption = "interrupted during phase " + phase.name() + " after "
                        + Durations.format(Math.min(planned, System.nanoTime() - phaseStart)) + " of "
                        + Durations.format(planned);
                RunInfo run = scenario.runInfo(startedAt);
                warnings.addAll(ReportWarnings.of(run, phases));
                warnings.add(interruption + "; " + (phases.isEmpty() ? "no phase finished"
                        : "the phases before it are reported") + ", it and any later phase are not");
                return new ScenarioReport(run, phases, rebase(client.samples(), origin), warnings, interruption);
            }
            MessengerSnapshot snapshot = next.client;
            Map<String, Double> metrics = new LinkedHashMap<>(snapshot.metrics());
            if (vpn != null) {
                metrics.putAll(vpn.client().cut());
                // After the cut, so the tunnels the next phase's route opens count in that phase.
                if (i + 1 < compiled.size()) {
                    vpn.use(scenario.phases().get(i + 1).vpnIn(scenario.messenger().strategies()));
                }
            }
            if (next.control != null) {
                next.control.metrics().forEach((name, value) -> metrics.put(Metric.CONTROL_PREFIX + name, value));
            }
            long real = Math.round((snapshot.endSeconds() - snapshot.startSeconds()) * 1e9);
            PhaseReport report = new PhaseReport(phase.name(), phase.policy(), phase.durationNanos(), real,
                    Math.max(0, snapshot.startSeconds() - origin), metrics, phase.check(metrics, earlier),
                    compiled.get(i).allRules().stream().map(RuleCount::of).toList());
            earlier.put(phase.name(), metrics);
            phases.add(report);
            progress.phaseFinished(i, report);
        }
        List<TimeSample> samples = rebase(client.samples(), origin);
        RunInfo run = scenario.runInfo(startedAt);
        warnings.addAll(ReportWarnings.of(run, phases));
        return new ScenarioReport(run, phases, samples, warnings);
    }

    /**
     * Runs the workload unmeasured under no policy for at least {@link #warmUp}, and on until it has worked end to end
     * a few times (acks received, transfers completed, both of which need the TLS and relay paths compiled), or
     * until {@link #MAX_WARM_UP}.
     */
    private void warmUp(MessengerSettings settings, MessengerClient client, List<String> warnings)
            throws InterruptedException {
        long start = System.nanoTime();
        long minEnd = start + warmUp.toNanos();
        long maxEnd = start + MAX_WARM_UP.toNanos();
        double acks = 0;
        double transfers = 0;
        double callPackets = 0;
        double quicOk = 0;
        boolean quic = settings.strategies().quic() != null;
        while (true) {
            long now0 = System.nanoTime();
            // Before minEnd wake at minEnd at the latest; after it, poll (a sleep until minEnd would return at once
            // and spin on cut()).
            sleepUntil(now0 < minEnd ? Math.min(minEnd, now0 + WARM_UP_POLL.toNanos())
                    : Math.min(maxEnd, now0 + WARM_UP_POLL.toNanos()));
            MessengerSnapshot snapshot = client.cut();
            acks += snapshot.metrics().getOrDefault(Metric.CHAT_DELIVERED.name(), 0.0);
            transfers += snapshot.metrics().getOrDefault(Metric.MEDIA_COMPLETED.name(), 0.0);
            callPackets += snapshot.metrics().getOrDefault(Metric.CALL_PACKETS_RECEIVED.name(), 0.0);
            quicOk += snapshot.metrics().getOrDefault(Metric.QUIC_OK.name(), 0.0);
            if (quic && quicOk < WARM_UP_QUIC) {
                // A cold JVM's first QUIC handshakes can miss a 300 ms timeout (seen under load) and mark QUIC broken
                // for minutes: an artefact of the warm-up, not of a censor, which would decide the whole run.
                client.forgetBrokenQuic();
            }
            boolean warm = (settings.chat() == null || acks >= WARM_UP_ACKS)
                    && (settings.media() == null || transfers >= WARM_UP_TRANSFERS)
                    && (settings.calls() == null || callPackets >= WARM_UP_CALL_PACKETS)
                    && (!quic || quicOk >= WARM_UP_QUIC);
            long now = System.nanoTime();
            if (now >= minEnd && warm) {
                break;
            }
            if (now >= maxEnd) {
                warnings.add(String.format(java.util.Locale.ROOT, "the warm-up saw only %.0f chat acks, %.0f "
                        + "completed transfers, %.0f call packets echoed and %.0f QUIC handshakes in %d s: the machine "
                        + "is slow or overloaded, so the first phase may look slower than it is", acks, transfers,
                        callPackets, quicOk, MAX_WARM_UP.toSeconds()));
                break;
            }
        }
        client.forgetBrokenQuic(); // the first phase starts as a freshly started app would
    }

    /**
     * Puts {@code next} in force and waits (bounded) until every live flow has been re-evaluated against it, then
     * cuts both clients' figures: the cut is the phase boundary.
     */
    private static Switch switchPolicy(PolicyHolder policy, CensorProxy proxy, CompiledPolicy next,
                                       MessengerClient client, MessengerClient control) throws InterruptedException {
        client.policyChanging();
        if (control != null) {
            control.policyChanging();
        }
        policy.swap(next);
        try {
            // The swap re-evaluates on each flow's event loop; a second round queues behind the first on every loop,
            // so its completion means the swap has reached every flow.
            proxy.reevaluate().get(REEVALUATION_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // A flow that did not answer in time is on a starved loop; the figures say so, the run goes on.
        }
        return new Switch(client.cut(), control == null ? null : control.cut());
    }

    /** The clients' figures cut at a phase boundary. */
    private record Switch(MessengerSnapshot client, MessengerSnapshot control) {
        double origin() {
            return client.endSeconds();
        }
    }

    /** Passes the client's new samples (those after the warm-up) to the listener; returns how many it has seen. */
    private static int emitSamples(MessengerClient client, double origin, int emitted, ProgressListener progress) {
        List<TimeSample> all = client.samples();
        for (int i = emitted; i < all.size(); i++) {
            TimeSample s = all.get(i);
            if (s.seconds() > origin) {
                progress.sample(new TimeSample(s.seconds() - origin, s.values()));
            }
        }
        return all.size();
    }

    private static List<TimeSample> rebase(List<TimeSample> samples, double origin) {
        List<TimeSample> rebased = new ArrayList<>(samples.size());
        for (TimeSample s : samples) {
            if (s.seconds() > origin) {
                rebased.add(new TimeSample(s.seconds() - origin, s.values()));
            }
        }
        return rebased;
    }

    /**
     * The messenger server; with the doh strategy it also serves DNS over HTTPS on the resolver's name, from the same
     * zone but with no DNS rules: a resolver abroad does not apply the national removal (its name can still be
     * SNI-blocked on the way there, since it goes through the censor like any TLS name).
     */
    private static MessengerServerOptions serverOptions(MessengerSettings settings) {
        MessengerServerOptions.Builder builder = MessengerServerOptions.builder().names(settings.serverNames());
        String doh = settings.strategies().doh();
        if (doh != null) {
            builder.doh(doh, new DnsMessageProcessor(List.of(settings.dns().zoneFor(settings.serverNames())),
                    new PolicyHolder(CompiledPolicy.empty())));
        }
        return builder.build();
    }

    /**
     * The censor's resolver: the scenario's zone, with the DNS rules of whatever policy is in force, since it shares
     * the proxy's holder (a policy file may mix TCP and DNS rules; each side sees only its own).
     */
    private static DnsServer startDns(MessengerSettings settings, PolicyHolder policy) {
        return DnsServer.start(DnsServerOptions.builder()
                .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .zone(settings.dns().zoneFor(settings.serverNames()))
                .policy(policy)
                .build());
    }

    /** @param names records each client's TLS names for the UDP relay, or {@code null} when there are no calls */
    private static ProxyOptions proxyOptions(MessengerSettings settings, MessengerServer server, PolicyHolder policy,
                                             FlowNames names) {
        ProxyOptions.Builder builder = settings.front() == Front.SOCKS
                ? ProxyOptions.socks().resolver(NameResolver.staticMap(routes(settings, server.address())))
                : ProxyOptions.forward(server.address());
        builder.policy(policy);
        if (names != null) {
            builder.decoratePolicy(names::recording); // wraps the policy set above, so it must come after it
        }
        return builder.build();
    }

    /** Every name the scenario uses resolves to the messenger server, whatever port the client asks for. */
    private static Map<String, InetSocketAddress> routes(MessengerSettings settings, InetSocketAddress server) {
        Map<String, InetSocketAddress> routes = new LinkedHashMap<>();
        settings.serverNames().forEach(name -> routes.put(name, server));
        return routes;
    }

    /**
     * @param vpnEntry         where the VPN client takes the app's connections, or {@code null} without a VPN
     * @param vpnDatagramEntry where it takes the calls' datagrams, or {@code null} (calls go to the relay)
     */
    private static MessengerClientOptions clientOptions(MessengerSettings settings, MessengerServer server,
                                                        CensorProxy proxy, DnsServer dns, UdpRelay relay,
                                                        InetSocketAddress vpnEntry,
                                                        InetSocketAddress vpnDatagramEntry) {
        MessengerClientOptions.Builder builder = base(settings, server, proxy, dns, vpnEntry)
                .chatName(settings.chat() != null ? settings.chatName() : settings.mediaName())
                .mediaName(settings.media() != null ? settings.mediaName() : settings.chatName())
                .alternatives(settings.strategies().alternatives() ? settings.alternatives() : List.of())
                .splitClientHello(settings.strategies().splitClientHello())
                .noSni(settings.strategies().noSni())
                .ech(settings.strategies().ech())
                .chatProtocol(settings.chatProtocol())
                .retry(retry(settings.strategies().retry()));
        if (settings.chat() != null) {
            ChatWorkload chat = settings.chat();
            builder.chat(chat.messagesPerSecond(), Math.toIntExact(chat.messageBytes()),
                    Duration.ofNanos(chat.timeoutNanos()));
        }
        if (settings.media() != null) {
            MediaWorkload media = settings.media();
            builder.media(media.transferBytes(), media.direction(), media.concurrency());
        }
        if (settings.churnNanos() > 0) {
            builder.churn(Duration.ofNanos(settings.churnNanos()));
        }
        if (settings.calls() != null) {
            CallWorkload calls = settings.calls();
            builder.calls(MessengerCalls.to(vpnDatagramEntry != null ? vpnDatagramEntry : relay.localAddress(),
                            settings.chatName())
                    .withTiming(Duration.ofNanos(calls.durationNanos()), Duration.ofNanos(calls.gapNanos()))
                    .withLimits(Duration.ofNanos(calls.setupTimeoutNanos()), Duration.ofNanos(calls.dropSilenceNanos()))
                    .withTcpFallback(settings.strategies().callFallback()));
        }
        QuicStrategy quic = settings.strategies().quic();
        if (quic != null) {
            builder.quic(new MessengerQuic(relay.localAddress(), Duration.ofNanos(quic.timeoutNanos()),
                    Duration.ofNanos(quic.brokenForNanos())));
        }
        return builder.build();
    }

    /**
     * The control client: chat only, on the control name, reconnecting every second. It carries no media because a
     * second bulk transfer would share the link with the messenger's and halve its baseline, which would make every
     * "cut by N%" comparison wrong.
     */
    private static MessengerClientOptions controlOptions(MessengerSettings settings, MessengerServer server,
                                                         CensorProxy proxy, DnsServer dns) {
        ChatWorkload chat = settings.chat() != null ? settings.chat() : ChatWorkload.DEFAULT;
        return base(settings, server, proxy, dns, null)
                .chatName(settings.controlName())
                .mediaName(settings.controlName())
                .chat(chat.messagesPerSecond(), Math.toIntExact(chat.messageBytes()),
                        Duration.ofNanos(chat.timeoutNanos()))
                .churn(CONTROL_CHURN)
                .seed(2)
                .build();
    }

    /**
     * Without DNS every name is routed statically: to the proxy's forward port, or asked of the SOCKS proxy by name.
     * With DNS every name in the zone points at 127.0.0.1, the address both the proxy and the messenger server listen
     * on; the client dials the resolved address with the proxy's port (forward front), or asks the SOCKS proxy for the
     * resolved address with the messenger server's port (socks front), so the censor sees an IP, not a name.
     */
    private static MessengerClientOptions.Builder base(MessengerSettings settings, MessengerServer server,
                                                       CensorProxy proxy, DnsServer dns,
                                                       InetSocketAddress vpnEntry) {
        MessengerClientOptions.Builder builder = MessengerClientOptions.builder()
                .trust(server.trust())
                .connectTimeout(Duration.ofNanos(settings.connectTimeoutNanos()))
                .mediaTimeout(MEDIA_TIMEOUT);
        if (dns != null) {
            builder.dns(new MessengerDns(dns.udpAddress(), settings.strategies().dnsFallback(),
                    MessengerDns.DEFAULT_TIMEOUT, settings.strategies().doh()));
        }
        if (vpnEntry != null) {
            // The VPN strategy: every name goes into the tunnel's entry; the censor sees only the tunnel.
            settings.serverNames().forEach(name -> builder.route(name, vpnEntry));
        } else if (settings.front() == Front.SOCKS) {
            builder.socks5(proxy.localAddress());
            if (dns != null) {
                settings.serverNames().forEach(name -> builder.route(name, server.address()));
            }
        } else {
            for (String name : settings.serverNames()) {
                builder.route(name, proxy.localAddress());
            }
        }
        return builder;
    }

    private static RetryPolicy retry(RetryStrategy retry) {
        if (retry == null) {
            return RetryPolicy.NONE;
        }
        return new RetryPolicy(retry.attempts(), Duration.ofNanos(retry.baseNanos()),
                Duration.ofNanos(retry.maxNanos()), retry.jitter());
    }

    private static void sleepUntil(long deadlineNanos) throws InterruptedException {
        long left;
        while ((left = deadlineNanos - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }
}
