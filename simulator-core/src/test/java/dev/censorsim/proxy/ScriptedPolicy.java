package dev.censorsim.proxy;

import dev.censorsim.classify.InspectionSettings;
import dev.censorsim.policy.FlowFacts;
import dev.censorsim.policy.TcpAction;
import dev.censorsim.policy.TokenBucket;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** A one-rule {@link FlowPolicy} for tests: {@code rule} applies {@code action} to flows matching {@code match}. */
final class ScriptedPolicy implements FlowPolicy {

    final AtomicLong hits = new AtomicLong();
    final AtomicLong bytesUp = new AtomicLong();
    final AtomicLong bytesDown = new AtomicLong();
    private final String rule;
    private final Predicate<FlowFacts> match;
    private final TcpAction action;
    private final boolean needsContent;
    private volatile FlowFacts lastFacts;
    private TokenBucket linkUp;
    private TokenBucket linkDown;

    private ScriptedPolicy(String rule, Predicate<FlowFacts> match, TcpAction action, boolean needsContent) {
        this.rule = rule;
        this.match = match;
        this.action = action;
        this.needsContent = needsContent;
    }

    /** Every flow gets {@code action} at connect time. */
    static ScriptedPolicy always(TcpAction action) {
        return new ScriptedPolicy("test-rule", facts -> true, action, false);
    }

    /** No flow matches: every flow passes, decided at connect time. */
    static ScriptedPolicy never() {
        return new ScriptedPolicy("never", facts -> false, TestActions.action("none", f -> { }), false);
    }

    /** Flows whose classification matches get {@code action} once the first client bytes were inspected. */
    static ScriptedPolicy onContent(String rule, Predicate<FlowFacts> match, TcpAction action) {
        return new ScriptedPolicy(rule, match, action, true);
    }

    ScriptedPolicy link(TokenBucket up, TokenBucket down) {
        this.linkUp = up;
        this.linkDown = down;
        return this;
    }

    Supplier<FlowPolicy> source() {
        return () -> this;
    }

    FlowFacts lastFacts() {
        return lastFacts;
    }

    @Override
    public InspectionSettings inspection() {
        return InspectionSettings.DEFAULT;
    }

    @Override
    public boolean needsContent() {
        return needsContent;
    }

    @Override
    public TokenBucket linkUp() {
        return linkUp;
    }

    @Override
    public TokenBucket linkDown() {
        return linkDown;
    }

    @Override
    public FlowVerdict evaluate(FlowFacts facts) {
        lastFacts = facts;
        if (!match.test(facts)) {
            return FlowVerdict.PASS;
        }
        return new FlowVerdict(rule, action, new FlowVerdict.Counters() {
            @Override
            public void flowHit() {
                hits.incrementAndGet();
            }

            @Override
            public void addBytesUp(long bytes) {
                bytesUp.addAndGet(bytes);
            }

            @Override
            public void addBytesDown(long bytes) {
                bytesDown.addAndGet(bytes);
            }
        });
    }
}
