package dev.censorsim.control;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.policy.PolicyException;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;

/**
 * What the control API's native routes steer: a running censor with one live policy. {@code dev.censorsim.lab.Lab}
 * is the implementation; the routes know only this.
 */
public interface Censor {

    /** The policy in force. */
    CompiledPolicy policy();

    /** Where the policy in force came from: a file, {@code api}, {@code phase NAME}, or {@code none}. */
    String policySource();

    /** The text of the policy in force as it was applied (YAML or JSON), or {@code null} when it had none. */
    String policyText();

    /**
     * Compiles {@code text} (YAML, or JSON, which YAML reads too) and swaps it in; live flows are re-evaluated.
     *
     * @param sourceName the name error messages start with, e.g. {@code policy} gives {@code policy:3:7: ...}
     * @throws PolicyException when the text does not compile; the policy in force stays
     */
    void applyPolicy(String text, String sourceName) throws PolicyException;

    /**
     * Swaps in the named policy of the loaded timeline or configuration.
     *
     * @throws NoSuchElementException when there is no such phase
     */
    void phase(String name);

    /** The phase names {@link #phase} accepts, in definition order. */
    List<String> phases();

    /** The phase in force, or {@code null} when the policy was not set by phase. */
    String currentPhase();

    /** Live flows of every front end, each read on its own event loop. */
    CompletableFuture<List<FlowView>> liveFlows();

    /** The most recently ended flows, oldest first. */
    List<FlowView> recentFlows();

    CensorMetrics metrics();

    CensorEvents events();
}
