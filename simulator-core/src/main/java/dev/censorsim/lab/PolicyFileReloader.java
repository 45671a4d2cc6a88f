package dev.censorsim.lab;

import dev.censorsim.policy.PolicyException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Re-reads a lab's policy file on demand ({@link #reload()}, what SIGHUP calls) or whenever it changes
 * ({@link #watch}). A file that does not compile leaves the policy in force and is reported as one line,
 * {@code file:line:col: what was expected}; so is a missing file.
 *
 * <p>Watching polls the file's modification time and size, then compares the text with the last one applied: an
 * editor that saves by writing a new file and renaming it over the old one (vim, most IDEs) replaces the inode a
 * directory watch would have to follow, and a poll sees both styles alike at the cost of one {@code stat} per
 * interval. A change is applied once the file has been stable for one interval, so a half-written save is not
 * mistaken for a bad policy.
 */
public final class PolicyFileReloader implements AutoCloseable {

    private final Lab lab;
    private final Path file;
    private final Consumer<String> log;
    private ScheduledExecutorService poller;
    private FileTime seenTime;
    private long seenSize = -1;
    private boolean pending;
    private String appliedText;

    /**
     * @param log receives one line per reload attempt: what was applied, or why the old policy stays
     */
    public PolicyFileReloader(Lab lab, Path file, Consumer<String> log) {
        this.lab = Objects.requireNonNull(lab, "lab");
        this.file = Objects.requireNonNull(file, "file");
        this.log = Objects.requireNonNull(log, "log");
        this.appliedText = lab.policyText();
        stat();
    }

    /**
     * Reads and applies the file now. Thread-safe (a signal handler and the poller may race).
     *
     * @return {@code true} when the new policy is in force
     */
    public synchronized boolean reload() {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            log.accept(file + ": no such policy file; keeping the policy in force");
            return false;
        } catch (IOException e) {
            log.accept(file + ": cannot read: " + e.getMessage() + "; keeping the policy in force");
            return false;
        }
        try {
            lab.applyPolicy(text, file.toString());
        } catch (PolicyException e) {
            log.accept(e.getMessage() + " (keeping the policy in force)");
            appliedText = text; // do not retry the same broken text at every poll
            return false;
        }
        appliedText = text;
        log.accept("policy reloaded from " + file + " (" + lab.policy().rules().size() + " rules, "
                + lab.policy().dnsRules().size() + " DNS rules)");
        return true;
    }

    /** Polls the file every {@code interval} on a daemon thread and reloads it when its text changed. */
    public synchronized PolicyFileReloader watch(Duration interval) {
        if (poller != null) {
            return this;
        }
        poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "censorsim-policy-watch");
            t.setDaemon(true);
            return t;
        });
        long millis = Math.max(10, interval.toMillis());
        poller.scheduleWithFixedDelay(this::poll, millis, millis, TimeUnit.MILLISECONDS);
        return this;
    }

    private synchronized void poll() {
        try {
            boolean changed = stat();
            if (changed) {
                pending = true; // wait one more interval for the writer to finish
                return;
            }
            if (!pending) {
                return;
            }
            pending = false;
            String text = Files.readString(file);
            if (!text.equals(appliedText)) {
                reload();
            }
        } catch (IOException | RuntimeException e) {
            // A file being replaced can vanish for a moment; the next poll sees the new one.
        }
    }

    /** Records the file's time and size; {@code true} when they differ from the last look. */
    private boolean stat() {
        try {
            FileTime time = Files.getLastModifiedTime(file);
            long size = Files.size(file);
            boolean changed = !time.equals(seenTime) || size != seenSize;
            seenTime = time;
            seenSize = size;
            return changed;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public synchronized void close() {
        if (poller != null) {
            poller.shutdownNow();
            poller = null;
        }
    }
}
