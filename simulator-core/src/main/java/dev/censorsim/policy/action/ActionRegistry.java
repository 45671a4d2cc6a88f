package dev.censorsim.policy.action;

import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.PolicyNode;
import dev.censorsim.policy.TcpAction;
import dev.censorsim.policy.UdpAction;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The action types a policy file may name, by their stable {@code type:} name, each registered with the parser of its
 * {@code action:} mapping. The names are product API: renaming one breaks every policy file that uses it.
 *
 * <p>Each type parses itself, in its own file ({@code ResetAction.parse}, {@code LossAction.parse}, ...); the keys
 * every toxic shares, {@code direction} and {@code toxicity}, are read once by {@link ToxicAction#wrap} (Toxiproxy's
 * {@code ToxicWrapper}); the value forms (rates, sizes, durations, percentages, seeds) by {@code ActionNodes}.
 */
public final class ActionRegistry {

    private static final Map<String, ActionParser> PARSERS = new LinkedHashMap<>();
    /** UDP-only types; {@code throttle}, {@code delay} and {@code pass} are parsed as TCP and adapted for UDP. */
    private static final Map<String, UdpActionParser> UDP_PARSERS = new LinkedHashMap<>();

    static {
        PARSERS.put(ResetAction.TYPE, ResetAction::parse);
        PARSERS.put(BlackholeAction.TYPE, BlackholeAction::parse);
        PARSERS.put(FreezeAction.TYPE, FreezeAction::parse);
        PARSERS.put(ThrottleAction.TYPE, ThrottleAction::parse);
        PARSERS.put(DelayAction.TYPE, DelayAction::parse);
        PARSERS.put(PassAction.TYPE, PassAction::parse);
        PARSERS.put(SlowCloseAction.TYPE, SlowCloseAction::parse);
        PARSERS.put(StallAction.TYPE, StallAction::parse);
        PARSERS.put(ResetPeerAction.TYPE, ResetPeerAction::parse);
        PARSERS.put(SlicerAction.TYPE, SlicerAction::parse);
        PARSERS.put(LimitDataAction.TYPE, LimitDataAction::parse);
        PARSERS.put(ChainAction.TYPE, ChainAction::parse);
        UDP_PARSERS.put(DropAction.TYPE, DropAction::parse);
        UDP_PARSERS.put(DropAfterAction.TYPE, DropAfterAction::parse);
        UDP_PARSERS.put(LossAction.TYPE, LossAction::parse);
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

}
