package dev.censorsim.cli;

import dev.censorsim.capture.CaptureFile;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;

/** Shared {@code --pcap FILE}: the client side of every flow, as a pcap Wireshark and tshark open. */
public final class PcapOption {

    @Option(names = "--pcap", paramLabel = "FILE",
            description = "Write what the censor saw to FILE (pcap): each flow's client side as TCP/UDP packets, "
                    + "a reset flow ending in RST. Overwrites FILE.")
    Path file;

    /** Opens the file, or returns {@code null} without {@code --pcap}; one error line when it cannot be created. */
    CaptureFile open() {
        if (file == null) {
            return null;
        }
        try {
            return CaptureFile.open(file);
        } catch (IOException e) {
            throw new CliException(ExitCodes.BAD_INPUT, "--pcap " + file + ": cannot write: " + e.getMessage());
        }
    }

    /** Closes {@code capture} (if any) after the services that wrote to it, reporting what was written or lost. */
    static void close(CaptureFile capture, PrintWriter out) {
        if (capture == null) {
            return;
        }
        try {
            capture.close();
            out.println("censorsim: wrote " + capture.writtenFrames() + " packets to " + capture.path()
                    + (capture.droppedFrames() > 0 ? " (" + capture.droppedFrames() + " dropped: the disk fell behind)"
                    : ""));
        } catch (IOException e) {
            out.println("censorsim: warning: " + e.getMessage());
        }
        out.flush();
    }
}
