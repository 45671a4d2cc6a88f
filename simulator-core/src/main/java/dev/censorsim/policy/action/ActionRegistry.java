package dev.censorsim.policy.action;

import dev.censorsim.policy.DataRate;
import dev.censorsim.policy.DataSize;
import dev.censorsim.policy.Direction;
import dev.censorsim.policy.Durations;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.PolicyNode;
import dev.censorsim.policy.TcpAction;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * The action types a policy file may name, by their stable {@code type:} name, each with the parser of its
 * {@code action:} mapping. The names are product API: renaming one breaks every policy file that uses it.
 */
public final class ActionRegistry {

    private static final Map<String, ActionParser> PARSERS = new LinkedHashMap<>();

    static {
        PARSERS.put(ResetAction.TYPE, ActionRegistry::parseReset);
        PARSERS.put(BlackholeAction.TYPE, ActionRegistry::parseBlackhole);
        PARSERS.put(FreezeAction.TYPE, ActionRegistry::parseFreeze);
        PARSERS.put(ThrottleAction.TYPE, ActionRegistry::parseThrottle);
        PARSERS.put(DelayAction.TYPE, ActionRegistry::parseDelay);
        PARSERS.put(PassAction.TYPE, ActionRegistry::parsePass);
    }

    private ActionRegistry() {
    }

    /** The registered type names, in documentation order. */
    public static List<String> types() {
        return List.copyOf(PARSERS.keySet());
    }

    /**
     * Parses an {@code action:} mapping by its {@code type}.
     *
     * @param linkRateBytesPerSecond the policy's {@code link.rate} (the baseline of {@code cut}), or 0 when none
     */
    public static TcpAction parse(PolicyNode action, long linkRateBytesPerSecond) throws PolicyException {
        action.requireMap("'action'");
        PolicyNode typeNode = action.required("type", "'action'");
        String type = typeNode.text("'type'");
        ActionParser parser = PARSERS.get(type);
        if (parser == null) {
            throw typeNode.error("unknown action type '" + type + "'; expected one of "
                    + String.join(", ", PARSERS.keySet()));
        }
        return parser.parse(action, linkRateBytesPerSecond);
    }

    private static TcpAction parseReset(PolicyNode action, long linkRate) throws PolicyException {
        action.checkKeys("a reset action", List.of("type"));
        return new ResetAction();
    }

    private static TcpAction parseBlackhole(PolicyNode action, long linkRate) throws PolicyException {
        action.checkKeys("a blackhole action", List.of("type"));
        return new BlackholeAction();
    }

    private static TcpAction parsePass(PolicyNode action, long linkRate) throws PolicyException {
        action.checkKeys("a pass action", List.of("type"));
        return new PassAction();
    }

    private static TcpAction parseFreeze(PolicyNode action, long linkRate) throws PolicyException {
        action.checkKeys("a freeze action", List.of("type", "after"));
        long after = unit(action.required("after", "a freeze action"), "'after'", DataSize::parseBytes);
        return new FreezeAction(after);
    }

    private static TcpAction parseThrottle(PolicyNode action, long linkRate) throws PolicyException {
        action.checkKeys("a throttle action", List.of("type", "rate", "cut", "direction", "scope"));
        PolicyNode rateNode = action.get("rate");
        PolicyNode cutNode = action.get("cut");
        long rate;
        if (rateNode != null && cutNode != null) {
            throw action.keyNode("cut").error("give either 'rate' or 'cut' in a throttle action, not both");
        } else if (rateNode != null) {
            rate = unit(rateNode, "'rate'", DataRate::parseBytesPerSecond);
        } else if (cutNode != null) {
            if (linkRate <= 0) {
                throw cutNode.error("'cut' is relative to the link rate; add 'link: { rate: ... }' to the policy or "
                        + "give an absolute 'rate'");
            }
            rate = cutRate(cutNode, linkRate);
        } else {
            throw action.error("expected 'rate' (e.g. 4mbit) or 'cut' (e.g. 0.75) in a throttle action");
        }
        Direction direction = direction(action.get("direction"));
        ThrottleScope scope = ThrottleScope.FLOW;
        PolicyNode scopeNode = action.get("scope");
        if (scopeNode != null) {
            String s = scopeNode.text("'scope'");
            if (s.equals("flow")) {
                scope = ThrottleScope.FLOW;
            } else if (s.equals("rule")) {
                scope = ThrottleScope.RULE;
            } else {
                throw scopeNode.error("unknown scope '" + s + "'; expected one of flow, rule");
            }
        }
        return ThrottleAction.of(rate, direction, scope);
    }

