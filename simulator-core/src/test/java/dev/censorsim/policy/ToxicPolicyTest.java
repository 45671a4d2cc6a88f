package dev.censorsim.policy;

import dev.censorsim.units.Direction;
import dev.censorsim.policy.action.ChainAction;
import dev.censorsim.policy.action.LimitDataAction;
import dev.censorsim.policy.action.ToxicAction;
import org.junit.jupiter.api.Test;


import static dev.censorsim.policy.Policies.compile;
import static dev.censorsim.policy.Policies.error;
import static org.assertj.core.api.Assertions.assertThat;

/** The Toxiproxy-style actions in policy files: their keys, their wrapper and what each asks of the relay. */
class ToxicPolicyTest {

    @Test
    void eachToxicShouldAskTheRelayForItsMechanismInBothDirectionsByDefault() {
        RecordingFlowControl flow = apply("{ type: slow-close, delay: 1s }", "{ type: stall, close-after: 2s }",
                "{ type: reset-peer, after: 3ms }", "{ type: slicer, average-size: 100, size-variation: 10, delay: 5us }",
                "{ type: limit-data, bytes: 16kb }", "{ type: stall }", "{ type: reset-peer }");

        assertThat(flow.toxics).containsExactly(
                "slowClose both 1000000000", "stall both 2000000000", "resetOnData both 3000000",
                "slice both 100 10 5000", "limitData both 16000", "stall both 0", "resetOnData both 0");
    }

    @Test
    void directionShouldNarrowTheToxicToOneStream() {
        RecordingFlowControl flow = apply("{ type: limit-data, bytes: 10, direction: down }",
                "{ type: slow-close, delay: 1ms, direction: up }");

        assertThat(flow.toxics).containsExactly("limitData down 10", "slowClose up 1000000");
    }

    @Test
    void toxicityShouldBeOneWrapperRolledPerApplication() {
        TcpAction never = action("{ type: limit-data, bytes: 10, toxicity: 0% }");
        TcpAction always = action("{ type: limit-data, bytes: 10, toxicity: 1 }");
        TcpAction delayed = action("{ type: delay, latency: 10ms, toxicity: 0 }");

        assertThat(never).isEqualTo(new ToxicAction(new LimitDataAction(10), Direction.BOTH, 0));
        assertThat(always).as("a certain toxic needs no wrapper").isEqualTo(new LimitDataAction(10));
        RecordingFlowControl flow = new RecordingFlowControl();
        for (int i = 0; i < 100; i++) {
            never.apply(flow);
            delayed.apply(flow);
        }
        assertThat(flow.calls).isEmpty();
        assertThat(never.describe()).isEqualTo("limit-data 10 B toxicity 0.0%");
    }

    @Test
    void chainShouldApplyItsActionsInOrderAndCompareByValue() {
        String chain = "{ type: chain, actions: [ { type: delay, latency: 5ms, direction: down }, "
                + "{ type: throttle, rate: 8kbit, direction: up }, { type: limit-data, bytes: 1kb, direction: down } ] }";
        TcpAction action = action(chain);
        RecordingFlowControl flow = new RecordingFlowControl();
        action.apply(flow);

        assertThat(action).isInstanceOf(ChainAction.class).isEqualTo(action(chain));
        assertThat(flow.calls).containsExactly("delay", "shape", "limitData");
        assertThat(action.describe()).isEqualTo("delay 5ms down + throttle 8 kbit/s up per flow + limit-data 1000 B down");
    }

    @Test
    void badToxicKeysShouldFailAtTheirPosition() {
        assertThat(error("rules:", "  - name: a",
                "    action: { type: slicer, average-size: 10, size-variation: 10 }").getMessage())
                .isEqualTo("policy.yaml:3:63: 'size-variation' must be below 'average-size' (10 bytes), got 10");
        assertThat(error("rules:", "  - name: a", "    action: { type: limit-data, bytes: 10, stream: down }")
                .getMessage()).isEqualTo("policy.yaml:3:44: unknown key 'stream' in a limit-data action; expected one "
                + "of type, bytes, direction, toxicity");
        assertThat(error("rules:", "  - name: a", "    action: { type: stall, toxicity: 150% }").getMessage())
                .isEqualTo("policy.yaml:3:38: 'toxicity' must be within 0%..100%, got '150%'");
        assertThat(error("rules:", "  - name: a", "    action: { type: chain, actions: [] }").getMessage())
                .isEqualTo("policy.yaml:3:37: expected at least one entry in 'actions'");
    }

    private static TcpAction action(String action) {
        return compile("rules:", "  - name: a", "    action: " + action).rules().get(0).action();
    }

    private static RecordingFlowControl apply(String... actions) {
        RecordingFlowControl flow = new RecordingFlowControl();
        for (String a : actions) {
            action(a).apply(flow);
        }
        return flow;
    }

}
