package dev.censorsim.report;

import dev.censorsim.report.ExpectationResult;

import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes {@code junit.xml} in the common JUnit XML layout CI servers read (Jenkins, GitLab, GitHub test reporters):
 * one {@code <testsuite>} named after the scenario, one {@code <testcase>} per expectation with
 * {@code classname} = scenario and {@code name} = {@code phase: expression}, a {@code <failure>} carrying the measured
 * value when it failed, and {@code <skipped>} for the expectations of phases that never ran. When a signal stopped the
 * run, the expectations of the phase it stopped (or one testcase for the phase, when it has none) carry an
 * {@code <error type="interrupted">}: a CI job killed by its timeout then shows where it was, not a missing file.
 */
public final class JunitXmlWriter {

    /** Ant's schema wants local ISO 8601 without a zone; the value is UTC. */
    /** The machine the run was on, looked up once (the JDK asks the resolver). */
    private static final String HOSTNAME = hostname();

    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss")
            .withZone(ZoneOffset.UTC);

    private JunitXmlWriter() {
    }

    /** Writes the report to {@code file}, replacing it whole ({@link ReportFiles#replace}). */
    public static void write(ScenarioReport report, Path file) throws IOException {
        ReportFiles.replace(file, out -> write(report, out));
    }

    /** Writes UTF-8 XML to {@code out}; does not close it. */
    public static void write(ScenarioReport report, OutputStream out) throws IOException {
        RunInfo run = report.run();
        long skipped = 0;
        for (int i = report.phases().size(); i < run.phases().size(); i++) {
            skipped += run.phases().get(i).expectations().size();
        }
        long failures = report.failedCount() - skipped;
        int stopped = report.interrupted() && report.phases().size() < run.phases().size()
                ? report.phases().size() : -1;
        long errors = 0;
        long tests = report.expectedCount();
        if (stopped >= 0) {
            int stoppedExpectations = run.phases().get(stopped).expectations().size();
            errors = Math.max(1, stoppedExpectations);
            skipped -= stoppedExpectations;
            tests += stoppedExpectations == 0 ? 1 : 0;
        }
        String time = seconds(report.realSeconds());
        try {
            XMLStreamWriter x = XMLOutputFactory.newFactory().createXMLStreamWriter(out, "UTF-8");
            x.writeStartDocument("UTF-8", "1.0");
            x.writeCharacters("\n");
            x.writeStartElement("testsuites");
            x.writeAttribute("name", clean(run.scenario()));
            x.writeAttribute("tests", Long.toString(tests));
            x.writeAttribute("failures", Long.toString(failures));
            x.writeAttribute("errors", Long.toString(errors));
            x.writeAttribute("time", time);
            x.writeCharacters("\n  ");
            x.writeStartElement("testsuite");
            x.writeAttribute("name", clean(run.scenario()));
            x.writeAttribute("tests", Long.toString(tests));
            x.writeAttribute("failures", Long.toString(failures));
            x.writeAttribute("errors", Long.toString(errors));
            x.writeAttribute("skipped", Long.toString(skipped));
            x.writeAttribute("time", time);
            x.writeAttribute("timestamp", TIMESTAMP.format(run.startedAt().truncatedTo(ChronoUnit.SECONDS)));
            x.writeAttribute("hostname", HOSTNAME);
            x.writeCharacters("\n    ");
            x.writeStartElement("properties");
            property(x, "file", run.file());
            property(x, "time-scale", Double.toString(run.timeScale()));
            property(x, "started-at", run.startedAt().toString());
            property(x, "tool", "censorsim " + ToolVersion.current());
            x.writeCharacters("\n    ");
            x.writeEndElement();
            for (PhaseReport phase : report.phases()) {
                // An expectation is judged over its whole phase: each gets an equal share of the phase's real time,
                // so the testcases add up to the suite's time as CI servers expect.
                String share = seconds(phase.realNanos() / 1e9 / Math.max(1, phase.expectations().size()));
                for (ExpectationResult result : phase.expectations()) {
                    testcase(x, run.scenario(), result.title(), share);
                    if (result.passed()) {
                        // The measured value on a passing case too: a trend across CI runs is read from here.
                        x.writeCharacters("\n      ");
                        x.writeStartElement("system-out");
                        x.writeCharacters(clean(result.message()));
                        x.writeEndElement();
                        x.writeCharacters("\n    ");
                    } else {
                        x.writeCharacters("\n      ");
                        x.writeStartElement("failure");
                        x.writeAttribute("message", clean(result.message()));
                        x.writeAttribute("type", "expectation");
                        x.writeCharacters(clean(result.title() + "\n" + result.message()));
                        x.writeEndElement();
                        x.writeCharacters("\n    ");
                    }
                    x.writeEndElement();
                }
            }
            for (int i = report.phases().size(); i < run.phases().size(); i++) {
                PlannedPhase phase = run.phases().get(i);
                if (i == stopped) {
                    interrupted(x, run.scenario(), phase, report.interruption());
                    continue;
                }
                for (String expression : phase.expectations()) {
                    testcase(x, run.scenario(), phase.name() + ": " + expression, "0");
                    x.writeEmptyElement("skipped");
                    x.writeAttribute("message", "phase " + clean(phase.name()) + " did not run");
                    x.writeEndElement();
                }
            }
            x.writeCharacters("\n  ");
            x.writeEndElement();
            x.writeCharacters("\n");
            x.writeEndElement();
            x.writeCharacters("\n");
            x.writeEndDocument();
            x.flush();
            x.close();
        } catch (XMLStreamException e) {
            throw new IOException("cannot write JUnit XML: " + e.getMessage(), e);
        }
    }

