package dev.censorsim.cli;

import dev.censorsim.testing.Interceptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code censorsim gateway}'s errors, one line each, and a SIGTERM during set-up. The interception itself is
 * {@code GatewayTest}'s (core), on a veth pair into a namespace standing in for a VM.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GatewayCommandTest {

    /**
     * SIGTERM while set-up runs, here while nft loads the table ({@link SlowNft}): the rules and routes already added
     * are removed before the JVM exits, and the table does not appear after it. The shutdown hook used to come only
     * with the wait for the signal, after set-up, so the JVM exited at once and left them all. A fresh JVM's table is
     * {@code censorsim_PID_0}.
     */
    @Test
    void sigtermDuringSetUpShouldRemoveWhatWasMadeSoFar(@TempDir Path dir) throws Exception {
        Interceptions.requireRootTools();
        long pid = ProcessHandle.current().pid();
        String vm = "csgwsig-" + pid;
        String iface = "gws" + pid + "h";
        SlowNft nft = new SlowNft(dir);
        Path log = dir.resolve("gateway.log");
        Process gateway = null;
        long nftPid = -1;
        try {
            Interceptions.run("ip", "netns", "add", vm);
            Interceptions.run("ip", "link", "add", iface, "type", "veth", "peer", "name", "gws" + pid + "n", "netns",
                    vm);
            Interceptions.run("ip", "addr", "add", "198.51.100.1/24", "dev", iface);
            Interceptions.run("ip", "link", "set", iface, "up");
            ProcessBuilder builder = new ProcessBuilder(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                    "gateway", "--interface", iface))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().put("PATH", nft.path());
            gateway = builder.start();
            nftPid = nft.awaitLoading(gateway, log);
            String table = Long.toString(0x4000_0000L | gateway.pid() << 8);
            assertThat(Interceptions.run("ip", "-6", "rule", "show").stdout()).as("set-up had added the rules")
                    .contains("lookup " + table);

            Interceptions.run("kill", "-TERM", Long.toString(gateway.pid()));
            assertThat(gateway.waitFor(30, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
            SlowNft.awaitEnd(nftPid);
            Interceptions.assertNothingLeft("censorsim-" + gateway.pid() + "-0");
        } finally {
            if (gateway != null) {
                gateway.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            SlowNft.awaitEnd(nftPid);
            Interceptions.run("ip", "link", "del", iface);
            Interceptions.run("ip", "netns", "del", vm);
            // Sweeps whatever a failed run of this test left (its pid is dead now).
            CliRun.of("run", "--quiet", "--", "true");
        }
    }

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
