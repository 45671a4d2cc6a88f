package dev.censorsim.scenario;

import dev.censorsim.policy.CompiledPolicy;
import dev.censorsim.units.DataRate;
import dev.censorsim.policy.ListFiles;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.PolicyLoader;
import dev.censorsim.policy.PolicyNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A named policy of a scenario, inline or from a file, validated when the scenario loads.
 *
 * <p>The located YAML tree is kept, not just the compiled policy: {@link #compile()} builds a fresh rule set with
 * zeroed counters and token buckets for each phase, so two phases that use the same policy report their own counts.
 */
public final class ScenarioPolicy {

    private final String name;
    private final String origin;
    private final PolicyNode tree;
    private final ListFiles listFiles;
    private final CompiledPolicy validated;

    private ScenarioPolicy(String name, String origin, PolicyNode tree, ListFiles listFiles,
                           CompiledPolicy validated) {
        this.name = name;
        this.origin = origin;
        this.tree = tree;
        this.listFiles = listFiles;
        this.validated = validated;
    }

    /**
     * Compiles {@code tree}; errors point at the tree's own file and lines. List files resolve through
     * {@code listFiles}, which also keeps them once read, so each phase's fresh compile reuses the same matchers.
     */
    static ScenarioPolicy compile(String name, String origin, PolicyNode tree, ListFiles listFiles)
            throws PolicyException {
        return new ScenarioPolicy(Objects.requireNonNull(name), origin, tree, listFiles,
                PolicyLoader.compile(tree, listFiles));
    }

    /** The name phases use. */
    public String name() {
        return name;
    }

    /** Where the policy came from: {@code inline (file:line)} or the policy file's path. */
    public String origin() {
        return origin;
    }

    /** A freshly compiled rule set, with its own counters and buckets. */
    public CompiledPolicy compile() {
        try {
            return PolicyLoader.compile(tree, listFiles);
        } catch (PolicyException e) {
            // The same tree compiled when the scenario loaded; compilation is deterministic.
            throw new IllegalStateException("policy '" + name + "' no longer compiles: " + e.getMessage(), e);
        }
    }

    /**
     * The policy in plain lines for reports: link rate, non-default inspection, named lists, then each rule as
     * {@code name: match -> action} in file order.
     */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        if (validated.linkRateBytesPerSecond() > 0) {
            lines.add("link " + DataRate.format(validated.linkRateBytesPerSecond()));
        }
        PolicyNode dpi = tree.get("dpi");
        if (dpi != null && !dpi.isNull()) {
            lines.add("dpi " + flow(dpi));
        }
        PolicyNode lists = tree.get("lists");
        if (lists != null && lists.kind() == PolicyNode.Kind.MAP) {
            for (String list : lists.keys()) {
                lines.add("list @" + list + " = " + flow(lists.get(list)));
            }
        }
        // Rules in file order, whichever plane they act on: TCP/UDP rules and DNS rules are kept apart once
        // compiled, so describe them from the tree and take each action's description from the compiled rule.
        Map<String, String> actions = new HashMap<>();
        validated.allRules().forEach(r -> actions.put(r.name(), r.describe()));
        validated.dnsRules().forEach(r -> actions.put(r.name(), r.action().describe()));
        PolicyNode ruleNodes = tree.get("rules");
        List<PolicyNode> rules = ruleNodes == null || ruleNodes.isNull() ? List.of() : ruleNodes.items();
        for (PolicyNode rule : rules) {
            String ruleName = rule.get("name").rawText().strip();
            PolicyNode match = rule.get("match");
            lines.add(ruleName + ": " + (match == null || match.isNull() ? "any flow" : flow(match)) + " -> "
                    + actions.get(ruleName));
        }
        if (rules.isEmpty()) {
            lines.add("no rules: every flow passes");
        }
        return List.copyOf(lines);
    }

    /** A node in compact flow style: {@code sni [@whatsapp], port [443]}. */
    private static String flow(PolicyNode node) {
        switch (node.kind()) {
            case MAP:
                return node.keys().stream().map(k -> k + " " + flow(node.get(k))).collect(Collectors.joining(", "));
            case SEQUENCE:
                return node.items().stream().map(ScenarioPolicy::flow).collect(Collectors.joining(", ", "[", "]"));
            case NULL:
                return "-";
            default:
                return node.rawText();
        }
    }

    @Override
    public String toString() {
        return name + " (" + origin + ")";
    }
}
