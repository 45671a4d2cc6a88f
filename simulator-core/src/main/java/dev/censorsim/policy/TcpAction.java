package dev.censorsim.policy;

/**
 * What a rule does to a TCP flow it matched. One implementation per file, each an immutable record registered under
 * the stable {@link #type()} name that policy files use ({@code reset}, {@code blackhole}, {@code freeze},
 * {@code throttle}, {@code delay}, {@code pass}, and Toxiproxy's toxics {@code slow-close}, {@code stall},
 * {@code reset-peer}, {@code slicer}, {@code limit-data}, composed by {@code chain}).
 */
public interface TcpAction {

    /** The policy-file name of this action. */
    String type();

    /** Applies the action to a flow that has just been given its verdict. */
    void apply(TcpFlowControl flow);

    /** A short human description for flow logs and reports, e.g. {@code "throttle 4 mbit/s down"}. */
    String describe();
}
