package dev.censorsim.report;

import dev.censorsim.messenger.MessengerSettings;
import dev.censorsim.scenario.Scenario;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.SchemaFactory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JunitXmlWriterTest {

    @TempDir
    Path dir;

    private static byte[] xml(ScenarioReport report) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        JunitXmlWriter.write(report, out);
        return out.toByteArray();
    }

    private static void validate(byte[] xml) throws Exception {
        SchemaFactory factory = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
        var schema = factory.newSchema(JunitXmlWriterTest.class.getResource("/report/junit-common.xsd"));
        schema.newValidator().validate(new StreamSource(new ByteArrayInputStream(xml)));
    }

    private static Document parse(byte[] xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
    }

    @Test
    void failingRunShouldBeValidWithOneTestcasePerExpectationAndFailuresCarryingTheMeasuredValue() throws Exception {
        ScenarioReport report = SampleReports.failing();
        byte[] xml = xml(report);

        assertThatCode(() -> validate(xml)).doesNotThrowAnyException();
        Document doc = parse(xml);
        Element suite = (Element) doc.getElementsByTagName("testsuite").item(0);
        assertThat(suite.getAttribute("name")).isEqualTo("whatsapp-2025-26");
        assertThat(suite.getAttribute("tests")).isEqualTo("11");
        assertThat(suite.getAttribute("failures")).isEqualTo("1");
        assertThat(suite.getAttribute("timestamp")).isEqualTo("2026-02-11T09:30:00");
        NodeList cases = doc.getElementsByTagName("testcase");
        assertThat(cases.getLength()).isEqualTo(11);
        Element first = (Element) cases.item(0);
        assertThat(first.getAttribute("classname")).isEqualTo("whatsapp-2025-26");
        assertThat(first.getAttribute("name")).isEqualTo("baseline: chat.delivered_ratio >= 0.99");
        NodeList failures = doc.getElementsByTagName("failure");
        assertThat(failures.getLength()).isEqualTo(1);
        Element failure = (Element) failures.item(0);
        assertThat(((Element) failure.getParentNode()).getAttribute("name"))
                .isEqualTo("throttled: media.throughput <= 0.30 * baseline.media.throughput");
        assertThat(failure.getAttribute("message"))
                .isEqualTo("measured 15.00 Mbit/s, expected <= 11.97 Mbit/s (0.3 * baseline.media.throughput)");
    }

    @Test
    void everyCaseShouldCarryItsShareOfThePhaseTimeAndPassingCasesTheirMeasuredValue() throws Exception {
        ScenarioReport report = SampleReports.failing();
        Document doc = parse(xml(report));

        Element suite = (Element) doc.getElementsByTagName("testsuite").item(0);
        NodeList cases = doc.getElementsByTagName("testcase");
        double sum = 0;
        for (int i = 0; i < cases.getLength(); i++) {
            double time = Double.parseDouble(((Element) cases.item(i)).getAttribute("time"));
            assertThat(time).as("case %d has a real time", i).isPositive();
            sum += time;
        }
        assertThat(sum).as("the cases add up to the suite")
                .isCloseTo(Double.parseDouble(suite.getAttribute("time")), org.assertj.core.data.Offset.offset(0.01));
        Element first = (Element) cases.item(0);
        assertThat(first.getElementsByTagName("system-out").item(0).getTextContent())
                .isEqualTo("measured 1.000, expected >= 0.990");
        assertThat(suite.getAttribute("hostname")).isEqualTo(java.net.InetAddress.getLocalHost().getHostName());
    }

    @Test
    void passingRunShouldHaveNoFailures() throws Exception {
        byte[] xml = xml(SampleReports.passing());

        validate(xml);
        assertThat(parse(xml).getElementsByTagName("failure").getLength()).isZero();
    }

    @Test
    void phasesThatDidNotRunShouldBeSkippedNotDropped() throws Exception {
        ScenarioReport full = SampleReports.passing();
        ScenarioReport stopped = new ScenarioReport(full.run(), full.phases().subList(0, 1), full.samples(),
                List.of("stopped after baseline"));
        byte[] xml = xml(stopped);

        validate(xml);
        Document doc = parse(xml);
        Element suite = (Element) doc.getElementsByTagName("testsuite").item(0);
        assertThat(suite.getAttribute("tests")).isEqualTo("11");
        assertThat(suite.getAttribute("skipped")).isEqualTo("8");
        assertThat(suite.getAttribute("failures")).isEqualTo("0");
        assertThat(doc.getElementsByTagName("skipped").getLength()).isEqualTo(8);
        assertThat(stopped.passed()).as("a run that stopped early did not pass").isFalse();
    }

    @Test
    void markupAndControlCharactersInNamesShouldStayWellFormed() throws Exception {
        Scenario scenario = Scenario.builder("<suite name=\"x\"> & \u0001bell")
                .messenger(MessengerSettings.of("a.test", "b.test"))
                .policy("open", "{}")
                .phase("only", Duration.ofSeconds(1), "open", "connect.ok >= 1")
                .build();
        PhaseReport phase = new PhaseReport("only", "open", 1_000_000_000L, 1_000_000_000L, 0,
                Map.of("connect.ok", 0.0), scenario.phases().get(0).check(Map.of("connect.ok", 0.0), Map.of()),
                List.of());
        byte[] xml = xml(new ScenarioReport(scenario.runInfo(SampleReports.STARTED), List.of(phase), List.of(),
                List.of()));

        validate(xml);
        Element suite = (Element) parse(xml).getElementsByTagName("testsuite").item(0);
        assertThat(suite.getAttribute("name")).isEqualTo("<suite name=\"x\"> & \uFFFDbell");
    }

    @Test
    void schemaShouldRejectWhatCiServersRefuse() {
        byte[] noName = ("<testsuites><testsuite tests=\"1\" failures=\"0\" errors=\"0\" time=\"1\" "
                + "timestamp=\"2026-01-01T00:00:00\" hostname=\"h\"/></testsuites>").getBytes();

        assertThatThrownBy(() -> validate(noName)).as("the schema is not vacuous").isInstanceOf(SAXException.class);
    }

    @Test
    void writeShouldCreateTheFile() throws Exception {
        Path file = dir.resolve("junit.xml");
        JunitXmlWriter.write(SampleReports.passing(), file);

        validate(Files.readAllBytes(file));
    }
}
