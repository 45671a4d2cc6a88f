package dev.censorsim.report;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.censorsim.metrics.Metric;
import dev.censorsim.metrics.TimeSample;
import dev.censorsim.messenger.CallWorkload;
import dev.censorsim.messenger.ChatWorkload;
import dev.censorsim.report.ExpectationResult;
import dev.censorsim.messenger.MediaWorkload;
import dev.censorsim.messenger.MessengerSettings;
import dev.censorsim.messenger.RetryStrategy;
import dev.censorsim.messenger.Strategies;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes {@code report.json}. The layout is product API, so it is written field by field rather than by reflection:
 * snake_case keys, durations in seconds, metrics keyed by their {@link dev.censorsim.metrics.Metric} names in the
 * metric's unit, and {@code null} where a value was not measured (JSON has no NaN).
 */
public final class JsonReportWriter {

    private static final JsonFactory FACTORY = JsonFactory.builder().build();

    /**
     * The layout's version: 2 added {@code schema_version}, {@code tool} and {@code units}. Raised whenever a field
     * changes meaning or goes away; adding a field does not raise it.
     */
    public static final int SCHEMA_VERSION = 2;

    private JsonReportWriter() {
    }

    /** Writes the report to {@code file}, replacing it whole ({@link ReportFiles#replace}). */
    public static void write(ScenarioReport report, Path file) throws IOException {
        ReportFiles.replace(file, out -> write(report, out));
    }

