package dev.censorsim.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code censorsim scenario run} with the real runner, in-process, over loopback: every shipped scenario (scaled) must
 * pass, a scenario whose expectation cannot hold must exit 1, a malformed one 2. {@code censorsim demo} is the README
 * walk-through's first command, whose expectations check its phases and where it says the reports are.
 *
 * <p>A scenario run mostly waits out its timed phases (about 0.2 of a core each, measured), but its expectations
 * (chat ratios with a 1 s timeout, throughput, MOS, QUIC's share, which needs handshakes within the QUIC timeout)
 * were missed when runs overlapped on a loaded 2-core box. So every run here holds the {@value #CPU_LANE} lock
 * exclusively, and runs alone, even with JUnit's parallel execution on (off by default: this module's
 * junit-platform.properties says why; {@code -Djunit.jupiter.execution.parallel.enabled=true} turns it on); only
 * {@code -Pslow}'s sweep of scenarios that count events without a CPU-bound bound shares it, so those overlap each
 * other and never a CPU-bound run. A shipped
 * scenario that the README walk-through ({@link ReadmeWalkthroughIT}, in {@code verify}) already runs through the
 * shaded jar at this scale or more, and must pass there, is not run again here (so {@code mvn test} alone leaves
 * those to {@code verify}; {@link #theSweepShouldCoverEveryShippedScenarioWithTheReadmeWalk} proves that the two
 * together run every shipped scenario).
 *
 * <p>The whole sweep takes six to seven minutes on the 2-core CI box, so it is tagged {@value #SLOW} and runs under
 * {@code -Pslow} ({@code scripts/test -Pslow}); the default run keeps {@link #representativeScenarioShouldPassScaled},
 * one shipped scenario for each censor behaviour the README walk-through does not already run end to end.
 *
 * <p>The methods are {@code CONCURRENT}, the class is not: with parallel execution on, the class still runs after and
 * before the module's other classes in its JVM. Surefire's second JVM ({@code forkCount} 2, the POM's default) runs
 * the module's other classes beside it, which wait on sockets and child processes more than they compute; three runs
 * that way passed as the serial run did. {@code -Pslow} runs one JVM, so the sweep shares the machine with nothing.
 */
class ScenarioRunTest {

    /** Half speed: the shortest shipped phase still runs 5 s, enough for several reconnects and transfers. */
    private static final String CI_TIME_SCALE = "0.5";

    /**
     * Held exclusively by every scenario run of the default run (the representatives, the must-fail run:
     * each has a chat ratio with a timeout, or a throughput, MOS or QUIC-share floor) and by the sweep's CPU-bound
     * runs; shared ({@code READ}) by the sweep's runs that only count events, which may overlap each other only.
     */
    static final String CPU_LANE = "censorsim.scenario-cpu-lane";

    /**
     * Scenario runs start at least this far apart: a run's first seconds (class loading and JIT, certificates minted
     * for its servers, the first TLS and QUIC handshakes) are its CPU peak, and cold starts at once on two busy cores
     * cost the first phase its baseline.
     */
    private static final long START_SPACING_NANOS = TimeUnit.SECONDS.toNanos(3);

    private static long nextStart = System.nanoTime();

    /** An expectation whose lower bound a busy CPU can miss. */
    private static final Pattern CPU_BOUND = Pattern.compile(
            "^\\s*-\\s*(media\\.throughput|call\\.mos|quic\\.share)\\s*>=", Pattern.MULTILINE);

    /** A README command that runs shipped scenarios: {@code ./censorsim demo ...} or {@code scenario run ...}. */
    private static final Pattern README_RUN = Pattern.compile("^\\./censorsim\\s+(demo|scenario\\s+run)\\b(.*)$");

    @TempDir
    Path reports;

    static Stream<Path> shippedScenarios() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("..", "scenarios"))) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    /** Shipped scenarios that only count events (resets, timeouts, ratios), left to run side by side. */
    static Stream<Path> eventScenarios() throws IOException {
        Set<String> walked = runByTheReadmeWalk();
        return shippedScenarios().filter(f -> !cpuBound(f) && !walked.contains(name(f)));
    }

    /** Shipped scenarios with a throughput, MOS or QUIC-share lower bound, run one after another. */
    static Stream<Path> cpuBoundScenarios() throws IOException {
        Set<String> walked = runByTheReadmeWalk();
        return shippedScenarios().filter(f -> cpuBound(f) && !walked.contains(name(f)));
    }

    /** The tag of the runs only {@code -Pslow} makes (the module's surefire excludes it by default). */
    static final String SLOW = "slow";

    /**
     * One shipped scenario per censor behaviour, in the default run: voice calls dropped over UDP (STUN/RTP), a
     * bandwidth cut with a throughput floor, DNS record removal, VPN protocol blocking, and QUIC blocked with the
     * fallback to TCP. SNI resets and the whole 2025-26 timeline run in the README walk-through.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"whatsapp-2025-calls", "whatsapp-2025-throttle", "whatsapp-2026-dns-block",
            "whatsapp-2026-vpn", "quic-2022-fallback"})
    @Execution(ExecutionMode.CONCURRENT)
    @ResourceLock(CPU_LANE)
    void representativeScenarioShouldPassScaled(String name) throws InterruptedException {
        Path scenario = Path.of("..", "scenarios", name + ".yaml");
        assertThat(scenario).as("a shipped scenario").isRegularFile();
        assertPasses(scenario);
    }

    @ParameterizedTest(name = "{0}")
    @Tag(SLOW)
    @MethodSource("eventScenarios")
    @Execution(ExecutionMode.CONCURRENT)
    @ResourceLock(value = CPU_LANE, mode = ResourceAccessMode.READ)
    void everyShippedScenarioShouldPassScaled(Path scenario) throws InterruptedException {
        assertPasses(scenario);
    }

    @ParameterizedTest(name = "{0}")
    @Tag(SLOW)
    @MethodSource("cpuBoundScenarios")
    @Execution(ExecutionMode.CONCURRENT)
    @ResourceLock(CPU_LANE)
    void everyShippedScenarioWithACpuBoundShouldPassScaledOneAtATime(Path scenario) throws InterruptedException {
        assertPasses(scenario);
    }

    @Test
    void theSweepShouldCoverEveryShippedScenarioWithTheReadmeWalk() throws IOException {
        Set<String> covered = new TreeSet<>();
        Stream.concat(eventScenarios(), cpuBoundScenarios()).forEach(f -> covered.add(name(f)));
        Set<String> walked = runByTheReadmeWalk();
        covered.addAll(walked);

        assertThat(covered).as("swept here %s, walked by the README %s", covered, walked)
                .containsExactlyInAnyOrderElementsOf(shippedScenarios().map(ScenarioRunTest::name).toList());
        assertThat(walked).as("README.md's '%s' runs the demo's scenario", "./censorsim demo")
                .contains(name(DemoCommand.DEFAULT_SCENARIO));
    }

    private void assertPasses(Path scenario) throws InterruptedException {
        awaitStartSlot();
        CliRun r = CliRun.of("scenario", "run", scenario.toString(), "--time-scale", CI_TIME_SCALE,
                "--report-dir", reports.toString());

        assertThat(r.exitCode()).as("stdout:%n%s%nstderr:%n%s", r.out(), r.err()).isEqualTo(ExitCodes.OK);
        assertThat(r.out()).contains("reports: ");
    }

    private static void awaitStartSlot() throws InterruptedException {
        long wait;
        synchronized (ScenarioRunTest.class) {
            long now = System.nanoTime();
            long start = Math.max(now, nextStart);
            nextStart = start + START_SPACING_NANOS;
            wait = start - now;
        }
        TimeUnit.NANOSECONDS.sleep(wait);
    }

    private static boolean cpuBound(Path scenario) {
        try {
            return CPU_BOUND.matcher(Files.readString(scenario, StandardCharsets.UTF_8)).find();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String name(Path scenario) {
        return scenario.getFileName().toString().replaceFirst("\\.yaml$", "");
    }

    /**
     * The shipped scenarios that a README command runs in the walk-through and that must pass there: the command is
     * in a block that runs without root, is not skipped, and may not exit 1 (expectations failed); its
     * {@code --time-scale} is absent (1) or at least {@value #CI_TIME_SCALE}. {@code demo} runs the demo's scenario.
     */
    static Set<String> runByTheReadmeWalk() throws IOException {
        Path readme = Path.of("..", "README.md");
        Set<String> names = new TreeSet<>();
        for (ReadmeWalkthrough.Block block : ReadmeWalkthrough.parse(
                Files.readAllLines(readme, StandardCharsets.UTF_8))) {
            if (!ReadmeWalkthrough.runs(block, false)
                    || block.directives().exits().contains(ExitCodes.EXPECTATIONS_FAILED)) {
                continue;
            }
            for (String line : block.lines()) {
                String command = line.strip();
                if (block.directives().skipLines().keySet().stream().anyMatch(command::startsWith)) {
                    continue;
                }
                Matcher m = README_RUN.matcher(command.replaceFirst("\\s#.*$", "").strip());
                if (m.matches()) {
                    names.addAll(scenariosOf(m.group(1).startsWith("demo"), m.group(2).strip()));
                }
            }
        }
        return names;
    }

    /** The shipped scenario names one README command runs at {@value #CI_TIME_SCALE} or more, or none. */
    private static List<String> scenariosOf(boolean demo, String arguments) {
        List<String> names = new ArrayList<>();
        double scale = 1;
        String[] words = arguments.isEmpty() ? new String[0] : arguments.split("\\s+");
        for (int i = 0; i < words.length; i++) {
            String word = words[i];
            if (word.equals("--time-scale") && i + 1 < words.length) {
                scale = Double.parseDouble(words[++i]);
            } else if (word.startsWith("--time-scale=")) {
                scale = Double.parseDouble(word.substring("--time-scale=".length()));
            } else if (word.equals("--report-dir")) {
                i++;
            } else if (word.startsWith("-") || word.matches(".*[$*?&|;<>`].*")) {
                // An option this reading does not know, a shell expansion, or a command run in the background (whose
                // exit status the walk does not check) or piped: claim nothing.
                return List.of();
            } else if (!demo) {
                Path file = Path.of(word);
                if (word.endsWith(".yaml") && !file.normalize().startsWith("scenarios")) {
                    return List.of();
                }
                names.add(file.getFileName().toString().replaceFirst("\\.yaml$", ""));
            }
        }
        if (scale < Double.parseDouble(CI_TIME_SCALE)) {
            return List.of();
        }
        return demo ? List.of(name(DemoCommand.DEFAULT_SCENARIO)) : names;
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    @ResourceLock(CPU_LANE)
    void anExpectationThatCannotHoldShouldExit1WithTheMeasuredValueInJunitXml() throws Exception {
        awaitStartSlot();
        Path file = Path.of("src", "test", "resources", "scenarios", "must-fail.yaml");

        CliRun r = CliRun.of("scenario", "run", file.toString(), "--report-dir", reports.toString());

        assertThat(r.exitCode()).as("stdout:%n%s%nstderr:%n%s", r.out(), r.err())
                .isEqualTo(ExitCodes.EXPECTATIONS_FAILED);
        assertThat(r.out()).contains("[FAIL] blocked: chat.delivered_ratio >= 0.99: measured 0.000");
        String junit = Files.readString(reports.resolve("must-fail").resolve("junit.xml"));
        assertThat(junit).contains("tests=\"3\"", "failures=\"1\"", "measured 0.000, expected &gt;= 0.990");
        assertThat(reports.resolve("must-fail").resolve("report.html")).isNotEmptyFile();
        assertThat(reports.resolve("must-fail").resolve("report.json")).isNotEmptyFile();
    }

    @Test
    void aMalformedScenarioShouldExit2WithFileAndLineBeforeAnythingRuns() throws IOException {
        Path bad = reports.resolve("bad.yaml");
        Files.writeString(bad, String.join("\n", List.of(
                "scenario: bad",
                "messenger:",
                "  names: { chat: g.whatsapp.net, media: mmg.whatsapp.net }",
                "  workload: { chat: { rate: 5/s } }",
                "policies: { open: {} }",
                "timeline:",
                "  - phase: baseline",
                "    duration: ten seconds",
                "    policy: open")));

        CliRun r = CliRun.of("scenario", "run", bad.toString(), "--report-dir", reports.toString());

        assertThat(r.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(r.err()).startsWith("censorsim: " + bad + ":8:15: ");
        assertThat(r.err().lines()).as("one line, no stack trace").hasSize(1);
        assertThat(reports.resolve("bad")).doesNotExist();
    }

    @Test
    void verboseOnANestedSubcommandShouldAddTheStackTrace() {
        CliRun r = CliRun.of("scenario", "run", "--verbose", "--report-dir", "/dev/null/cannot-write",
                Path.of("src", "test", "resources", "scenarios", "must-fail.yaml").toString());

        // The report directory is proved writable before the run: an unusable one is bad input, found at once.
        assertThat(r.exitCode()).as(r.err()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(r.err()).startsWith("censorsim: /dev/null/cannot-write/must-fail: cannot write reports")
                .contains("\tat ");
    }
}
