package dev.censorsim.junit;

import dev.censorsim.testing.LoopbackServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request;

/**
 * Runs small test classes through the JUnit launcher to see the extension from outside: a failing test gets the
 * censor's report as a {@code censorsim} report entry, a passing one does not, and an instance-field extension starts
 * a fresh censor for every test.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CensorExtensionLauncherTest {

    /** Where the inner classes find the echo server; set only while the launcher runs them. */
    static volatile InetSocketAddress echo;
    static final List<Object> LABS_SEEN = new CopyOnWriteArrayList<>();

    @Test
    void failingTestShouldGetTheCensorsReportAndPassingOneShouldNot() throws Exception {
        Map<String, String> entries = run(FailingUnderCensor.class);

        assertThat(entries).containsOnlyKeys("fails()");
        assertThat(entries.get("fails()")).contains("censorsim: what the censor did during 'fails()'",
                "policy in force: policy", "[http] 127.0.0.1:", "rule=- action=pass", "up=5B");
    }

    @Test
    void instanceFieldShouldStartAFreshCensorForEachTest() throws Exception {
        LABS_SEEN.clear();

        run(PerTestCensor.class);

        assertThat(LABS_SEEN).hasSize(2);
        assertThat(LABS_SEEN.get(0)).isNotSameAs(LABS_SEEN.get(1));
    }

    /** Runs {@code testClass} against an echo server; returns the {@code censorsim} entries by test name. */
    private static Map<String, String> run(Class<?> testClass) throws IOException {
        Map<String, String> entries = new ConcurrentHashMap<>();
        try (LoopbackServer server = LoopbackServer.start(LoopbackServer.echo())) {
            echo = server.address();
            Launcher launcher = LauncherFactory.create();
            launcher.execute(request().selectors(selectClass(testClass)).build(), new TestExecutionListener() {
                @Override
                public void reportingEntryPublished(TestIdentifier test, ReportEntry entry) {
                    entry.getKeyValuePairs().forEach((key, value) -> {
                        if (key.equals("censorsim")) {
                            entries.put(test.getDisplayName(), value);
                        }
                    });
                }

                @Override
                public void executionFinished(TestIdentifier test, TestExecutionResult result) {
                    // results are asserted through the entries and the side effects
                }
            });
        } finally {
            echo = null;
        }
        return entries;
    }

    /** Sends five bytes through the censor's HTTP proxy to the echo server and reads them back. */
    static void echoThrough(InetSocketAddress proxy) throws IOException {
        try (Socket socket = new Socket(proxy.getAddress(), proxy.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("CONNECT 127.0.0.1:" + echo.getPort() + " HTTP/1.1\r\n\r\nhello")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            String head = "";
            while (!head.endsWith("\r\n\r\n")) {
                head += (char) in.read();
            }
            assertThat(in.readNBytes(5)).isEqualTo("hello".getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** Run only by the launcher above (surefire skips nested classes). */
    static class FailingUnderCensor {
        @RegisterExtension
        static CensorExtension censor = CensorExtension.builder().policy("rules: []").build();

        @Test
        void fails() throws Exception {
            echoThrough(censor.httpProxyAddress());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (censor.flows().stream().noneMatch(f -> f.end() != null) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            throw new AssertionError("the app under test failed");
        }

        @Test
        void passes() throws Exception {
            echoThrough(censor.httpProxyAddress());
        }
    }

    /** Run only by the launcher above. */
    static class PerTestCensor {
        @RegisterExtension
        CensorExtension censor = CensorExtension.builder().build();

        @Test
        void first() {
            LABS_SEEN.add(censor.censor());
        }

        @Test
        void second() {
            LABS_SEEN.add(censor.censor());
        }
    }
}
