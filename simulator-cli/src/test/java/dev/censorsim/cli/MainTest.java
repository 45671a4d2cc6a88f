package dev.censorsim.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class MainTest {

    @Test
    void versionShouldNameJavaAndNetty() {
        CliRun run = CliRun.of("--version");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).contains("censorsim").contains("Java").contains("Netty 4.2");
    }

    /**
     * Netty's leak sampler is off in the real process (it allocated about 50 B a request through the relay), unless
     * the command line asks for a level. A child JVM each: the level is read once, when Netty first loads.
     */
    @Test
    void leakSamplingShouldBeOffUnlessTheCommandLineAsksForIt() throws Exception {
        assertThat(versionOfChildJvm()).contains("buffer leak detection disabled");
        assertThat(versionOfChildJvm("-Dio.netty.leakDetection.level=simple")).contains("buffer leak detection simple");
    }

    @Test
    void versionShouldAnswerWhenTheTransportCannotBeHad() throws Exception {
        assertThat(versionOfChildJvm("-Dcensorsim.transport=carrier-pigeon"))
                .contains("Netty 4.2").contains("transport unavailable (").contains("carrier-pigeon");
    }

    private static String versionOfChildJvm(String... jvmOptions) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "--version"));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(out).isTrue();
            assertThat(process.exitValue()).as(out).isZero();
            return out;
        } finally {
            process.destroyForcibly(); // a child that hangs past the wait is not left behind
        }
    }

    @Test
    void helpShouldListEveryCommand() {
        CliRun run = CliRun.of("--help");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.OK);
        assertThat(run.out()).contains("demo").contains("proxy").contains("socks");
    }

    @Test
    void noCommandShouldBeAUsageError() {
        CliRun run = CliRun.of();

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).contains("missing command");
    }

    @Test
    void unknownOptionShouldExitTwoWithOneClearLine() {
        CliRun run = CliRun.of("proxy", "--upstream", "127.0.0.1:9", "--bogus");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err().lines().findFirst().orElseThrow()).startsWith("censorsim: Unknown option: '--bogus'");
        assertThat(run.err()).doesNotContain("\tat ");
    }

    @Test
    void malformedPolicyShouldExitTwoWithFileLineAndColumn(@TempDir Path dir) throws IOException {
        Path policy = dir.resolve("bad.yaml");
        Files.writeString(policy, """
                rules:
                  - name: r1
                    match: { sni: [whatsapp.net] }
                    action: { type: rst }
                """);

        CliRun run = CliRun.of("proxy", "--upstream", "127.0.0.1:9", "--listen", "127.0.0.1:0",
                "--policy", policy.toString());

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err().lines().count()).as("one line, no stack trace: %s", run.err()).isEqualTo(1);
        assertThat(run.err()).contains(policy + ":4:").contains("rst").contains("reset");
    }

    @Test
    void missingPolicyFileShouldExitTwo(@TempDir Path dir) {
        CliRun run = CliRun.of("socks", "--policy", dir.resolve("nope.yaml").toString());

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).contains("nope.yaml: no such policy file");
    }

    @Test
    void badListenAddressShouldExitTwo() {
        CliRun run = CliRun.of("socks", "--listen", "127.0.0.1:99999");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).contains("port must be within 0..65535");
    }

    @Test
    void portInUseShouldExitThreeWithOneLineAndStackOnlyWhenVerbose() throws IOException {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            String listen = "127.0.0.1:" + taken.getLocalPort();

            CliRun quiet = CliRun.of("socks", "--listen", listen);
            CliRun verbose = CliRun.of("socks", "--listen", listen, "--verbose");

            assertThat(quiet.exitCode()).isEqualTo(ExitCodes.RUNTIME_FAILURE);
            assertThat(quiet.err()).startsWith("censorsim: cannot listen on").doesNotContain("\tat ");
            assertThat(verbose.exitCode()).isEqualTo(ExitCodes.RUNTIME_FAILURE);
            assertThat(verbose.err()).contains("\tat ");
        }
    }

    @Test
    void everyCommandsHelpShouldRenderWithoutFormatWarnings() {
        // picocli reports a stray '%' in a header or description on System.err, not on the command's err writer.
        java.io.PrintStream realErr = System.err;
        java.io.ByteArrayOutputStream warnings = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(warnings, true));
        try {
            assertThat(CliRun.of("--help").exitCode()).isEqualTo(ExitCodes.OK);
            for (String command : java.util.List.of("demo", "scenario", "messenger", "dns", "proxy", "socks", "classify",
                    "trace")) {
                assertThat(CliRun.of("help", command).exitCode()).isEqualTo(ExitCodes.OK);
            }
        } finally {
            System.setErr(realErr);
        }
        assertThat(warnings.toString()).as("picocli warnings while rendering help").isEmpty();
    }
}
