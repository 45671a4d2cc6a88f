package dev.censorsim.control.toxiproxy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.censorsim.units.Direction;
import dev.censorsim.policy.TcpAction;
import dev.censorsim.policy.action.ToxicAction;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One toxic as Toxiproxy's API shows it ({@code ToxicWrapper}): name, type, stream, toxicity and the type's integer
 * attributes. Immutable; an update makes a new one.
 *
 * @param stream     {@code UP} for Toxiproxy's {@code upstream} (client to server), {@code DOWN} for
 *                   {@code downstream}
 * @param toxicity   as sent (Toxiproxy keeps a float32 and compares a uniform draw against it, so values above 1 act
 *                   as 1 and below 0 as 0)
 * @param attributes one value per {@link ToxicType#attributes()} name, in that order
 */
record Toxic(String name, ToxicType type, Direction stream, float toxicity, Map<String, Long> attributes) {

    Toxic {
        attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    }

    /** A new toxic of {@code type} with every attribute 0, Toxiproxy's zero value. */
    static Toxic create(String name, ToxicType type, Direction stream, float toxicity) {
        Map<String, Long> zero = new LinkedHashMap<>();
        for (String attribute : type.attributes()) {
            zero.put(attribute, 0L);
        }
        return new Toxic(name, type, stream, toxicity, zero);
    }

    Toxic withAttributes(Map<String, Long> changed, float newToxicity) {
        Map<String, Long> merged = new LinkedHashMap<>(attributes);
        merged.putAll(changed);
        return new Toxic(name, type, stream, newToxicity, merged);
    }

    /** Toxiproxy's stream name. */
    String streamName() {
        return stream == Direction.UP ? "upstream" : "downstream";
    }

    /**
     * The censorsim action: the type's action in the toxic's direction, with its toxicity, or null when it has no
     * effect (a zero rate, a toxicity of 0 or less). The seed is the name's, so the same toxics compile to an equal
     * action, and a swap that changed none of them (a proxy update, a no-op PATCH) leaves live connections alone.
     */
    TcpAction action() {
        TcpAction action = type.action(attributes, name.hashCode());
        if (action == null || !(toxicity > 0)) {
            return null;
        }
        return new ToxicAction(action, stream, Math.min(1.0, toxicity));
    }

    /** Toxiproxy's JSON: {@code {"attributes": {...}, "name", "type", "stream", "toxicity"}}. */
    ObjectNode toJson(JsonNodeFactory json) {
        ObjectNode node = json.objectNode();
        ObjectNode attrs = node.putObject("attributes");
        attributes.forEach(attrs::put);
        node.put("name", name);
        node.put("type", type.wireName());
        node.put("stream", streamName());
        // Float.toString gives the float32's shortest decimal (0.5, not 0.5000000001), as Go prints it.
        node.put("toxicity", new BigDecimal(Float.toString(toxicity)).stripTrailingZeros());
        return node;
    }
}
