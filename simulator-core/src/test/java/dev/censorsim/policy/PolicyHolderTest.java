package dev.censorsim.policy;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

class PolicyHolderTest {

    private static CompiledPolicy policy(String name) {
        String yaml = "rules:\n  - name: " + name + "\n    match: { port: [443] }\n    action: { type: reset }\n";
        try {
            return PolicyLoader.parse(yaml, name + ".yaml");
        } catch (PolicyException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void swapShouldPublishBeforeTellingSubscribers() {
        PolicyHolder holder = new PolicyHolder(CompiledPolicy.empty());
        CompiledPolicy next = policy("next");
        List<CompiledPolicy> seenInCallback = new CopyOnWriteArrayList<>();
        holder.subscribe(p -> seenInCallback.add(holder.current()));

        holder.swap(next);

        assertThat(seenInCallback).as("a subscriber that re-reads the holder sees the new policy").containsExactly(next);
    }

    @Test
    void closedSubscriptionShouldHearNothingAndClosingTwiceShouldBeHarmless() {
        PolicyHolder holder = new PolicyHolder(CompiledPolicy.empty());
        List<CompiledPolicy> first = new CopyOnWriteArrayList<>();
        List<CompiledPolicy> second = new CopyOnWriteArrayList<>();
        PolicyHolder.Subscription a = holder.subscribe(first::add);
        holder.subscribe(second::add);

        a.close();
        a.close();
        holder.swap(policy("after-close"));

        assertThat(first).isEmpty();
        assertThat(second).hasSize(1);
    }

    @Test
    void throwingSubscriberShouldNotStopTheOthersAndItsErrorShouldSurface() {
        PolicyHolder holder = new PolicyHolder(CompiledPolicy.empty());
        List<CompiledPolicy> told = new CopyOnWriteArrayList<>();
        holder.subscribe(p -> {
            throw new IllegalStateException("broken subscriber");
        });
        holder.subscribe(told::add);
        CompiledPolicy next = policy("next");

        Throwable failure = catchThrowable(() -> holder.swap(next));

        assertThat(failure).isInstanceOf(IllegalStateException.class).hasMessage("broken subscriber");
        assertThat(told).containsExactly(next);
        assertThat(holder.current()).as("the swap itself happened").isSameAs(next);
    }
}
