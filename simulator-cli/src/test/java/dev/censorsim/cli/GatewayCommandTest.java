package dev.censorsim.cli;

import dev.censorsim.testing.Interceptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code censorsim gateway}'s errors, one line each. The interception itself is {@code GatewayTest}'s (core), on a
 * veth pair into a namespace standing in for a VM.
 */
class GatewayCommandTest {

    @Test
    void missingInterfaceShouldBeARuntimeFailureNamingIt() throws Exception {
        Interceptions.requireRootTools();
        CliRun run = CliRun.of("gateway", "--interface", "nosuch0");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.RUNTIME_FAILURE);
        assertThat(run.err()).startsWith("censorsim: cannot set up interception: no interface nosuch0");
    }

    @Test
    void malformedInterfaceNameShouldBeBadInput() {
        CliRun run = CliRun.of("gateway", "--interface", "eth0; rm -rf /");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err().strip()).startsWith("censorsim: --interface eth0; rm -rf /: expected an interface name");
    }

    @Test
    void interfaceShouldBeRequired() {
        CliRun run = CliRun.of("gateway");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).contains("--interface");
    }
}