    private static TcpAction parseDelay(PolicyNode action, long linkRate) throws PolicyException {
        action.checkKeys("a delay action", List.of("type", "latency", "jitter", "direction", "seed"));
        PolicyNode latencyNode = action.required("latency", "a delay action");
        long latency = unit(latencyNode, "'latency'", Durations::parseNanos);
        if (latency <= 0) {
            throw latencyNode.error("expected a positive 'latency' such as 200ms");
        }
        PolicyNode jitterNode = action.get("jitter");
        long jitter = jitterNode == null ? 0 : unit(jitterNode, "'jitter'", Durations::parseNanos);
        long seed = 1;
        PolicyNode seedNode = action.get("seed");
        if (seedNode != null) {
            if (seedNode.kind() != PolicyNode.Kind.INT) {
                throw seedNode.error("expected an integer for 'seed', got " + seedNode.kind().description());
            }
            try {
                seed = Long.parseLong(seedNode.rawText());
            } catch (NumberFormatException e) {
                throw seedNode.error("'seed' must fit in a 64-bit signed integer, got " + seedNode.rawText());
            }
        }
        return new DelayAction(latency, jitter, direction(action.get("direction")), seed);
    }

    /**
     * {@code link * (1 - cut)} for {@code cut} in (0, 1) or a percentage in (0%, 100%): {@code 0.75} and {@code 75%}
     * both leave a quarter of the link.
     */
    private static long cutRate(PolicyNode cutNode, long linkRate) throws PolicyException {
        String text = cutNode.text("'cut'").strip();
        BigDecimal cut;
        try {
            if (text.endsWith("%")) {
                cut = new BigDecimal(text.substring(0, text.length() - 1).strip()).movePointLeft(2);
            } else {
                cut = new BigDecimal(text);
            }
        } catch (NumberFormatException e) {
            throw cutNode.error("expected 'cut' as a fraction in (0, 1) such as 0.75, or a percentage such as 75%, "
                    + "got '" + text + "'");
        }
        if (cut.signum() <= 0 || cut.compareTo(BigDecimal.ONE) >= 0) {
            throw cutNode.error("'cut' must be within (0, 1) or (0%, 100%), got '" + text + "'");
        }
        long rate = BigDecimal.valueOf(linkRate).multiply(BigDecimal.ONE.subtract(cut))
                .setScale(0, RoundingMode.HALF_UP).longValue();
        if (rate <= 0) {
            throw cutNode.error("'cut' " + text + " leaves less than 1 byte/s of the link rate");
        }
        return rate;
    }

    private static Direction direction(PolicyNode node) throws PolicyException {
        if (node == null) {
            return Direction.BOTH;
        }
        String d = node.text("'direction'");
        for (Direction candidate : Direction.values()) {
            if (candidate.wireName().equals(d)) {
                return candidate;
            }
        }
        throw node.error("unknown direction '" + d + "'; expected one of down, up, both");
    }

    private static long unit(PolicyNode node, String what, ToLongFunction<String> parser) throws PolicyException {
        String text = node.text(what);
        try {
            return parser.applyAsLong(text);
        } catch (IllegalArgumentException e) {
            throw node.error(e.getMessage());
        }
    }
}
