package dev.censorsim.control;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format 0.0.4, for tests: every line is a {@code # HELP}, a
 * {@code # TYPE} or a sample; a family's HELP and TYPE come once and before its samples; metric and label names follow
 * the format's grammar; label values are quoted with only {@code \\}, {@code \"} and {@code \n} escapes; values are
 * numbers. Anything else fails with the line number.
 */
final class PrometheusText {

    /** One sample line: metric name, labels in order, value. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern HELP = Pattern.compile("# HELP (" + METRIC_NAME + ") (.*)");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + METRIC_NAME
            + ") (counter|gauge|histogram|summary|untyped)");

    final Map<String, String> types = new LinkedHashMap<>();
    final Map<String, String> helps = new HashMap<>();
    final List<Sample> samples = new ArrayList<>();

    static PrometheusText parse(String text) {
        PrometheusText parsed = new PrometheusText();
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new AssertionError("exposition must end with a newline");
        }
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length - 1; i++) {
            parsed.line(i + 1, lines[i]);
        }
        return parsed;
    }

    private void line(int number, String line) {
        if (line.startsWith("#")) {
            Matcher help = HELP.matcher(line);
            Matcher type = TYPE.matcher(line);
            if (help.matches()) {
                if (helps.put(help.group(1), help.group(2)) != null) {
                    throw fail(number, "second HELP for " + help.group(1));
                }
            } else if (type.matches()) {
                if (types.put(type.group(1), type.group(2)) != null) {
                    throw fail(number, "second TYPE for " + type.group(1));
                }
                if (samples.stream().anyMatch(s -> s.name.equals(type.group(1)))) {
                    throw fail(number, "TYPE after samples of " + type.group(1));
                }
            } else {
                throw fail(number, "comment that is neither HELP nor TYPE: " + line);
            }
            return;
        }
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        if (!METRIC_NAME.matcher(name).matches()) {
            throw fail(number, "bad metric name '" + name + "'");
        }
        if (!types.containsKey(name)) {
            throw fail(number, "sample of " + name + " before its TYPE");
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                if (eq < 0) {
                    throw fail(number, "label without '='");
                }
                String label = line.substring(i, eq);
                if (!LABEL_NAME.matcher(label).matches()) {
                    throw fail(number, "bad label name '" + label + "'");
                }
                if (line.charAt(eq + 1) != '"') {
                    throw fail(number, "label value not quoted");
                }
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                for (; ; j++) {
                    if (j >= line.length()) {
                        throw fail(number, "unterminated label value");
                    }
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char next = line.charAt(++j);
                        if (next == 'n') {
                            value.append('\n');
                        } else if (next == '\\' || next == '"') {
                            value.append(next);
                        } else {
                            throw fail(number, "bad escape \\" + next);
                        }
                    } else if (c == '"') {
                        break;
                    } else {
                        value.append(c);
                    }
                }
                if (labels.put(label, value.toString()) != null) {
                    throw fail(number, "label " + label + " twice");
                }
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                } else if (line.charAt(i) != '}') {
                    throw fail(number, "expected ',' or '}' after a label");
                }
            }
            i++;
        }
        if (i >= line.length() || line.charAt(i) != ' ') {
            throw fail(number, "expected one space before the value");
        }
        String[] rest = line.substring(i + 1).split(" ");
        if (rest.length > 2) {
            throw fail(number, "trailing text after value and timestamp");
        }
        double value;
        try {
            value = switch (rest[0]) {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                case "NaN" -> Double.NaN;
                default -> Double.parseDouble(rest[0]);
            };
        } catch (NumberFormatException e) {
            throw fail(number, "value '" + rest[0] + "' is not a number");
        }
        samples.add(new Sample(name, labels, value));
    }

    List<Sample> samples(String name) {
        return samples.stream().filter(s -> s.name.equals(name)).toList();
    }

    private static AssertionError fail(int line, String why) {
        return new AssertionError("metrics line " + line + ": " + why);
    }
}
