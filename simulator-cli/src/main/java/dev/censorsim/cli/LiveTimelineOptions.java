package dev.censorsim.cli;

import dev.censorsim.lab.Lab;
import dev.censorsim.lab.TimelinePlayer;
import dev.censorsim.policy.PolicyException;
import dev.censorsim.report.ReportFiles;
import dev.censorsim.report.ScenarioReport;
import dev.censorsim.scenario.Timeline;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Shared {@code --timeline FILE}, {@code --time-scale}, {@code --report-dir} of {@code serve} and {@code run}: a
 * scenario file's policies switched on schedule on a live {@link Lab}, with per-phase counters written as the usual
 * report files.
 */
final class LiveTimelineOptions {

    @Option(names = "--timeline", paramLabel = "FILE",
            description = "A scenario file whose policies and timeline are applied on schedule (its messenger, if "
                    + "any, is not run). Its phases can also be switched to by name.")
    Path file;

    @Option(names = "--time-scale", paramLabel = "FACTOR", description = "Override the timeline's time-scale, in (0, 1].")
    Double timeScale;

    @Option(names = "--report-dir", paramLabel = "DIR", defaultValue = "target/censorsim-report",
            description = "Timeline reports go to DIR/<scenario>/ (default: ${DEFAULT-VALUE}).")
    Path reportDir;

    /** The timeline, or {@code null} without {@code --timeline}; one bad-input line when it does not load. */
    Timeline load() {
        if (file == null) {
            return null;
        }
        if (!Files.isRegularFile(file)) {
            throw new CliException(ExitCodes.BAD_INPUT, file + ": no such scenario file");
        }
        try {
            Timeline loaded = Timeline.load(file);
            return timeScale == null ? loaded : loaded.withTimeScale(timeScale);
        } catch (PolicyException e) {
            throw new CliException(ExitCodes.BAD_INPUT, e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.BAD_INPUT, "--time-scale: " + e.getMessage());
        }
    }

    /**
     * Plays {@code timeline} on {@code lab} in a thread of its own; each phase switch and, at the end, where the
     * reports went are given to {@code log}. {@link Playing#stop} ends it early (the reports then hold the phases so
     * far).
     */
    Playing play(Lab lab, Timeline timeline, Consumer<String> log) {
        CountDownLatch reported = new CountDownLatch(1);
        Thread player = new Thread(() -> {
            try {
                ScenarioReport report = new TimelinePlayer(lab, timeline, log).play();
                // The player keeps an interrupt that cut a phase short, the last one included.
                log.accept(writeReports(report, Thread.interrupted()));
            } finally {
                reported.countDown();
            }
        }, "censorsim-timeline");
        player.start();
        return new Playing(player, reported);
    }

    private String writeReports(ScenarioReport report, boolean stopped) {
        Path dir = reportDir.resolve(report.run().scenario());
        try {
            List<Path> files = ReportFiles.writeAll(report, reportDir);
            return "timeline " + (stopped ? "stopped" : "done")
                    + "; reports: " + files.stream().map(Path::toString).collect(Collectors.joining(", "));
        } catch (IOException | IllegalArgumentException e) {
            return "cannot write reports to " + dir + ": " + e.getMessage();
        }
    }

    /** A timeline being played. */
    record Playing(Thread player, CountDownLatch reported) {

        /** Blocks until the last phase ended and the reports are written. */
        void awaitEnd() throws InterruptedException {
            reported.await();
        }

        /** Ends the current phase now and waits (bounded) for the reports of the phases so far. */
        void stop() {
            player.interrupt();
            try {
                reported.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
