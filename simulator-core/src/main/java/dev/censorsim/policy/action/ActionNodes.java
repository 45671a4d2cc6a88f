package dev.censorsim.policy.action;

import dev.censorsim.policy.PolicyException;
import dev.censorsim.policy.PolicyNode;
import dev.censorsim.units.Direction;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * The value forms action parsers share (probabilities, integers, seeds, units, directions), each failing with a
 * {@link PolicyException} located at its node, so every action type reads its keys alike.
 */
final class ActionNodes {

    private ActionNodes() {
    }

    /** The optional {@code residual} block of a reset or blackhole. */
    static ResidualBlock residual(PolicyNode action) throws PolicyException {
        PolicyNode node = action.get("residual");
        return node == null ? null : ResidualBlock.parse(node);
    }

    /** A probability as a percentage ({@code 20%}) or a fraction ({@code 0.2}), within [0, 1]. */
    static double fraction(PolicyNode node, String what) throws PolicyException {
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
    static long positiveInteger(PolicyNode node, String what) throws PolicyException {
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
    static long seed(PolicyNode seedNode) throws PolicyException {
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
    static long cutRate(PolicyNode cutNode, long linkRate) throws PolicyException {
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
    static Direction direction(PolicyNode node) throws PolicyException {
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
    static long unit(PolicyNode node, String what, ToLongFunction<String> parser) throws PolicyException {
        String text = node.text(what);
        try {
            return parser.applyAsLong(text);
        } catch (IllegalArgumentException e) {
            throw node.error(e.getMessage());
        }
    }
    /** {@code type}, the type's own keys, then the wrapper's. */
    static List<String> keys(String... own) {
        List<String> keys = new java.util.ArrayList<>(own.length + 3);
        keys.add("type");
        keys.addAll(List.of(own));
        keys.addAll(ToxicAction.KEYS);
        return keys;
    }
}
