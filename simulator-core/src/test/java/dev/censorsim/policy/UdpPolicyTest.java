package dev.censorsim.policy;

import dev.censorsim.units.Direction;
import dev.censorsim.classify.Protocol;
import dev.censorsim.policy.action.DropAction;
import dev.censorsim.policy.action.DropAfterAction;
import dev.censorsim.policy.action.LossAction;
import dev.censorsim.policy.action.PoliceAction;
import dev.censorsim.policy.action.UdpDelayAction;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

import static dev.censorsim.policy.Policies.compile;
import static dev.censorsim.policy.Policies.error;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** UDP rules in the same file as the TCP ones: parsing, the plane each action applies to, and load-time errors. */
class UdpPolicyTest {

    private static final InetSocketAddress CLIENT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);

    private static UdpFlowFacts udp(Protocol protocol, int port, int firstLength, String... names) {
        return new UdpFlowFacts(CLIENT, new InetSocketAddress(InetAddress.getLoopbackAddress(), port), protocol,
                firstLength, List.of(names));
    }

    private static void assertError(PolicyException e, int line, int column, String detail) {
        assertThat(e.getMessage()).isEqualTo("policy.yaml:" + line + ":" + column + ": " + detail);
    }

    @Test
    void tcpProxyShouldIgnoreUdpOnlyRulesAndUdpRelayTcpOnlyRules() {
        CompiledPolicy policy = compile(
                "rules:",
                "  - { name: calls, action: { type: drop } }",
                "  - { name: rst, action: { type: reset } }");

        assertThat(policy.evaluate(Flows.tls("example.org")).rule().name()).as("TCP skips the UDP-only drop")
                .isEqualTo("rst");
        assertThat(policy.evaluateUdp(udp(Protocol.DNS, 53, 40)).name()).isEqualTo("calls");
        CompiledPolicy tcpOnly = compile("rules: [ { name: rst, action: { type: reset } } ]");
        assertThat(tcpOnly.evaluateUdp(udp(Protocol.STUN, 3478, 20))).as("UDP skips the TCP-only reset").isNull();
        assertThat(tcpOnly.hasUdpRules()).isFalse();
    }

    @Test
    void aDelayWithTheLargestJitterShouldSaturateNotThrowOrTurnIntoADrop() {
        UdpTreatment treatment = new UdpDelayAction(new dev.censorsim.policy.action.DelayAction(
                Long.MAX_VALUE / 2, Long.MAX_VALUE, dev.censorsim.units.Direction.BOTH, 7)).open(0);

        for (int i = 0; i < 1_000; i++) {
            // jitter + 1 overflowed (nextLong threw on every datagram), and delay + jitter could wrap negative (a drop)
            assertThat(treatment.onDatagram(true, 100, i, 0)).isPositive();
        }
    }

    @Test
    void sharedActionsShouldApplyOnBothPlanes() {
        CompiledPolicy policy = compile(
                "rules:",
                "  - { name: slow, match: { port: [443] }, action: { type: throttle, rate: 1mbit, direction: down } }",
                "  - { name: late, action: { type: delay, latency: 80ms, jitter: 20ms, seed: 3 } }");

        assertThat(policy.rules().get(0).action()).isNotNull();
        assertThat(policy.rules().get(0).udpAction()).isInstanceOf(PoliceAction.class);
        assertThat(policy.rules().get(0).udpAction().describe()).isEqualTo("police 1 mbit/s down per flow");
        assertThat(policy.rules().get(1).udpAction()).isInstanceOf(UdpDelayAction.class);
        assertThat(policy.evaluateUdp(udp(Protocol.QUIC, 443, 1200)).name()).isEqualTo("slow");
    }

    @Test
    void udpActionsShouldParseWithTheirUnits() {
        CompiledPolicy policy = compile(
                "rules:",
                "  - { name: a, action: { type: drop } }",
                "  - { name: b, action: { type: drop-after, after: 5s } }",
                "  - { name: c, action: { type: drop-after, packets: 250 } }",
                "  - { name: d, action: { type: loss, rate: 20%, direction: up, seed: 9 } }",
                "  - { name: e, action: { type: loss, p: 2%, r: 0.25, loss-bad: 90% } }");

        assertThat(policy.rules()).extracting(CompiledRule::udpAction).containsExactly(
                new DropAction(), new DropAfterAction(5_000_000_000L, 0), new DropAfterAction(0, 250),
                LossAction.independent(0.2, Direction.UP, 9),
                new LossAction(0.02, 0.25, 0.9, 0, true, Direction.BOTH, 1));
        assertThat(policy.rules()).extracting(CompiledRule::action).containsOnlyNulls();
        assertThat(policy.rules().get(4).udpAction().describe())
                .isEqualTo("loss gilbert-elliott p=2% r=25% bad=90% good=0% (mean 6.67%) both");
    }

    @Test
    void minSizeShouldMatchTheFirstDatagramOnly() {
        CompiledPolicy policy = compile(
                "rules: [ { name: quic, match: { protocol: [quic], port: [443], min-size: 1001 }, action: { type: drop } } ]");

        assertThat(policy.evaluateUdp(udp(Protocol.QUIC, 443, 1001))).isNotNull();
        assertThat(policy.evaluateUdp(udp(Protocol.QUIC, 443, 1000))).as("1000 bytes passed in 2022").isNull();
        assertThat(policy.evaluateUdp(udp(Protocol.QUIC, 8443, 1200))).as("port 8443 passed").isNull();
    }

    @Test
    void namesShouldTieAUdpFlowToTheSignallingsList() {
        CompiledPolicy policy = compile(
                "lists: { whatsapp: [whatsapp.net] }",
                "rules: [ { name: calls, match: { domain: ['@whatsapp'], protocol: [stun, rtp] }, action: { type: drop } } ]");

        assertThat(policy.evaluateUdp(udp(Protocol.STUN, 3478, 20, "example.org", "g.whatsapp.net"))).isNotNull();
        assertThat(policy.evaluateUdp(udp(Protocol.STUN, 3478, 20, "example.org"))).isNull();
        assertThat(policy.evaluateUdp(udp(Protocol.DNS, 53, 20, "g.whatsapp.net"))).isNull();
    }

    @Test
    void udpOnlyActionWithATcpOnlyKeyShouldFailAtTheKey() {
        assertError(error(
                        "rules:",
                        "  - name: calls",
                        "    match: { host: [example.org] }",
                        "    action: { type: loss, rate: 5% }"),
                3, 14, "'host' only matches TCP flows, but 'loss' is a UDP-only action");
    }

    @Test
    void udpOnlyActionWithATcpProtocolShouldFailAtTheEntry() {
        assertError(error(
                        "rules:",
                        "  - name: calls",
                        "    match: { protocol: [stun, tls] }",
                        "    action: { type: drop }"),
                3, 31, "protocol 'tls' is never seen on UDP, but 'drop' is a UDP-only action");
    }

    @Test
    void tcpOnlyActionWithMinSizeShouldFailAtTheKey() {
        assertError(error(
                        "rules:",
                        "  - name: quic",
                        "    match: { min-size: 1001 }",
                        "    action: { type: reset }"),
                3, 14, "'min-size' only matches UDP flows, but 'reset' is a TCP-only action");
    }

    @Test
    void lossShouldRejectBothFormsAndOutOfRangeValues() {
        assertError(error("rules: [ { name: l, action: { type: loss, rate: 5%, p: 1% } } ]"),
                1, 53, "give either 'rate' (independent loss) or the Gilbert-Elliott 'p', 'r', 'loss-bad', "
                        + "'loss-good', not both");
        assertError(error("rules: [ { name: l, action: { type: loss, rate: 120% } } ]"),
                1, 49, "'rate' must be within 0%..100%, got '120%'");
        assertError(error("rules: [ { name: l, action: { type: drop-after } } ]"),
                1, 29, "expected 'after' (e.g. 5s) or 'packets' (e.g. 250) in a drop-after action");
    }

    @Test
    void gilbertElliottShouldLoseInBurstsAtItsMeanRate() {
        LossAction action = new LossAction(0.02, 0.25, 1, 0, true, Direction.BOTH, 11);
        UdpTreatment loss = action.open(0);
        int n = 200_000;
        int lost = 0;
        int bursts = 0;
        boolean previousLost = false;
        for (int i = 0; i < n; i++) {
            boolean dropped = loss.onDatagram(true, 100, i, 0) == UdpTreatment.DROP;
            lost += dropped ? 1 : 0;
            bursts += dropped && !previousLost ? 1 : 0;
            previousLost = dropped;
        }

        assertThat(lost / (double) n).as("mean loss p/(p+r)").isCloseTo(action.meanLoss(), within(0.01));
        assertThat(lost / (double) bursts).as("mean burst length 1/r").isCloseTo(4.0, within(0.3));
    }
}
