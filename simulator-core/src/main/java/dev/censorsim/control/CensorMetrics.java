package dev.censorsim.control;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The censor's counters since start, rendered in the Prometheus text exposition format 0.0.4: {@code # HELP} and
 * {@code # TYPE} per family, {@code censorsim_} prefix, label values escaped, families and series in a stable order.
 *
 * <p>Counters are fed from flow-end records and DNS query events (from many event loops at once: {@link LongAdder}s
 * in a concurrent map, one entry per label set, so the hot paths only add); gauges are read when scraped. A policy
 * swap replaces the compiled rules and their counters, so per-rule figures here are counted apart from them and never
 * go backwards, as Prometheus counters must not.
 */
public final class CensorMetrics {

    /** One metric family: name, type and help text, and its series by rendered label set. */
    private record Family(String name, String type, String help) {
    }

    private final Map<String, Family> families = new ConcurrentHashMap<>();
    private final Map<String, Map<String, LongAdder>> counters = new ConcurrentHashMap<>();
    private final Map<String, Map<String, LongSupplier>> gauges = new ConcurrentHashMap<>();
    /** The label pairs of each rendered label set, for {@link #sum} and {@link #byLabel}. */
    private final Map<String, String[]> labelPairs = new ConcurrentHashMap<>();

    /** Adds {@code delta} to the counter {@code name} with labels given as name/value pairs. */
    public void add(String name, String help, long delta, String... labels) {
        families.computeIfAbsent(name, n -> new Family(n, "counter", help));
        counters.computeIfAbsent(name, n -> new ConcurrentHashMap<>())
                .computeIfAbsent(labelSet(labels), k -> {
                    labelPairs.put(k, labels.clone());
                    return new LongAdder();
                })
                .add(delta);
    }

    /** Makes sure the counter exists at 0, so a scrape shows it before the first event. */
    public void declare(String name, String help, String... labels) {
        add(name, help, 0, labels);
    }

    /** Registers a gauge read at each scrape. */
    public void gauge(String name, String help, LongSupplier value, String... labels) {
        families.computeIfAbsent(name, n -> new Family(n, "gauge", help));
        gauges.computeIfAbsent(name, n -> new ConcurrentHashMap<>()).put(labelSet(labels), value);
    }

    /** The current value of a counter series, 0 when it was never touched (for tests and reports). */
    public long value(String name, String... labels) {
        Map<String, LongAdder> series = counters.get(name);
        LongAdder adder = series == null ? null : series.get(labelSet(labels));
        return adder == null ? 0 : adder.sum();
    }

    /** The sum of counter {@code name} over every series whose labels include the given name/value pairs. */
    public long sum(String name, String... filter) {
        long total = 0;
        for (Map.Entry<String, LongAdder> series : counters.getOrDefault(name, Map.of()).entrySet()) {
            if (matches(labelPairs.get(series.getKey()), filter)) {
                total += series.getValue().sum();
            }
        }
        return total;
    }

    /** Counter {@code name} summed by the value of {@code label} (series without it are left out). */
    public Map<String, Long> byLabel(String name, String label) {
        Map<String, Long> out = new TreeMap<>();
        for (Map.Entry<String, LongAdder> series : counters.getOrDefault(name, Map.of()).entrySet()) {
            String[] pairs = labelPairs.get(series.getKey());
            for (int i = 0; pairs != null && i < pairs.length; i += 2) {
                if (pairs[i].equals(label)) {
                    out.merge(pairs[i + 1], series.getValue().sum(), Long::sum);
                }
            }
        }
        return out;
    }

    private static boolean matches(String[] pairs, String[] filter) {
        outer:
        for (int f = 0; f < filter.length; f += 2) {
            for (int i = 0; pairs != null && i < pairs.length; i += 2) {
                if (pairs[i].equals(filter[f]) && java.util.Objects.equals(pairs[i + 1], filter[f + 1])) {
                    continue outer;
                }
            }
            return false;
        }
        return true;
    }

    /** The exposition text, {@code text/plain; version=0.0.4}. */
    public String render() {
        StringBuilder out = new StringBuilder(4096);
        for (Family family : new TreeMap<>(families).values()) {
            out.append("# HELP ").append(family.name).append(' ').append(escapeHelp(family.help)).append('\n');
            out.append("# TYPE ").append(family.name).append(' ').append(family.type).append('\n');
            if (family.type.equals("counter")) {
                new TreeMap<>(counters.getOrDefault(family.name, Map.of())).forEach((labels, adder) ->
                        line(out, family.name, labels, adder.sum()));
            } else {
                new TreeMap<>(gauges.getOrDefault(family.name, Map.of())).forEach((labels, supplier) ->
                        line(out, family.name, labels, supplier.getAsLong()));
            }
        }
        return out.toString();
    }

    private static void line(StringBuilder out, String name, String labels, long value) {
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{').append(labels).append('}');
        }
        out.append(' ').append(value).append('\n');
    }

    /** {@code a="1",b="2"} in the order given; values escaped as the format says (backslash, quote, newline). */
    static String labelSet(String... labels) {
        if (labels.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in name/value pairs");
        }
        List<String> parts = new ArrayList<>(labels.length / 2);
        for (int i = 0; i < labels.length; i += 2) {
            String value = labels[i + 1] == null ? "" : labels[i + 1];
            parts.add(labels[i] + "=\"" + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")
                    + '"');
        }
        return String.join(",", parts);
    }

    private static String escapeHelp(String help) {
        return help.replace("\\", "\\\\").replace("\n", "\\n");
    }
}
