package dev.censorsim.policy.action;

import dev.censorsim.policy.PolicyNode;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.TcpAction;
import dev.censorsim.policy.TcpFlowControl;

import java.util.List;
import java.util.stream.Collectors;

/**
 * {@code chain}: several actions on one flow at once, applied in order: how a rule carries a Toxiproxy proxy's list
 * of toxics, since a flow gets the action of the first rule that matches it. The relay's mechanisms compose: buckets
 * all apply, delays add up, the smallest data limit wins, and each direction passes a chunk through the data limit,
 * the buckets, the slicer and the delay line in that order (Toxiproxy's chain in the order
 * {@code limit_data, bandwidth, slicer, latency}, whatever order the toxics were added in).
 *
 * @param actions the actions, at least one; a nested chain is allowed
 */
public record ChainAction(List<TcpAction> actions) implements TcpAction {

    public static final String TYPE = "chain";

    public ChainAction {
        actions = List.copyOf(actions);
        if (actions.isEmpty()) {
            throw new IllegalArgumentException("a chain needs at least one action");
        }
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void apply(TcpFlowControl flow) {
        for (TcpAction action : actions) {
            action.apply(flow);
        }
    }

    @Override
    public String describe() {
        return actions.stream().map(TcpAction::describe).collect(Collectors.joining(" + "));
    }

    /** Parses a {@code type: chain} mapping; registered in {@link ActionRegistry}. */
    static TcpAction parse(PolicyNode action, long linkRate) throws PolicyException {
        action.checkKeys("a chain action", List.of("type", "actions"));
        List<PolicyNode> entries = action.required("actions", "a chain action").entries("'actions'");
        List<TcpAction> actions = new java.util.ArrayList<>(entries.size());
        for (PolicyNode entry : entries) {
            actions.add(ActionRegistry.parse(entry, linkRate));
        }
        return new ChainAction(actions);
    }
}
