package dev.censorsim.scenario;

import dev.censorsim.messenger.ChatProtocol;
import dev.censorsim.policy.PolicyException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every scenario shipped under {@code scenarios/} must load: they are the product's examples and CI's defaults. */
class ShippedScenariosTest {

    static List<Path> shippedScenarios() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("..", "scenarios"))) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    @Test
    void everyShippedScenarioShouldLoad() throws Exception {
        List<Path> files = shippedScenarios();

        assertThat(files).extracting(p -> p.getFileName().toString()).contains("whatsapp-2025-26.yaml",
                "whatsapp-2025-throttle.yaml", "whatsapp-2026-block.yaml", "twitter-2021-throttle.yaml",
                "freeze-16kb.yaml", "tspu-2021-throttler-and-blocker.yaml", "tspu-2022-blocker.yaml",
                "ech-2024-block.yaml", "telegram-2025-throttle.yaml", "whatsapp-2026-protocol-block.yaml");
        for (Path file : files) {
            Scenario s = Scenario.load(file);
            assertThat(s.name()).as(file.toString())
                    .isEqualTo(file.getFileName().toString().replace(".yaml", ""));
            assertThat(s.expectationCount()).as("%s states expectations", file).isPositive();
            for (ScenarioPolicy policy : s.policies().values()) {
                assertThat(policy.describe()).as("%s policy %s", file, policy.name()).isNotEmpty();
            }
        }
    }

    @Test
    void defaultScenarioShouldRunBaselineCallsBlockedThrottledBlockedWithAControl() throws Exception {
        Scenario s = Scenario.load(Path.of("..", "scenarios", "whatsapp-2025-26.yaml"));

        assertThat(s.phases()).extracting(Phase::name)
                .containsExactly("baseline", "calls-blocked", "throttled", "blocked");
        assertThat(s.messenger().calls()).isNotNull();
        assertThat(s.policy("throttled").describe()).as("the August call block stayed in December")
                .anySatisfy(line -> assertThat(line).startsWith("whatsapp-calls: domain [@whatsapp]"));
        assertThat(s.messenger().controlName()).isEqualTo("cdn.allowed.test");
        assertThat(s.policy("throttled").describe()).anySatisfy(line -> assertThat(line)
                .isEqualTo("whatsapp-slow: sni [@whatsapp] -> throttle 12.5 mbit/s down per flow"));
        assertThat(s.policy("blocked").describe()).anySatisfy(line -> assertThat(line)
                .isEqualTo("whatsapp-reset: sni [@whatsapp] -> reset"));
    }

    @Test
    void protocolBlockScenarioShouldSpeakWhatsAppsFramingOnChatOnly() throws Exception {
        Scenario s = Scenario.load(Path.of("..", "scenarios", "whatsapp-2026-protocol-block.yaml"));

        assertThat(s.messenger().chatProtocol()).isEqualTo(ChatProtocol.WA_NOISE);
        assertThat(Scenario.load(Path.of("..", "scenarios", "whatsapp-2026-block.yaml")).messenger().chatProtocol())
                .as("the default").isEqualTo(ChatProtocol.TLS);
        assertThat(s.policy("protocol-reset").describe()).anySatisfy(line -> assertThat(line)
                .startsWith("whatsapp-chat-protocol: protocol [whatsapp]"));
    }

    @Test
    void brokenScenarioShouldPointAtTheOffendingLine() {
        Path broken = Path.of("src", "test", "resources", "scenarios", "broken-expectation.yaml");

        assertThatThrownBy(() -> Scenario.load(broken)).isInstanceOfSatisfying(PolicyException.class, e -> {
            assertThat(e.file()).isEqualTo(broken.toString());
            assertThat(e.line()).as(e.getMessage()).isEqualTo(24);
            assertThat(e.column()).isEqualTo(9);
            assertThat(e.detail()).startsWith("unknown metric 'media.througput'; did you mean 'media.throughput'?");
        });
    }
}
