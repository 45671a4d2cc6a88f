package dev.censorsim.policy.action;

import java.util.List;
import dev.censorsim.policy.PolicyNode;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.units.Direction;
import dev.censorsim.policy.TcpAction;
import dev.censorsim.policy.TcpFlowControl;

import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The concerns every toxic shares, in one place (Toxiproxy's {@code ToxicWrapper}): which direction the wrapped action
 * touches, and how likely it is to touch a connection at all. The wrapped action is written for both directions; the
 * wrapper narrows what it asks of the relay to {@link #direction()}. The probability is rolled once per connection,
 * when the action is applied to it (at its verdict, and again if a policy swap changes its action), as Toxiproxy
 * rolls {@code toxicity} once per connection and toxic.
 *
 * @param action    the wrapped action
 * @param direction which way the action applies: {@code UP} is Toxiproxy's {@code upstream} stream, {@code DOWN} its
 *                  {@code downstream}
 * @param toxicity  probability in [0, 1] that a connection gets the action; 1 for every connection
 */
public record ToxicAction(TcpAction action, Direction direction, double toxicity) implements TcpAction {

    public ToxicAction {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(direction, "direction");
        if (!(toxicity >= 0 && toxicity <= 1)) {
            throw new IllegalArgumentException("toxicity must be within [0, 1], was " + toxicity);
        }
    }

    @Override
    public String type() {
        return action.type();
    }

    @Override
    public void apply(TcpFlowControl flow) {
        if (toxicity < 1 && ThreadLocalRandom.current().nextDouble() >= toxicity) {
            return; // this connection was spared, as Toxiproxy runs a no-op toxic in its place
        }
        action.apply(direction == Direction.BOTH ? flow : new DirectedFlowControl(flow, direction));
    }

    @Override
    public String describe() {
        return action.describe() + (direction == Direction.BOTH ? "" : " " + direction.wireName())
                + (toxicity < 1 ? " toxicity " + Math.round(toxicity * 1000) / 10.0 + "%" : "");
    }

    /** The keys of this wrapper in an {@code action:} mapping; each wrapped type accepts them beside its own. */
    static final List<String> KEYS = List.of("direction", "toxicity");

    /** Wraps a toxic in its {@code direction} (default both) and {@code toxicity} (default 100%), when either is set. */
    static TcpAction wrap(PolicyNode action, TcpAction toxic) throws PolicyException {
        Direction direction = ActionNodes.direction(action.get("direction"));
        PolicyNode toxicityNode = action.get("toxicity");
        double toxicity = toxicityNode == null ? 1 : ActionNodes.fraction(toxicityNode, "'toxicity'");
        return direction == Direction.BOTH && toxicity == 1 ? toxic : new ToxicAction(toxic, direction, toxicity);
    }

    /** Wraps an action that keeps its own direction in a {@code toxicity}, when one is set. */
    static TcpAction withToxicity(PolicyNode action, TcpAction toxic) throws PolicyException {
        PolicyNode toxicityNode = action.get("toxicity");
        if (toxicityNode == null) {
            return toxic;
        }
        double toxicity = ActionNodes.fraction(toxicityNode, "'toxicity'");
        return toxicity == 1 ? toxic : new ToxicAction(toxic, Direction.BOTH, toxicity);
    }
}
