package dev.censorsim.policy.action;

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
}
