package dev.censorsim.cli;

import picocli.CommandLine;

/** Version line from the jar manifest, plus the Java and Netty versions people need in bug reports. */
final class VersionProvider implements CommandLine.IVersionProvider {

    @Override
    public String[] getVersion() {
        String version = Main.class.getPackage().getImplementationVersion();
        io.netty.util.Version common = io.netty.util.Version.identify().get("netty-common");
        String netty = common == null ? "unknown" : common.artifactVersion();
        return new String[] {
            "censorsim " + (version == null ? "(development build)" : version),
            "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + "), Netty " + netty
        };
    }
}
