package dev.censorsim.policy.action;

/**
 * An action that may leave residual state behind when it fires ({@code reset} and {@code blackhole}); the proxy keeps
 * that state, the action only says what it should be.
 */
public interface ResidualTrigger {

    /** The residual block to record when this action fires, or {@code null} for none. */
    ResidualBlock residual();
}
