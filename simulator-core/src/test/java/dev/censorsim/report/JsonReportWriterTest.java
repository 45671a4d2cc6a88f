package dev.censorsim.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class JsonReportWriterTest {

    private static JsonNode json(ScenarioReport report) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        JsonReportWriter.write(report, out);
        return new ObjectMapper().readTree(out.toByteArray());
    }

    @Test
    void reportShouldNameItsSchemaItsToolAndTheUnitOfEveryMetric() throws Exception {
        JsonNode root = json(SampleReports.failing());

        assertThat(root.get("schema_version").asInt()).isEqualTo(JsonReportWriter.SCHEMA_VERSION);
        assertThat(root.at("/tool/name").asText()).isEqualTo("censorsim");
        assertThat(root.at("/tool/version").asText()).isNotBlank();
        assertThat(root.at("/units/media.throughput").asText()).isEqualTo("bit/s");
        assertThat(root.at("/units/chat.latency.p99").asText()).isEqualTo("ms");
        assertThat(root.at("/units/chat.delivered_ratio").asText()).isEqualTo("ratio");
        assertThat(root.at("/units/connect.ok").asText()).isEqualTo("count");
        for (JsonNode phase : root.get("phases")) {
            phase.path("metrics").fieldNames().forEachRemaining(name ->
                    assertThat(root.get("units").has(name)).as("unit of " + name).isTrue());
        }
    }

    @Test
    void reportShouldSayWhatWasRunThenWhatWasSeen() throws Exception {
        JsonNode root = json(SampleReports.failing());

        assertThat(root.get("scenario").asText()).isEqualTo("whatsapp-2025-26");
        assertThat(root.get("file").asText()).endsWith("whatsapp-2025-26.yaml");
        assertThat(root.get("time_scale").asDouble()).isEqualTo(1.0);
        assertThat(root.get("started_at").asText()).isEqualTo("2026-02-11T09:30:00.123Z");
        assertThat(root.get("passed").asBoolean()).isFalse();
        assertThat(root.at("/expectations/total").asInt()).isEqualTo(11);
        assertThat(root.at("/expectations/failed").asInt()).isEqualTo(1);
        assertThat(root.at("/messenger/chat_name").asText()).isEqualTo("g.whatsapp.net");
        assertThat(root.at("/messenger/control_name").asText()).isEqualTo("cdn.allowed.test");
        assertThat(root.at("/messenger/media/transfer_bytes").asLong()).isEqualTo(2_000_000);
        assertThat(root.at("/messenger/strategies/retry").isNull()).isTrue();

        JsonNode throttled = root.get("phases").get(1);
        assertThat(throttled.get("name").asText()).isEqualTo("throttled");
        assertThat(throttled.get("policy").asText()).isEqualTo("throttled");
        assertThat(throttled.get("policy_rules").get(throttled.get("policy_rules").size() - 1).asText())
                .isEqualTo("whatsapp-slow: sni [@whatsapp] -> throttle 12.5 mbit/s down per flow");
        assertThat(throttled.get("nominal_seconds").asDouble()).isEqualTo(20.0);
        assertThat(throttled.get("real_seconds").asDouble()).isEqualTo(20.003);
        assertThat(throttled.get("start_seconds").asDouble()).isEqualTo(10.003);
        assertThat(throttled.at("/metrics/media.throughput").asDouble()).isEqualTo(15e6);
        JsonNode failed = throttled.get("expectations").get(0);
        assertThat(failed.get("expression").asText()).isEqualTo("media.throughput <= 0.30 * baseline.media.throughput");
        assertThat(failed.get("passed").asBoolean()).isFalse();
        assertThat(failed.get("measured").asDouble()).isEqualTo(15e6);
        assertThat(failed.get("threshold").asDouble()).isCloseTo(11.97e6, org.assertj.core.api.Assertions.within(1.0));
        assertThat(throttled.get("rule_counters").get(0).get("bytes_down").asLong()).isEqualTo(2_000_000);
        assertThat(root.get("samples").size()).isEqualTo(40);
        assertThat(root.get("warnings").get(0).asText()).isEqualTo("time scale 1: the full timeline ran");
    }

    @Test
    void unmeasuredValuesShouldBeNullNotNaN() throws Exception {
        ScenarioReport full = SampleReports.passing();
        PhaseReport blocked = full.phases().get(2);
        PhaseReport withoutReset = new PhaseReport(blocked.name(), blocked.policy(), blocked.nominalNanos(),
                blocked.realNanos(), blocked.startSeconds(), java.util.Map.of(),
                full.run().phases().size() > 0 ? SampleReports.whatsappScenario().phases().get(2)
                        .check(java.util.Map.of(), java.util.Map.of()) : List.of(), List.of());
        ScenarioReport report = new ScenarioReport(full.run(), List.of(full.phases().get(0), full.phases().get(1),
                withoutReset), full.samples(), List.of());

        JsonNode expectation = json(report).get("phases").get(2).get("expectations").get(0);

        assertThat(expectation.get("measured").isNull()).isTrue();
        assertThat(expectation.get("message").asText()).startsWith("connect.reset_ratio not measured");
    }

    @Test
    void phasesThatDidNotRunShouldBeListedAsNotRun() throws Exception {
        ScenarioReport full = SampleReports.passing();
        ScenarioReport stopped = new ScenarioReport(full.run(), full.phases().subList(0, 2), full.samples(),
                List.of());

        JsonNode phases = json(stopped).get("phases");

        assertThat(phases.size()).isEqualTo(3);
        assertThat(phases.get(2).get("ran").asBoolean()).isFalse();
        assertThat(phases.get(2).has("metrics")).isFalse();
    }
}