    /** The phase a signal stopped: each of its expectations, or the phase itself, is an error saying so. */
    private static void interrupted(XMLStreamWriter x, String scenario, PlannedPhase phase, String interruption)
            throws XMLStreamException {
        List<String> names = new ArrayList<>();
        phase.expectations().forEach(e -> names.add(phase.name() + ": " + e));
        if (names.isEmpty()) {
            names.add(phase.name());
        }
        for (String name : names) {
            testcase(x, scenario, name, "0");
            x.writeCharacters("\n      ");
            x.writeStartElement("error");
            x.writeAttribute("message", clean(interruption));
            x.writeAttribute("type", "interrupted");
            x.writeCharacters(clean(name + "\n" + interruption + "; the phase's figures were not cut, so its "
                    + "expectations were not checked"));
            x.writeEndElement();
            x.writeCharacters("\n    ");
            x.writeEndElement();
        }
    }

    private static void testcase(XMLStreamWriter x, String scenario, String name, String time)
            throws XMLStreamException {
        x.writeCharacters("\n    ");
        x.writeStartElement("testcase");
        x.writeAttribute("classname", clean(scenario));
        x.writeAttribute("name", clean(name));
        x.writeAttribute("time", time);
    }

    private static String hostname() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException | RuntimeException e) {
            return "localhost";
        }
    }

    private static void property(XMLStreamWriter x, String name, String value) throws XMLStreamException {
        x.writeCharacters("\n      ");
        x.writeEmptyElement("property");
        x.writeAttribute("name", name);
        x.writeAttribute("value", clean(value == null ? "" : value));
    }

    private static String seconds(double seconds) {
        return String.format(Locale.ROOT, "%.3f", Math.max(0, seconds));
    }

    /**
     * Drops what XML 1.0 cannot carry at all (control characters other than tab and newlines, lone surrogates):
     * the writer escapes markup but would emit these verbatim and make the file unreadable.
     */
    static String clean(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok;
            if (Character.isHighSurrogate(c)) {
                ok = i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
                if (ok) {
                    if (b != null) {
                        b.append(c).append(s.charAt(i + 1));
                    }
                    i++;
                    continue;
                }
            } else {
                ok = c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD);
            }
            if (!ok && b == null) {
                b = new StringBuilder(s.length()).append(s, 0, i);
            }
            if (b != null) {
                b.append(ok ? c : '\uFFFD');
            }
        }
        return b == null ? s : b.toString();
    }
}
