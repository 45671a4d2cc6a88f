package dev.censorsim.cli;

import dev.censorsim.net.Transport;
import io.netty.util.ResourceLeakDetector;
import picocli.CommandLine;

import java.util.Locale;

/**
 * Version line from the jar manifest, plus what people need in bug reports: the Java and Netty versions, the transport
 * this JVM runs on and Netty's buffer leak detection level ({@link Main#disableLeakSamplingUnlessAsked}).
 */
final class VersionProvider implements CommandLine.IVersionProvider {

    @Override
    public String[] getVersion() {
        String version = Main.class.getPackage().getImplementationVersion();
        io.netty.util.Version common = io.netty.util.Version.identify().get("netty-common");
        String netty = common == null ? "unknown" : common.artifactVersion();
        return new String[] {
            "censorsim " + (version == null ? "(development build)" : version),
            "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + "), Netty " + netty,
            "transport " + transport() + ", buffer leak detection "
                    + ResourceLeakDetector.getLevel().name().toLowerCase(Locale.ROOT)
        };
    }

    /** The transport's name, or why it cannot be had: {@code --version} must answer even then. */
    private static String transport() {
        try {
            return Transport.current().name().toLowerCase(Locale.ROOT);
        } catch (RuntimeException | LinkageError e) {
            // -Dcensorsim.transport names an unknown or unloadable transport (Transport's class initialiser throws)
            Throwable cause = e instanceof ExceptionInInitializerError && e.getCause() != null ? e.getCause() : e;
            return "unavailable (" + cause.getMessage() + ")";
        }
    }
}
