package dev.censorsim.report;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** censorsim's own version, as the build stamped it: reports name the tool that wrote them. */
public final class ToolVersion {

    private static final String VERSION = load();

    private ToolVersion() {
    }

    /** For example {@code 0.1.0-SNAPSHOT}; {@code unknown} when the build did not stamp it (an IDE's classpath). */
    public static String current() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = ToolVersion.class.getResourceAsStream("censorsim-version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
