package dev.censorsim.policy;

import dev.censorsim.classify.InspectionSettings;

import java.util.List;

/** Temporary stand-in; replaced by the policy branch. */
public final class CompiledPolicy {
    public static CompiledPolicy empty() {
        return new CompiledPolicy();
    }

    public Verdict evaluate(FlowFacts facts) {
        return Verdict.PASS;
    }

    public List<CompiledRule> rules() {
        return List.of();
    }

    public TokenBucket linkUp() {
        return null;
    }

    public TokenBucket linkDown() {
        return null;
    }

    public InspectionSettings inspection() {
        return InspectionSettings.DEFAULT;
    }

    public boolean needsContent() {
        return false;
    }
}
