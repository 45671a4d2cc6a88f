package dev.censorsim.policy.action;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.units.Direction;
import dev.censorsim.policy.Flows;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.policy.RecordingFlowControl;
import dev.censorsim.policy.TokenBucket;
import dev.censorsim.policy.Verdict;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ThrottleActionTest {

    private static RecordingFlowControl applyTo(CompiledPolicy policy, String sni) {
        Verdict verdict = policy.evaluate(Flows.tls(sni));
        RecordingFlowControl flow = new RecordingFlowControl();
        verdict.action().apply(flow);
        return flow;
    }

    private static CompiledPolicy policy(String action) throws Exception {
        return PolicyLoader.parse("link: { rate: 40mbit }\nrules:\n  - name: t\n    match: { sni: [cdn.test] }\n"
                + "    action: " + action + "\n", "t.yaml");
    }

    @Test
    void ruleScopeShouldShareOneBucketPerDirectionAcrossFlows() throws Exception {
        CompiledPolicy policy = policy("{ type: throttle, rate: 4mbit, scope: rule }");

        RecordingFlowControl first = applyTo(policy, "a.cdn.test");
        RecordingFlowControl second = applyTo(policy, "b.cdn.test");

        assertThat(first.bucket(Direction.UP)).as("a national class cap is one bucket")
                .isSameAs(second.bucket(Direction.UP));
        assertThat(first.bucket(Direction.DOWN)).isSameAs(second.bucket(Direction.DOWN));
        assertThat(first.bucket(Direction.UP)).as("directions are policed independently")
                .isNotSameAs(first.bucket(Direction.DOWN));
        assertThat(first.bucket(Direction.DOWN).rateBytesPerSecond()).isEqualTo(500_000);
    }

    @Test
    void flowScopeShouldGiveEachFlowFreshBuckets() throws Exception {
        CompiledPolicy policy = policy("{ type: throttle, rate: 4mbit }");

        RecordingFlowControl first = applyTo(policy, "a.cdn.test");
        RecordingFlowControl second = applyTo(policy, "a.cdn.test");

        assertThat(first.bucket(Direction.UP)).isNotSameAs(second.bucket(Direction.UP));
        assertThat(first.bucket(Direction.DOWN)).isNotSameAs(second.bucket(Direction.DOWN));
        assertThat(first.bucket(Direction.UP)).isNotSameAs(first.bucket(Direction.DOWN));
        assertThat(second.bucket(Direction.DOWN).rateBytesPerSecond()).isEqualTo(500_000);
    }

    @Test
    void directionShouldLimitWhichSidesAreShaped() throws Exception {
        RecordingFlowControl down = applyTo(policy("{ type: throttle, rate: 1mbit, direction: down }"), "cdn.test");
        RecordingFlowControl up = applyTo(policy("{ type: throttle, rate: 1mbit, direction: up, scope: rule }"),
                "cdn.test");

        assertThat(down.shapes).extracting(RecordingFlowControl.Shape::direction).containsExactly(Direction.DOWN);
        assertThat(up.shapes).extracting(RecordingFlowControl.Shape::direction).containsExactly(Direction.UP);
    }

    @Test
    void cutShouldLeaveTheRestOfTheLinkRate() throws Exception {
        ThrottleAction fraction = (ThrottleAction) policy("{ type: throttle, cut: 0.75 }").rules().get(0).action();
        ThrottleAction percent = (ThrottleAction) policy("{ type: throttle, cut: 80% }").rules().get(0).action();

        assertThat(fraction.rateBytesPerSecond()).as("40 mbit/s * 0.25 = 10 mbit/s").isEqualTo(1_250_000);
        assertThat(percent.rateBytesPerSecond()).as("40 mbit/s * 0.2 = 8 mbit/s").isEqualTo(1_000_000);
        assertThat(fraction.describe()).isEqualTo("throttle 10 mbit/s both per flow");
    }

    @Test
    void constructorShouldRejectInconsistentSharedBuckets() {
        TokenBucket bucket = TokenBucket.forRate(1000);

        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ThrottleAction(0, Direction.BOTH, ThrottleScope.FLOW, null, null));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ThrottleAction(1000, Direction.BOTH, ThrottleScope.FLOW, bucket, null));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ThrottleAction(1000, Direction.BOTH, ThrottleScope.RULE, bucket, null));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ThrottleAction(2000, Direction.UP, ThrottleScope.RULE, bucket, null))
                .withMessageContaining("2000 B/s");
        assertThat(new ThrottleAction(1000, Direction.UP, ThrottleScope.RULE, bucket, null).sharedUp())
                .isSameAs(bucket);
    }
}
