package dev.censorsim.report;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Renders a generated {@code report.html} with headless Chromium and checks the screenshot: each chart's series
 * colours must be on screen, inside that chart's area, with the charts in page order. Catches what string checks
 * cannot: SVG that does not render, a chart squashed to nothing, a colour lost to CSS.
 *
 * <p>Tagged {@code browser} and run with {@code mvn -Pbrowser}; needs Debian's {@code chromium}.
 */
@Tag("browser")
class ReportScreenshotTest {

    /** The page width the report is designed for; the charts are 900 px wide inside it. */
    private static final int WIDTH = 1000;
    private static final int HEIGHT = 3600;
    /** Per-channel slack for anti-aliasing and colour management. */
    private static final int TOLERANCE = 10;

    @TempDir
    Path dir;

    @Test
    void screenshotShouldShowEverySeriesColourInsideItsChart() throws Exception {
        Path html = dir.resolve("report.html");
        HtmlReportWriter.write(SampleReports.failing(), html);
        Path png = screenshot(html, dir.resolve("report.png"));
        String keep = System.getProperty("censorsim.screenshot");
        if (keep != null) {
            // scripts/screenshot-report.sh keeps the picture and the page for a human to look at.
            Files.copy(png, Path.of(keep), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(html, Path.of(keep.replaceFirst("\\.png$", "") + ".html"), StandardCopyOption.REPLACE_EXISTING);
        }
        BufferedImage image = ImageIO.read(png.toFile());

        Box throughput = box(image, ReportColors.THROUGHPUT);
        Box p50 = box(image, ReportColors.LATENCY_P50);
        Box p99 = box(image, ReportColors.LATENCY_P99);
        Box ok = box(image, ReportColors.CONNECT_OK);
        Box reset = box(image, ReportColors.CONNECT_RESET);

        for (Box b : List.of(throughput, p50, p99, ok, reset)) {
            assertThat(b.pixels).as("pixels of %s", b.color).isGreaterThan(150);
        }
        assertThat(throughput.width()).as("the throughput line spans the 30 s of media, most of the chart")
                .isGreaterThan(450);
        assertThat(p99.width()).as("the p99 line spans the 30 s of chat").isGreaterThan(450);
        assertThat(throughput.bottom).as("throughput chart above the latency chart").isLessThan(p50.top);
        assertThat(Math.max(p50.bottom, p99.bottom)).as("latency chart above the connect chart")
                .isLessThan(Math.min(ok.top, reset.top));
        assertThat(reset.left).as("resets only in the last phase's bar, right of the ok bars")
                .isGreaterThan(ok.left);
    }

    private static Path screenshot(Path html, Path png) throws Exception {
        String chromium = findChromium();
        List<String> command = new ArrayList<>(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--hide-scrollbars", "--force-color-profile=srgb", "--force-device-scale-factor=1",
                "--no-first-run", "--no-default-browser-check", "--user-data-dir=" + png.getParent().resolve("profile"),
                "--window-size=" + WIDTH + "," + HEIGHT, "--screenshot=" + png, html.toUri().toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(png.getParent().resolve("chromium.log").toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("chromium did not finish within 60 s");
        }
        assertThat(Files.exists(png)).as("chromium wrote the screenshot; log: %s",
                Files.readString(png.getParent().resolve("chromium.log"))).isTrue();
        return png;
    }

    private static String findChromium() throws IOException {
        for (String candidate : new String[] {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
            if (new File(candidate).canExecute()) {
                return candidate;
            }
        }
        fail("headless Chromium not found: apt-get install chromium");
        throw new IOException("unreachable");
    }

    /** The bounding box of the pixels close to {@code hex}. */
    private static Box box(BufferedImage image, String hex) {
        int rgb = Integer.parseInt(hex.substring(1), 16);
        int r = rgb >> 16 & 0xff;
        int g = rgb >> 8 & 0xff;
        int b = rgb & 0xff;
        Box box = new Box(hex);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int p = image.getRGB(x, y);
                if (Math.abs((p >> 16 & 0xff) - r) <= TOLERANCE && Math.abs((p >> 8 & 0xff) - g) <= TOLERANCE
                        && Math.abs((p & 0xff) - b) <= TOLERANCE) {
                    box.add(x, y);
                }
            }
        }
        return box;
    }

    private static final class Box {
        final String color;
        int left = Integer.MAX_VALUE;
        int top = Integer.MAX_VALUE;
        int right = -1;
        int bottom = -1;
        int pixels;

        Box(String color) {
            this.color = color;
        }

        void add(int x, int y) {
            left = Math.min(left, x);
            top = Math.min(top, y);
            right = Math.max(right, x);
            bottom = Math.max(bottom, y);
            pixels++;
        }

        int width() {
            return right - left + 1;
        }
    }
}
