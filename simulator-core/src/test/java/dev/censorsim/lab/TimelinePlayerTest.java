package dev.censorsim.lab;

import com.fasterxml.jackson.databind.JsonNode;
import dev.censorsim.control.Json;
import dev.censorsim.dns.Zone;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.report.PhaseReport;
import dev.censorsim.report.ReportFiles;
import dev.censorsim.report.ScenarioReport;
import dev.censorsim.scenario.Scenario;
import dev.censorsim.scenario.Timeline;
import dev.censorsim.testing.LoopbackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A scenario file's timeline played against a live lab, without the messenger, and its censor-side report. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TimelinePlayerTest {

    private static final String TIMELINE = """
            scenario: live-block
            policies:
              open: { rules: [] }
              block:
                rules:
                  - name: example-reset
                    match: { target: [example.test] }
                    action: { type: reset }
            timeline:
              - phase: before
                duration: 4s
                policy: open
              - phase: blocked
                duration: 2s
                policy: block
            """;

    @Test
    void phasesShouldSwitchOnScheduleAndReportWhatTheCensorDid(@TempDir Path dir) throws Exception {
        Timeline timeline = Timeline.parse(TIMELINE, "live.yaml", dir);
        BlockingQueue<String> log = new LinkedBlockingQueue<>();
        try (LoopbackServer echo = LoopbackServer.start(LoopbackServer.echo());
             Lab lab = Lab.start(new LabOptions().httpProxy(LabOptions.loopback(0))
                     .zone(Zone.builder("example.test").a("example.test", "127.0.0.1").build()))) {
            assertThat(exchange(lab, echo)).as("warm-up before the timeline").isTrue();
            CompletableFuture<ScenarioReport> played = CompletableFuture.supplyAsync(
                    () -> new TimelinePlayer(lab, timeline, log::add).play());

            assertThat(log.poll(10, TimeUnit.SECONDS)).startsWith("phase 1/2 before: policy open");
            assertThat(exchange(lab, echo)).as("open phase relays").isTrue();
            assertThat(log.poll(10, TimeUnit.SECONDS)).startsWith("phase 2/2 blocked: policy block (1 rules");
            assertThat(lab.currentPhase()).isEqualTo("blocked");
            assertThat(exchange(lab, echo)).as("blocked phase resets").isFalse();

            ScenarioReport report = played.get(20, TimeUnit.SECONDS);
            assertThat(report.phases()).extracting(PhaseReport::name).containsExactly("before", "blocked");
            assertThat(report.phases().get(1).rules()).anySatisfy(rule -> {
                assertThat(rule.rule()).isEqualTo("example-reset");
                assertThat(rule.flows()).isEqualTo(1);
            });
            assertThat(report.phases().get(0).metric("censor.flows_ended")).as("the open exchange, maybe the warm-up").isBetween(1.0, 2.0);
            assertThat(report.phases().get(0).realNanos()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(3_900));

            List<Path> files = ReportFiles.writeAll(report, dir.resolve("report"));
            Path own = dir.resolve("report").resolve(report.run().scenario());
            assertThat(files).as("under the scenario's own folder")
                    .containsExactly(own.resolve(ReportFiles.JSON), own.resolve(ReportFiles.JUNIT),
                            own.resolve(ReportFiles.HTML));
            JsonNode json = Json.MAPPER.readTree(own.resolve(ReportFiles.JSON).toFile());
            assertThat(json.get("messenger").isNull()).isTrue();
            assertThat(Files.readString(own.resolve(ReportFiles.HTML))).contains("example-reset",
                    "censor.flows_ended", "a live censor run");
        }
    }

    @Test
    void expectationsWithoutAMessengerShouldFailWithLineAndColumn() {
        String withExpect = TIMELINE.replace("    policy: block\n", "    policy: block\n    expect:\n"
                + "      - chat.delivered_ratio >= 0.9\n");

        assertThatThrownBy(() -> Timeline.parse(withExpect, "live.yaml", null))
                .isInstanceOf(PolicyException.class)
                .hasMessageMatching("live\\.yaml:\\d+:\\d+: expectations measure the synthetic messenger.*");
    }

    @Test
    void scenarioWithoutAMessengerShouldStillBeRefusedByTheScenarioParser() {
        assertThatThrownBy(() -> Scenario.parse(TIMELINE, "live.yaml", null))
                .isInstanceOf(PolicyException.class).hasMessageContaining("messenger");
    }

    /** One CONNECT through the lab to the echo server as example.test; whether a byte came back. */
    private static boolean exchange(Lab lab, LoopbackServer echo) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", lab.httpProxyAddress().getPort())) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write(("CONNECT example.test:" + echo.address().getPort() + " HTTP/1.1\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) in.read());
            }
            socket.getOutputStream().write('x');
            return in.read() == 'x';
        } catch (IOException reset) {
            return false;
        }
    }
}
