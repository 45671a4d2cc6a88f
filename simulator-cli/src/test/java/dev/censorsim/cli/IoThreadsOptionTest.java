package dev.censorsim.cli;

import dev.censorsim.proxy.ProxyOptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;

class IoThreadsOptionTest {

    @Test
    void ioThreadsShouldSetTheProxysEventLoopCount() {
        ProxyCommand command = new ProxyCommand();
        new CommandLine(command).parseArgs("--upstream", "127.0.0.1:9", "--io-threads", "1");

        ProxyOptions options = command.frontEnd.applyTo(ProxyOptions.forward(new InetSocketAddress("127.0.0.1", 9)))
                .build();

        assertThat(options.ioThreads()).isEqualTo(1);
    }

    @Test
    void ioThreadsShouldDefaultToTheNumberOfCpus() {
        ProxyCommand command = new ProxyCommand();
        new CommandLine(command).parseArgs("--upstream", "127.0.0.1:9");

        ProxyOptions options = command.frontEnd.applyTo(ProxyOptions.forward(new InetSocketAddress("127.0.0.1", 9)))
                .build();

        assertThat(options.ioThreads()).isEqualTo(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void ioThreadsBelowOneShouldBeABadInputOnOneLine() {
        CliRun run = CliRun.of("socks", "--listen", "127.0.0.1:0", "--io-threads", "0");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err().lines().count()).isEqualTo(1);
        assertThat(run.err()).contains("--io-threads must be at least 1, was 0").doesNotContain("\tat ");
    }

    @Test
    void helpShouldListIoThreads() {
        CliRun run = CliRun.of("proxy", "--help");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("--io-threads=N").contains("Event-loop threads");
    }
}
