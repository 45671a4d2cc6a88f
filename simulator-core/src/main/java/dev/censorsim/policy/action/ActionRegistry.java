package dev.censorsim.policy.action;

import dev.censorsim.units.DataRate;
import dev.censorsim.units.DataSize;
import dev.censorsim.units.Direction;
import dev.censorsim.units.Durations;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.PolicyNode;
import dev.censorsim.policy.TcpAction;
import dev.censorsim.policy.UdpAction;

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
    /** UDP-only types; {@code throttle}, {@code delay} and {@code pass} are parsed as TCP and adapted for UDP. */
    private static final Map<String, UdpActionParser> UDP_PARSERS = new LinkedHashMap<>();
    /** The keys of the {@link ToxicAction} wrapper; {@code delay} and {@code throttle} keep their own direction. */
    private static final List<String> WRAPPER_KEYS = List.of("direction", "toxicity");

    static {
        PARSERS.put(ResetAction.TYPE, ActionRegistry::parseReset);
        PARSERS.put(BlackholeAction.TYPE, ActionRegistry::parseBlackhole);
        PARSERS.put(FreezeAction.TYPE, ActionRegistry::parseFreeze);
        PARSERS.put(ThrottleAction.TYPE, ActionRegistry::parseThrottle);
        PARSERS.put(DelayAction.TYPE, ActionRegistry::parseDelay);
        PARSERS.put(PassAction.TYPE, ActionRegistry::parsePass);
        PARSERS.put(SlowCloseAction.TYPE, ActionRegistry::parseSlowClose);
        PARSERS.put(StallAction.TYPE, ActionRegistry::parseStall);
        PARSERS.put(ResetPeerAction.TYPE, ActionRegistry::parseResetPeer);
        PARSERS.put(SlicerAction.TYPE, ActionRegistry::parseSlicer);
        PARSERS.put(LimitDataAction.TYPE, ActionRegistry::parseLimitData);
        PARSERS.put(ChainAction.TYPE, ActionRegistry::parseChain);
        UDP_PARSERS.put(DropAction.TYPE, ActionRegistry::parseDrop);
        UDP_PARSERS.put(DropAfterAction.TYPE, ActionRegistry::parseDropAfter);
        UDP_PARSERS.put(LossAction.TYPE, ActionRegistry::parseLoss);
    }

    /** Builds one UDP-only action type from its {@code action:} mapping. */
    @FunctionalInterface
    private interface UdpActionParser {
        UdpAction parse(PolicyNode action) throws PolicyException;
    }

    private ActionRegistry() {
    }

    /** The registered TCP type names, in documentation order. */
    public static List<String> types() {
        return List.copyOf(PARSERS.keySet());
    }

    /** The type names the UDP relay applies: the UDP-only ones, then those shared with TCP. */
    public static List<String> udpTypes() {
        List<String> types = new java.util.ArrayList<>(UDP_PARSERS.keySet());
        types.addAll(List.of(ThrottleAction.TYPE, DelayAction.TYPE, PassAction.TYPE));
        return List.copyOf(types);
    }

    /**
     * Parses an {@code action:} mapping for both data planes: a TCP-only type gets a null {@link RuleAction#udp()},
     * a UDP-only type a null {@link RuleAction#tcp()}.
     *
     * @param linkRateBytesPerSecond the policy's {@code link.rate} (the baseline of {@code cut}), or 0 when none
     */
    public static RuleAction parseRule(PolicyNode action, long linkRateBytesPerSecond) throws PolicyException {
        action.requireMap("'action'");
        PolicyNode typeNode = action.required("type", "'action'");
        String type = typeNode.text("'type'");
        UdpActionParser udp = UDP_PARSERS.get(type);
        if (udp != null) {
            return new RuleAction(null, udp.parse(action));
        }
        TcpAction tcp = parse(action, linkRateBytesPerSecond);
        if (tcp instanceof ThrottleAction throttle) {
            return new RuleAction(tcp, PoliceAction.of(throttle));
        }
        if (tcp instanceof DelayAction delay) {
            return new RuleAction(tcp, new UdpDelayAction(delay));
        }
        if (tcp instanceof PassAction) {
            return new RuleAction(tcp, new UdpPassAction());
        }
        return new RuleAction(tcp, null);
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
            if (UDP_PARSERS.containsKey(type)) {
                throw typeNode.error("'" + type + "' is a UDP action; a TCP action is one of "
                        + String.join(", ", PARSERS.keySet()));
            }
            throw typeNode.error("unknown action type '" + type + "'; expected one of "
                    + String.join(", ", PARSERS.keySet()) + "; for UDP only " + String.join(", ", UDP_PARSERS.keySet())
                    + "; for DNS " + String.join(", ", dev.censorsim.policy.action.dns.DnsActionRegistry.types()));
        }
        return parser.parse(action, linkRateBytesPerSecond);
    }

    private static TcpAction parseReset(PolicyNode action, long linkRate) throws PolicyException {
        action.checkKeys("a reset action", List.of("type", "residual"));
        return new ResetAction(residual(action));
    }

    private static TcpAction parseBlackhole(PolicyNode action, long linkRate) throws PolicyException {
        action.checkKeys("a blackhole action", List.of("type", "residual"));
        return new BlackholeAction(residual(action));
    }

    private static ResidualBlock residual(PolicyNode action) throws PolicyException {
        PolicyNode node = action.get("residual");
        return node == null ? null : ResidualBlock.parse(node);
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
        action.checkKeys("a throttle action", List.of("type", "rate", "cut", "direction", "scope", "toxicity"));
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
        return toxicity(action, ThrottleAction.of(rate, direction, scope));
    }

    private static TcpAction parseDelay(PolicyNode action, long linkRate) throws PolicyException {
        action.checkKeys("a delay action", List.of("type", "latency", "jitter", "direction", "seed", "toxicity"));
        PolicyNode latencyNode = action.required("latency", "a delay action");
        long latency = unit(latencyNode, "'latency'", Durations::parseNanos);
        if (latency <= 0) {
            throw latencyNode.error("expected a positive 'latency' such as 200ms");
        }
        PolicyNode jitterNode = action.get("jitter");
        long jitter = jitterNode == null ? 0 : unit(jitterNode, "'jitter'", Durations::parseNanos);
        return toxicity(action,
                new DelayAction(latency, jitter, direction(action.get("direction")), seed(action.get("seed"))));
    }

    private static TcpAction parseSlowClose(PolicyNode action, long linkRate) throws PolicyException {
        action.checkKeys("a slow-close action", keys("delay"));
        PolicyNode delayNode = action.required("delay", "a slow-close action");
        long delay = unit(delayNode, "'delay'", Durations::parseNanos);
        if (delay <= 0) {
            throw delayNode.error("expected a positive 'delay' such as 500ms");
        }
        return wrap(action, new SlowCloseAction(delay));
    }

    private static TcpAction parseStall(PolicyNode action, long linkRate) throws PolicyException {
        action.checkKeys("a stall action", keys("close-after"));
        PolicyNode afterNode = action.get("close-after");
        long after = afterNode == null ? 0 : unit(afterNode, "'close-after'", Durations::parseNanos);
        return wrap(action, new StallAction(after));
    }

    private static TcpAction parseResetPeer(PolicyNode action, long linkRate) throws PolicyException {
        action.checkKeys("a reset-peer action", keys("after"));
        PolicyNode afterNode = action.get("after");
        long after = afterNode == null ? 0 : unit(afterNode, "'after'", Durations::parseNanos);
        return wrap(action, new ResetPeerAction(after));
    }

    private static TcpAction parseSlicer(PolicyNode action, long linkRate) throws PolicyException {
        action.checkKeys("a slicer action", keys("average-size", "size-variation", "delay", "seed"));
        PolicyNode averageNode = action.required("average-size", "a slicer action");
        long average = unit(averageNode, "'average-size'", DataSize::parseBytes);
        if (average > 1 << 20) {
            throw averageNode.error("'average-size' must be at most 1mib, got " + average + " bytes");
        }
        PolicyNode variationNode = action.get("size-variation");
        long variation = 0;
        if (variationNode != null && !variationNode.rawText().strip().equals("0")) {
            variation = unit(variationNode, "'size-variation'", DataSize::parseBytes);
            if (variation >= average) {
                throw variationNode.error("'size-variation' must be below 'average-size' (" + average + " bytes), got "
                        + variation);
            }
        }
        PolicyNode delayNode = action.get("delay");
        long delay = delayNode == null ? 0 : unit(delayNode, "'delay'", Durations::parseNanos);
        return wrap(action, new SlicerAction((int) average, (int) variation, delay, seed(action.get("seed"))));
    }

    private static TcpAction parseLimitData(PolicyNode action, long linkRate) throws PolicyException {
        action.checkKeys("a limit-data action", keys("bytes"));
        long bytes = unit(action.required("bytes", "a limit-data action"), "'bytes'", DataSize::parseBytes);
        return wrap(action, new LimitDataAction(bytes));
    }

    private static TcpAction parseChain(PolicyNode action, long linkRate) throws PolicyException {
        action.checkKeys("a chain action", List.of("type", "actions"));
        List<PolicyNode> entries = action.required("actions", "a chain action").entries("'actions'");
        List<TcpAction> actions = new java.util.ArrayList<>(entries.size());
        for (PolicyNode entry : entries) {
            actions.add(parse(entry, linkRate));
        }
        return new ChainAction(actions);
    }

    /** {@code type}, the type's own keys, then the wrapper's. */
    private static List<String> keys(String... own) {
        List<String> keys = new java.util.ArrayList<>(own.length + 3);
        keys.add("type");
        keys.addAll(List.of(own));
        keys.addAll(WRAPPER_KEYS);
        return keys;
    }

    /** Wraps a toxic in its {@code direction} (default both) and {@code toxicity} (default 100%), when either is set. */
    private static TcpAction wrap(PolicyNode action, TcpAction toxic) throws PolicyException {
        Direction direction = direction(action.get("direction"));
        PolicyNode toxicityNode = action.get("toxicity");
        double toxicity = toxicityNode == null ? 1 : fraction(toxicityNode, "'toxicity'");
        return direction == Direction.BOTH && toxicity == 1 ? toxic : new ToxicAction(toxic, direction, toxicity);
    }

    /** Wraps an action that keeps its own direction in a {@code toxicity}, when one is set. */
    private static TcpAction toxicity(PolicyNode action, TcpAction toxic) throws PolicyException {
        PolicyNode toxicityNode = action.get("toxicity");
        if (toxicityNode == null) {
            return toxic;
        }
        double toxicity = fraction(toxicityNode, "'toxicity'");
        return toxicity == 1 ? toxic : new ToxicAction(toxic, Direction.BOTH, toxicity);
    }

    private static UdpAction parseDrop(PolicyNode action) throws PolicyException {
        action.checkKeys("a drop action", List.of("type"));
        return new DropAction();
    }

    private static UdpAction parseDropAfter(PolicyNode action) throws PolicyException {
        action.checkKeys("a drop-after action", List.of("type", "after", "packets"));
        PolicyNode afterNode = action.get("after");
        PolicyNode packetsNode = action.get("packets");
        if (afterNode != null && packetsNode != null) {
            throw action.keyNode("packets").error("give either 'after' (a duration such as 5s) or 'packets' in a "
                    + "drop-after action, not both");
        }
        if (afterNode != null) {
            long after = unit(afterNode, "'after'", Durations::parseNanos);
            if (after <= 0) {
                throw afterNode.error("expected a positive 'after' such as 5s");
            }
            return new DropAfterAction(after, 0);
        }
        if (packetsNode != null) {
            long packets = positiveInteger(packetsNode, "'packets'");
            return new DropAfterAction(0, packets);
        }
        throw action.error("expected 'after' (e.g. 5s) or 'packets' (e.g. 250) in a drop-after action");
    }

    private static UdpAction parseLoss(PolicyNode action) throws PolicyException {
        action.checkKeys("a loss action",
                List.of("type", "rate", "p", "r", "loss-bad", "loss-good", "direction", "seed"));
        Direction direction = direction(action.get("direction"));
        long seed = seed(action.get("seed"));
        PolicyNode rateNode = action.get("rate");
        PolicyNode pNode = action.get("p");
        if (rateNode != null) {
            for (String key : List.of("p", "r", "loss-bad", "loss-good")) {
                if (action.get(key) != null) {
                    throw action.keyNode(key).error("give either 'rate' (independent loss) or the Gilbert-Elliott "
                            + "'p', 'r', 'loss-bad', 'loss-good', not both");
                }
            }
            return LossAction.independent(fraction(rateNode, "'rate'"), direction, seed);
        }
        if (pNode == null) {
            throw action.error("expected 'rate' (e.g. 20%) or the Gilbert-Elliott 'p' and 'r' (e.g. p: 2%, r: 25%) "
                    + "in a loss action");
        }
        double p = fraction(pNode, "'p'");
        double r = fraction(action.required("r", "a Gilbert-Elliott loss action"), "'r'");
        if (p > 0 && r == 0) {
            throw action.keyNode("r").error("'r' must be above 0%, or the flow never leaves the bad state");
        }
        PolicyNode badNode = action.get("loss-bad");
        PolicyNode goodNode = action.get("loss-good");
        double bad = badNode == null ? 1 : fraction(badNode, "'loss-bad'");
        double good = goodNode == null ? 0 : fraction(goodNode, "'loss-good'");
        return new LossAction(p, r, bad, good, true, direction, seed);
    }

    /** A probability as a percentage ({@code 20%}) or a fraction ({@code 0.2}), within [0, 1]. */
    private static double fraction(PolicyNode node, String what) throws PolicyException {
        String text = node.text(what).strip();
        BigDecimal value;
        try {
            value = text.endsWith("%")
                    ? new BigDecimal(text.substring(0, text.length() - 1).strip()).movePointLeft(2)
                    : new BigDecimal(text);
        } catch (NumberFormatException e) {
            throw node.error("expected " + what + " as a percentage such as 20% or a fraction such as 0.2, got '"
                    + text + "'");
        }
        if (value.signum() < 0 || value.compareTo(BigDecimal.ONE) > 0) {
            throw node.error(what + " must be within 0%..100%, got '" + text + "'");
        }
        return value.doubleValue();
    }

    private static long positiveInteger(PolicyNode node, String what) throws PolicyException {
        if (node.kind() != PolicyNode.Kind.INT) {
            throw node.error("expected a positive integer for " + what + ", got " + node.kind().description());
        }
        long value;
        try {
            value = Long.parseLong(node.rawText());
        } catch (NumberFormatException e) {
            throw node.error(what + " must fit in a 64-bit signed integer, got " + node.rawText());
        }
        if (value <= 0) {
            throw node.error("expected a positive integer for " + what + ", got " + value);
        }
        return value;
    }

    private static long seed(PolicyNode seedNode) throws PolicyException {
        if (seedNode == null) {
            return 1;
        }
        if (seedNode.kind() != PolicyNode.Kind.INT) {
            throw seedNode.error("expected an integer for 'seed', got " + seedNode.kind().description());
        }
        try {
            return Long.parseLong(seedNode.rawText());
        } catch (NumberFormatException e) {
            throw seedNode.error("'seed' must fit in a 64-bit signed integer, got " + seedNode.rawText());
        }
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
