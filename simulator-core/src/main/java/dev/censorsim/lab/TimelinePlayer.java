package dev.censorsim.lab;

import dev.censorsim.control.CensorMetrics;
import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.CompiledRule;
import dev.censorsim.policy.DnsRule;
import dev.censorsim.report.PhaseReport;
import dev.censorsim.report.PlannedPhase;
import dev.censorsim.report.RuleCount;
import dev.censorsim.report.RunInfo;
import dev.censorsim.report.ScenarioReport;
import dev.censorsim.scenario.Phase;
import dev.censorsim.scenario.ScenarioPolicy;
import dev.censorsim.scenario.Timeline;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Steps a {@link Lab} through a {@link Timeline}: each phase's policy is swapped in on schedule (live flows are
 * re-evaluated, as after any swap), and what the censor did in the phase is collected into a {@link ScenarioReport}
 * the usual writers turn into {@code report.json}, {@code junit.xml} and {@code report.html}.
 *
 * <p>Per phase the report holds the counters of the phase's own compiled policy (flows per rule and action, bytes
 * relayed while it was in force: each phase compiles its policy afresh, so its counters start at zero) and, from the
 * lab's metrics, flows that ended in the phase, their bytes, DNS answers by RCODE and UDP datagrams passed and
 * dropped. There is no messenger, so there are no expectations: the report says what the censor did, the app's own
 * tests say what that did to the app.
 */
public final class TimelinePlayer {

    private final Lab lab;
    private final Timeline timeline;
    private final Consumer<String> log;

    /** @param log receives one line per phase switch */
    public TimelinePlayer(Lab lab, Timeline timeline, Consumer<String> log) {
        this.lab = lab;
        this.timeline = timeline;
        this.log = log;
    }

    /**
     * Registers every phase (by phase name) so {@code POST /censorsim/phase/NAME} can switch to it too, then plays
     * the phases in order, blocking. An interrupt ends the current phase early and returns the report so far.
     */
    public ScenarioReport play() {
        Instant startedAt = Instant.now();
        List<PlannedPhase> planned = new ArrayList<>();
        for (Phase phase : timeline.phases()) {
            ScenarioPolicy policy = timeline.policy(phase);
            planned.add(new PlannedPhase(phase.name(), phase.description(), phase.durationNanos(),
                    phase.scaledDurationNanos(timeline.timeScale()), policy.name(), policy.origin(), policy.describe(),
                    List.of()));
            lab.definePhase(phase.name(), policy.compile());
        }
        RunInfo run = new RunInfo(timeline.name(), timeline.description(), timeline.source(), timeline.timeScale(),
                startedAt, null, planned);
        List<PhaseReport> seen = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        if (timeline.hasMessenger()) {
            warnings.add("the file's messenger and expectations were not used: real apps were the clients");
        }
        long runStart = System.nanoTime();
        for (int i = 0; i < timeline.phases().size(); i++) {
            Phase phase = timeline.phases().get(i);
            ScenarioPolicy policy = timeline.policy(phase);
            CompiledPolicy compiled = policy.compile();
            Snapshot before = Snapshot.of(lab.metrics());
            long phaseStart = System.nanoTime();
            lab.definePhase(phase.name(), compiled);
            lab.phase(phase.name());
            long scaled = phase.scaledDurationNanos(timeline.timeScale());
            log.accept("phase " + (i + 1) + "/" + timeline.phases().size() + " " + phase.name() + ": policy "
                    + policy.name() + " (" + compiled.rules().size() + " rules, " + compiled.dnsRules().size()
                    + " DNS rules) for " + dev.censorsim.units.Durations.format(scaled)
                    + (phase.description().isEmpty() ? "" : " - " + phase.description()));
            boolean interrupted = sleep(scaled);
            long phaseEnd = System.nanoTime();
            seen.add(new PhaseReport(phase.name(), policy.name(), phase.durationNanos(), phaseEnd - phaseStart,
                    (phaseStart - runStart) / 1e9, Snapshot.of(lab.metrics()).minus(before).figures(),
                    List.of(), ruleCounts(compiled)));
            if (interrupted) {
                warnings.add("stopped during phase '" + phase.name() + "'; later phases did not run");
                Thread.currentThread().interrupt();
                break;
            }
        }
        return new ScenarioReport(run, seen, List.of(), warnings);
    }

    private static List<RuleCount> ruleCounts(CompiledPolicy compiled) {
        List<RuleCount> counts = new ArrayList<>();
        for (CompiledRule rule : compiled.rules()) {
            counts.add(RuleCount.of(rule));
        }
        for (DnsRule rule : compiled.dnsRules()) {
            // A DNS rule's unit is the query: counted in 'flows', no bytes.
            counts.add(new RuleCount(rule.name(), "dns " + rule.action().describe(), rule.queries(), 0, 0));
        }
        return counts;
    }

    /** Sleeps, returning {@code true} when interrupted. */
    private static boolean sleep(long nanos) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
            return false;
        } catch (InterruptedException e) {
            return true;
        }
    }

    /** The lab's counters that a phase reports, at one instant. */
    private record Snapshot(long flows, long bytesUp, long bytesDown, Map<String, Long> dnsByRcode, long udpPassed,
                            long udpDropped) {

        static Snapshot of(CensorMetrics m) {
            return new Snapshot(m.sum("censorsim_flows_total"),
                    m.sum("censorsim_flow_bytes_total", "direction", "up"),
                    m.sum("censorsim_flow_bytes_total", "direction", "down"),
                    m.byLabel("censorsim_dns_answers_total", "rcode"),
                    m.sum("censorsim_udp_datagrams_total", "verdict", "pass"),
                    m.sum("censorsim_udp_datagrams_total", "verdict", "drop"));
        }

        Snapshot minus(Snapshot earlier) {
            Map<String, Long> dns = new LinkedHashMap<>();
            dnsByRcode.forEach((rcode, n) -> dns.put(rcode, n - earlier.dnsByRcode.getOrDefault(rcode, 0L)));
            return new Snapshot(flows - earlier.flows, bytesUp - earlier.bytesUp, bytesDown - earlier.bytesDown, dns,
                    udpPassed - earlier.udpPassed, udpDropped - earlier.udpDropped);
        }

        /** The phase's figures under the report's metric names. */
        Map<String, Double> figures() {
            Map<String, Double> out = new LinkedHashMap<>();
            out.put("censor.flows_ended", (double) flows);
            out.put("censor.bytes_up", (double) bytesUp);
            out.put("censor.bytes_down", (double) bytesDown);
            dnsByRcode.forEach((rcode, n) -> out.put("censor.dns_answers." + rcode, (double) n));
            out.put("censor.udp_datagrams_passed", (double) udpPassed);
            out.put("censor.udp_datagrams_dropped", (double) udpDropped);
            return out;
        }
    }
}
