package dev.censorsim.evasion;

import java.util.List;

/** Renders a matrix as a plain-text table, JSON lines, or a self-contained HTML table. */
public final class EvasionReport {

    private EvasionReport() {
    }

    /** One aligned line per evasion: name, outcome, detail. */
    public static String text(List<EvasionResult> results) {
        int width = "evasion".length();
        for (EvasionResult r : results) {
            width = Math.max(width, r.evasion().wireName().length());
        }
        StringBuilder b = new StringBuilder();
        b.append(String.format("%-" + width + "s  %-9s  %s%n", "evasion", "outcome", "detail"));
        for (EvasionResult r : results) {
            b.append(String.format("%-" + width + "s  %-9s  %s%n", r.evasion().wireName(), r.outcome().wireName(),
                    r.detail()));
        }
        return b.toString();
    }

    /** One JSON object per line, in run order. */
    public static String jsonLines(List<EvasionResult> results) {
        StringBuilder b = new StringBuilder();
        for (EvasionResult r : results) {
            b.append(r.toJson()).append('\n');
        }
        return b.toString();
    }

    /** A standalone HTML page: what was run (policy, name), then the table, outcomes coloured. */
    public static String html(String policy, String name, List<EvasionResult> results) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>censorsim evasions: ")
                .append(escape(name)).append("</title>\n<style>body{font-family:sans-serif;margin:2em}")
                .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:left}")
                .append(".blocked{background:#f8d0d0}.throttled{background:#f8ecc0}.passed{background:#d4f0d4}")
                .append("</style></head><body>\n<h1>Evasion matrix</h1>\n<p>Policy <code>").append(escape(policy))
                .append("</code>, server name <code>").append(escape(name)).append("</code>.</p>\n")
                .append("<table><thead><tr><th>evasion</th><th>outcome</th><th>detail</th></tr></thead><tbody>\n");
        for (EvasionResult r : results) {
            String outcome = r.outcome().wireName();
            b.append("<tr><td>").append(escape(r.evasion().wireName())).append("</td><td class=\"").append(outcome)
                    .append("\">").append(outcome).append("</td><td>").append(escape(r.detail()))
                    .append("</td></tr>\n");
        }
        return b.append("</tbody></table>\n</body></html>\n").toString();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
