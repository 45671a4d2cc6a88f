package dev.censorsim.cli;

import dev.censorsim.testing.Tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An {@code nft} wrapper for a child censorsim's PATH that holds every {@code nft -f} (the table's load, the last step
 * of set-up) for 2 s after saying so, so that a test can signal the child while set-up is under way, with the
 * namespace, links, rules and routes already made.
 */
final class SlowNft {

    private final Path bin;
    private final Path loading;

    /** Writes the wrapper under {@code dir}. */
    SlowNft(Path dir) throws IOException {
        bin = Files.createDirectories(dir.resolve("slow-nft"));
        loading = dir.resolve("nft-loading");
        Path wrapper = bin.resolve("nft");
        Files.writeString(wrapper, "#!/bin/sh\n"
                + "if [ \"$1\" = -f ]; then echo $$ > " + loading + ".tmp && mv " + loading + ".tmp " + loading
                + "; sleep 2; fi\n"
                + "exec " + Tools.require("nft", "apt-get install nftables") + " \"$@\"\n");
        assertThat(wrapper.toFile().setExecutable(true)).isTrue();
    }

    /** The PATH that puts the wrapper first. */
    String path() {
        return bin + ":" + System.getenv("PATH");
    }

    /**
     * Waits, at most 60 s and while {@code child} lives, until an {@code nft -f} has begun; returns that nft's pid, or
     * -1 when none began ({@code log} says why in the failure).
     */
    long awaitLoading(Process child, Path log) throws IOException, InterruptedException {
        for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
             !Files.exists(loading) && child.isAlive() && System.nanoTime() < deadline; ) {
            Thread.sleep(20);
        }
        assertThat(loading).as("set-up reached nft -f: %s", Files.readString(log)).exists();
        return Long.parseLong(Files.readString(loading).strip());
    }

    /** Waits, at most 10 s, until process {@code pid} has ended (an nft left running would make its table then). */
    static void awaitEnd(long pid) throws InterruptedException {
        for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
             pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
                     && System.nanoTime() < deadline; ) {
            Thread.sleep(50);
        }
    }
}