    /** Writes the report as pretty-printed UTF-8 JSON; does not close {@code out}. */
    public static void write(ScenarioReport report, OutputStream out) throws IOException {
        try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.useDefaultPrettyPrinter();
            RunInfo run = report.run();
            g.writeStartObject();
            g.writeNumberField("schema_version", SCHEMA_VERSION);
            g.writeObjectFieldStart("tool");
            g.writeStringField("name", "censorsim");
            g.writeStringField("version", ToolVersion.current());
            g.writeEndObject();
            g.writeStringField("scenario", run.scenario());
            g.writeStringField("description", run.description());
            g.writeStringField("file", run.file());
            g.writeNumberField("time_scale", run.timeScale());
            g.writeStringField("started_at", run.startedAt().toString());
            g.writeBooleanField("passed", report.passed());
            if (report.interrupted()) {
                g.writeStringField("interrupted", report.interruption());
            }
            g.writeObjectFieldStart("expectations");
            g.writeNumberField("total", report.expectedCount());
            g.writeNumberField("passed", report.passedCount());
            g.writeNumberField("failed", report.failedCount());
            g.writeEndObject();
            g.writeFieldName("messenger");
            if (run.messenger() == null) {
                g.writeNull(); // a live censor run: real apps were the clients
            } else {
                messenger(g, run.messenger());
            }
            g.writeArrayFieldStart("phases");
            for (int i = 0; i < run.phases().size(); i++) {
                phase(g, run.phases().get(i), i < report.phases().size() ? report.phases().get(i) : null);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("samples");
            for (TimeSample sample : report.samples()) {
                g.writeStartObject();
                g.writeNumberField("seconds", sample.seconds());
                g.writeFieldName("values");
                numbers(g, sample.values());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeFieldName("units");
            units(g, report);
            g.writeArrayFieldStart("warnings");
            for (String warning : report.warnings()) {
                g.writeString(warning);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    /**
     * The unit of every metric the report holds, by name: {@code bit/s}, {@code ms}, {@code s}, {@code count},
     * {@code ratio} (0 to 1) or {@code score}.
     */
    private static void units(JsonGenerator g, ScenarioReport report) throws IOException {
        Map<String, String> units = new TreeMap<>();
        for (PhaseReport p : report.phases()) {
            for (String name : p.metrics().keySet()) {
                Metric.named(name).ifPresent(m -> units.put(name, unitName(m.unit())));
            }
        }
        for (TimeSample s : report.samples()) {
            for (String name : s.values().keySet()) {
                Metric.named(name).ifPresent(m -> units.put(name, unitName(m.unit())));
            }
        }
        g.writeStartObject();
        for (Map.Entry<String, String> e : units.entrySet()) {
            g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
    }

    static String unitName(Metric.Unit unit) {
        return unit.symbol().isEmpty() ? unit.name().toLowerCase(java.util.Locale.ROOT) : unit.symbol();
    }

    private static void messenger(JsonGenerator g, MessengerSettings m) throws IOException {
        g.writeStartObject();
        g.writeStringField("chat_name", m.chatName());
        g.writeStringField("media_name", m.mediaName());
        g.writeArrayFieldStart("alternatives");
        for (String a : m.alternatives()) {
            g.writeString(a);
        }
        g.writeEndArray();
        g.writeStringField("control_name", m.controlName());
        g.writeStringField("front", m.front().wireName());
        ChatWorkload chat = m.chat();
        if (chat != null) {
            g.writeObjectFieldStart("chat");
            g.writeNumberField("messages_per_second", chat.messagesPerSecond());
            g.writeNumberField("message_bytes", chat.messageBytes());
            g.writeNumberField("timeout_seconds", chat.timeoutNanos() / 1e9);
            g.writeEndObject();
        } else {
            g.writeNullField("chat");
        }
        MediaWorkload media = m.media();
        if (media != null) {
            g.writeObjectFieldStart("media");
            g.writeNumberField("transfer_bytes", media.transferBytes());
            g.writeStringField("direction", media.direction().wireName());
            g.writeNumberField("concurrency", media.concurrency());
            g.writeEndObject();
        } else {
            g.writeNullField("media");
        }
        CallWorkload calls = m.calls();
        if (calls != null) {
            g.writeObjectFieldStart("calls");
            g.writeNumberField("duration_seconds", calls.durationNanos() / 1e9);
            g.writeNumberField("gap_seconds", calls.gapNanos() / 1e9);
            g.writeNumberField("setup_timeout_seconds", calls.setupTimeoutNanos() / 1e9);
            g.writeNumberField("drop_silence_seconds", calls.dropSilenceNanos() / 1e9);
            g.writeEndObject();
        } else {
            g.writeNullField("calls");
        }
        g.writeNumberField("churn_seconds", m.churnNanos() / 1e9);
        g.writeNumberField("connect_timeout_seconds", m.connectTimeoutNanos() / 1e9);
        Strategies s = m.strategies();
        g.writeObjectFieldStart("strategies");
        RetryStrategy retry = s.retry();
        if (retry != null) {
            g.writeObjectFieldStart("retry");
            g.writeNumberField("attempts", retry.attempts());
            g.writeNumberField("base_seconds", retry.baseNanos() / 1e9);
            g.writeNumberField("max_seconds", retry.maxNanos() / 1e9);
            g.writeNumberField("jitter", retry.jitter());
            g.writeEndObject();
        } else {
            g.writeNullField("retry");
        }
        g.writeBooleanField("alternatives", s.alternatives());
        g.writeNumberField("split_client_hello", s.splitClientHello());
        g.writeBooleanField("no_sni", s.noSni());
        g.writeArrayFieldStart("dns_fallback");
        for (java.net.InetAddress address : s.dnsFallback()) {
            g.writeString(address.getHostAddress());
        }
        g.writeEndArray();
        g.writeStringField("doh", s.doh());
        g.writeStringField("call_fallback", s.callFallback() ? "tcp" : "none");
        if (s.quic() != null) {
            g.writeObjectFieldStart("quic");
            g.writeNumberField("timeout_seconds", s.quic().timeoutNanos() / 1e9);
            g.writeNumberField("broken_for_seconds", s.quic().brokenForNanos() / 1e9);
            g.writeEndObject();
        } else {
            g.writeNullField("quic");
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void phase(JsonGenerator g, PlannedPhase planned, PhaseReport seen) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", planned.name());
        g.writeStringField("description", planned.description());
        g.writeStringField("policy", planned.policy());
        g.writeStringField("policy_origin", planned.policyOrigin());
        g.writeArrayFieldStart("policy_rules");
        for (String rule : planned.rules()) {
            g.writeString(rule);
        }
        g.writeEndArray();
        g.writeNumberField("nominal_seconds", planned.nominalNanos() / 1e9);
        g.writeNumberField("scaled_seconds", planned.scaledNanos() / 1e9);
        g.writeBooleanField("ran", seen != null);
        if (seen != null) {
            g.writeNumberField("start_seconds", seen.startSeconds());
            g.writeNumberField("real_seconds", seen.realNanos() / 1e9);
            g.writeFieldName("metrics");
            numbers(g, seen.metrics());
            g.writeArrayFieldStart("expectations");
            for (ExpectationResult r : seen.expectations()) {
                g.writeStartObject();
                g.writeStringField("expression", r.expression());
                g.writeStringField("metric", r.metric());
                number(g, "measured", r.measured());
                number(g, "threshold", r.threshold());
                g.writeBooleanField("passed", r.passed());
                g.writeStringField("message", r.message());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("rule_counters");
            for (RuleCount rule : seen.rules()) {
                g.writeStartObject();
                g.writeStringField("rule", rule.rule());
                g.writeStringField("action", rule.action());
                g.writeNumberField("flows", rule.flows());
                g.writeNumberField("bytes_up", rule.bytesUp());
                g.writeNumberField("bytes_down", rule.bytesDown());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    /** Keys sorted, so two reports diff cleanly. */
    private static void numbers(JsonGenerator g, Map<String, Double> values) throws IOException {
        g.writeStartObject();
        for (Map.Entry<String, Double> e : new TreeMap<>(values).entrySet()) {
            number(g, e.getKey(), e.getValue() == null ? Double.NaN : e.getValue());
        }
        g.writeEndObject();
    }

    private static void number(JsonGenerator g, String field, double value) throws IOException {
        if (Double.isFinite(value)) {
            g.writeNumberField(field, value);
        } else {
            g.writeNullField(field);
        }
    }
}
