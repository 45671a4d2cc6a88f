package dev.censorsim.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** A {@code classify} run is built on a root holding that command alone ({@link Main#classifyCommandLine()}). */
class ClassifyCommandLineTest {

    private static String usage(CommandLine root) {
        return root.getSubcommands().get("classify").getUsageMessage(CommandLine.Help.Ansi.OFF);
    }

    @Test
    void classifyHelpShouldReadAsUnderTheWholeTree() {
        assertThat(usage(Main.classifyCommandLine())).isEqualTo(usage(Main.commandLine()))
                .contains("Usage: censorsim classify").contains("Exit codes:");
    }

    @Test
    void classifyUsageErrorShouldReadAsUnderTheWholeTree() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int code = Main.run(new String[] {"classify", "--threads", "0", "x.pcap"}, new PrintWriter(out),
                new PrintWriter(err));

        assertThat(code).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).startsWith("censorsim: --max-flows, --idle-timeout-seconds and --threads must be")
                .doesNotContain("Exception");
    }

    @Test
    void unknownClassifyOptionShouldPointAtClassifyHelp() {
        StringWriter err = new StringWriter();

        int code = Main.run(new String[] {"classify", "--no-such-option", "x.pcap"}, new PrintWriter(new StringWriter()),
                new PrintWriter(err));

        assertThat(code).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("Unknown option: '--no-such-option'")
                .contains("see 'censorsim classify --help'");
    }
}
