package dev.censorsim.proxy;

import dev.censorsim.units.Direction;
import dev.censorsim.policy.TcpAction;
import dev.censorsim.policy.TcpFlowControl;
import dev.censorsim.policy.TokenBucket;

import java.util.function.Consumer;

/** Minimal {@link TcpAction}s that drive one {@link TcpFlowControl} mechanism each, independent of policy files. */
final class TestActions {

    private TestActions() {
    }

    static TcpAction reset() {
        return action("reset", TcpFlowControl::reset);
    }

    static TcpAction blackhole() {
        return action("blackhole", TcpFlowControl::blackhole);
    }

    static TcpAction freezeAfter(long bytes) {
        return action("freeze after " + bytes + "B", flow -> flow.freezeAfter(bytes));
    }

    /** A fresh bucket per flow, with the production default burst. */
    static TcpAction throttle(Direction direction, long bitsPerSecond) {
        return action("throttle " + bitsPerSecond + " bit/s " + direction.wireName(),
                flow -> flow.shape(direction, TokenBucket.forRate(bitsPerSecond / 8)));
    }

    static TcpAction delay(Direction direction, long delayMillis, long jitterMillis, long seed) {
        return action("delay " + delayMillis + "ms " + direction.wireName(),
                flow -> flow.delay(direction, delayMillis * 1_000_000, jitterMillis * 1_000_000, seed));
    }

    static TcpAction action(String description, Consumer<TcpFlowControl> mechanics) {
        return new TcpAction() {
            @Override
            public String type() {
                return description.split(" ")[0];
            }

            @Override
            public void apply(TcpFlowControl flow) {
                mechanics.accept(flow);
            }

            @Override
            public String describe() {
                return description;
            }
        };
    }
}
