package dev.censorsim.policy.action;

import dev.censorsim.units.Direction;
import dev.censorsim.policy.RecordingFlowControl;
import dev.censorsim.policy.TcpAction;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ActionsApplyTest {

    private static RecordingFlowControl apply(TcpAction action) {
        RecordingFlowControl flow = new RecordingFlowControl();
        action.apply(flow);
        return flow;
    }

    @Test
    void resetAndBlackholeShouldCallTheirMechanismOnce() {
        assertThat(apply(new ResetAction()).calls).containsExactly("reset");
        assertThat(apply(new BlackholeAction()).calls).containsExactly("blackhole");
    }

    @Test
    void freezeShouldPassTheAllowanceInBytes() {
        RecordingFlowControl flow = apply(new FreezeAction(16_000));

        assertThat(flow.calls).containsExactly("freezeAfter");
        assertThat(flow.freezeAfter).isEqualTo(16_000);
        assertThatIllegalArgumentException().isThrownBy(() -> new FreezeAction(0));
    }

    @Test
    void delayShouldPassLatencyJitterDirectionAndSeed() {
        RecordingFlowControl flow = apply(new DelayAction(200_000_000, 50_000_000, Direction.DOWN, 7));

        assertThat(flow.delays).containsExactly(new RecordingFlowControl.Delay(Direction.DOWN, 200_000_000,
                50_000_000, 7));
        assertThatIllegalArgumentException().isThrownBy(() -> new DelayAction(0, 0, Direction.BOTH, 1));
        assertThatIllegalArgumentException().isThrownBy(() -> new DelayAction(1, -1, Direction.BOTH, 1));
    }

    @Test
    void registryShouldKnowEveryTypeByItsStableName() {
        assertThat(ActionRegistry.types()).containsExactly("reset", "blackhole", "freeze", "throttle", "delay", "pass",
                "slow-close", "stall", "reset-peer", "slicer", "limit-data", "chain");
        assertThat(List.of(new ResetAction(), new BlackholeAction(), new FreezeAction(1),
                ThrottleAction.of(1, Direction.BOTH, ThrottleScope.FLOW), new DelayAction(1, 0, Direction.UP, 1), new PassAction(),
                new SlowCloseAction(1), new StallAction(0), new ResetPeerAction(0), new SlicerAction(10, 0, 0, 1),
                new LimitDataAction(0), new ChainAction(List.of(new PassAction()))))
                .extracting(TcpAction::type)
                .containsExactlyElementsOf(ActionRegistry.types());
    }

    @Test
    void delayDefaultsShouldBeNoJitterBothDirectionsSeedOne() throws Exception {
        TcpAction action = dev.censorsim.policy.PolicyLoader.parse(
                "rules: [ { name: d, action: { type: delay, latency: 1.5s } } ]", "d.yaml").rules().get(0).action();

        assertThat(action).isEqualTo(new DelayAction(1_500_000_000, 0, Direction.BOTH, 1));
        assertThat(action.describe()).isEqualTo("delay 1.5s both");
    }
}
