package dev.censorsim.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Test helper: special files a careless or hostile user may name instead of a regular file. */
public final class SpecialFiles {

    private SpecialFiles() {
    }

    /** Makes a FIFO with mkfifo(1) (coreutils); nothing ever writes to it, so opening it for reading would block. */
    public static Path fifo(Path dir, String name) throws IOException, InterruptedException {
        Path fifo = dir.resolve(name);
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).redirectErrorStream(true).start();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("mkfifo failed (install the coreutils package): "
                    + new String(p.getInputStream().readAllBytes()));
        }
        return fifo;
    }
}
