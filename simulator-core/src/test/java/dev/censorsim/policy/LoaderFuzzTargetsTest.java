package dev.censorsim.policy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.censorsim.scenario.Scenario;

import java.nio.charset.StandardCharsets;

/**
 * Fuzz targets for the YAML loaders: any text is a compiled policy or scenario, or a {@link PolicyException} with a
 * position; anything else thrown (a parser's own exception, a stack overflow) is a finding. Seeds:
 * {@code LoaderFuzzTargetsTestInputs/<method>/}.
 */
class LoaderFuzzTargetsTest {

    @FuzzTest(maxDuration = "15m", maxExecutions = 10_000_000)
    void policy(byte[] input) {
        try {
            PolicyLoader.parse(new String(input, StandardCharsets.UTF_8), "fuzz.yaml");
        } catch (PolicyException e) {
            // the contract for bad input
        }
    }

    @FuzzTest(maxDuration = "15m", maxExecutions = 10_000_000)
    void scenario(byte[] input) {
        try {
            Scenario.parse(new String(input, StandardCharsets.UTF_8), "fuzz.yaml", null);
        } catch (PolicyException e) {
            // the contract for bad input
        }
    }
}
