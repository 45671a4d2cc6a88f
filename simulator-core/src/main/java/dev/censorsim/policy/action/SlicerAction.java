package dev.censorsim.policy.action;

import dev.censorsim.units.DataSize;
import dev.censorsim.policy.PolicyNode;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.units.Direction;
import dev.censorsim.units.Durations;
import dev.censorsim.policy.TcpAction;
import dev.censorsim.policy.TcpFlowControl;

/**
 * {@code slicer}: cut the stream into small segments, each written on its own, {@code delayNanos} apart (Toxiproxy's
 * {@code slicer}): the receiver sees many short reads, the way a parser that assumes one read is one message breaks.
 *
 * @param averageBytes   mean segment size; at least 1
 * @param variationBytes segments vary by up to this much either way; below {@code averageBytes}
 * @param delayNanos     pause after each segment; 0 for none (each is still flushed on its own)
 * @param seed           makes the segment sizes replayable
 */
public record SlicerAction(int averageBytes, int variationBytes, long delayNanos, long seed) implements TcpAction {

    public static final String TYPE = "slicer";

    public SlicerAction {
        if (averageBytes < 1) {
            throw new IllegalArgumentException("averageBytes must be >= 1, was " + averageBytes);
        }
        if (variationBytes < 0 || variationBytes >= averageBytes) {
            throw new IllegalArgumentException("variationBytes must be within [0, averageBytes), was " + variationBytes);
        }
        if (delayNanos < 0) {
            throw new IllegalArgumentException("delayNanos must be >= 0, was " + delayNanos);
        }
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void apply(TcpFlowControl flow) {
        flow.slice(Direction.BOTH, averageBytes, variationBytes, delayNanos, seed);
    }

    @Override
    public String describe() {
        return "slicer " + averageBytes + (variationBytes > 0 ? "±" + variationBytes : "") + " B"
                + (delayNanos > 0 ? " every " + Durations.format(delayNanos) : "");
    }

    /** Parses a {@code type: slicer} mapping; registered in {@link ActionRegistry}. */
    static TcpAction parse(PolicyNode action, long linkRate) throws PolicyException {
        action.checkKeys("a slicer action", ActionNodes.keys("average-size", "size-variation", "delay", "seed"));
        PolicyNode averageNode = action.required("average-size", "a slicer action");
        long average = ActionNodes.unit(averageNode, "'average-size'", DataSize::parseBytes);
        if (average > 1 << 20) {
            throw averageNode.error("'average-size' must be at most 1mib, got " + average + " bytes");
        }
        PolicyNode variationNode = action.get("size-variation");
        long variation = 0;
        if (variationNode != null && !variationNode.rawText().strip().equals("0")) {
            variation = ActionNodes.unit(variationNode, "'size-variation'", DataSize::parseBytes);
            if (variation >= average) {
                throw variationNode.error("'size-variation' must be below 'average-size' (" + average + " bytes), got "
                        + variation);
            }
        }
        PolicyNode delayNode = action.get("delay");
        long delay = delayNode == null ? 0 : ActionNodes.unit(delayNode, "'delay'", Durations::parseNanos);
        return ToxicAction.wrap(action, new SlicerAction((int) average, (int) variation, delay, ActionNodes.seed(action.get("seed"))));
    }
}
