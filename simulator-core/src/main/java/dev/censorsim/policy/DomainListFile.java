package dev.censorsim.policy;

import dev.censorsim.classify.DomainMatcher;
import dev.censorsim.io.InputFileException;
import dev.censorsim.io.InputFiles;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Reads a plain-text domain list ({@code lists: { blocked: { file: blocked.txt } }}) straight into a
 * {@link DomainMatcher}: one domain a line, {@code #} to the end of a line is a comment, blank lines and surrounding
 * spaces are ignored, {@code *.} and one trailing dot are allowed as in inline lists. The bytes are parsed as they are
 * read, without a {@code String} per line, so a million domains load in well under a second and the heap keeps only
 * the matcher (about 40 bytes a domain).
 *
 * <p>Only a regular file of at most {@link #MAX_BYTES} is opened; every error reads {@code file:line:col: ...}.
 */
final class DomainListFile {

    /** 64 MiB: room for two million typical domains (a 1 M-domain list is about 25 MB). */
    static final long MAX_BYTES = 64L << 20;
    /** A domain is at most 253 characters; a longer line is a mistake, reported without buffering all of it. */
    private static final int MAX_LINE_BYTES = 1024;

    private DomainListFile() {
    }

    static DomainMatcher read(Path file) throws PolicyException {
        String source = file.toString();
        byte[] chunk = new byte[64 * 1024];
        // A first pass counts the lines (from the page cache, a few milliseconds for 25 MB) so that the matcher's
        // arrays are sized once: growing them by copying allocated twice the heap and took longer than the parse.
        long size;
        int lines = 0;
        try (InputStream in = InputFiles.open(file, MAX_BYTES, "domain list file")) {
            size = InputFiles.checkRegular(file, MAX_BYTES, "domain list file");
            int n;
            while ((n = in.read(chunk)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (chunk[i] == '\n') {
                        lines++;
                    }
                }
            }
        } catch (InputFileException e) {
            throw new PolicyException(source, 0, 0, e.detail(), e);
        } catch (IOException e) {
            throw new PolicyException(source, 0, 0, "cannot read domain list file: " + e.getMessage(), e);
        }
        DomainMatcher.Builder builder = DomainMatcher.builder(lines + 1, size);
        byte[] line = new byte[MAX_LINE_BYTES];
        int lineLength = 0;
        int lineNumber = 1;
        try (InputStream in = InputFiles.open(file, MAX_BYTES, "domain list file")) {
            int n;
            while ((n = in.read(chunk)) > 0) {
                for (int i = 0; i < n; i++) {
                    byte b = chunk[i];
                    if (b == '\n') {
                        entry(builder, source, lineNumber, line, lineLength);
                        lineNumber++;
                        lineLength = 0;
                    } else if (lineLength < MAX_LINE_BYTES) {
                        line[lineLength++] = b;
                    } else {
                        throw new PolicyException(source, lineNumber, MAX_LINE_BYTES + 1, "line longer than "
                                + MAX_LINE_BYTES + " bytes; expected one domain a line");
                    }
                }
            }
            entry(builder, source, lineNumber, line, lineLength);
        } catch (InputFileException e) {
            throw new PolicyException(source, 0, 0, e.detail(), e);
        } catch (IOException e) {
            throw new PolicyException(source, lineNumber, 0, "cannot read domain list file: " + e.getMessage(), e);
        }
        return builder.build();
    }

    /** One line: strip the comment and the blanks around the entry, then add what is left. */
    private static void entry(DomainMatcher.Builder builder, String source, int lineNumber, byte[] line, int length)
            throws PolicyException {
        int end = length;
        for (int i = 0; i < length; i++) {
            if (line[i] == '#') {
                end = i;
                break;
            }
        }
        int start = 0;
        while (start < end && isBlank(line[start])) {
            start++;
        }
        while (end > start && isBlank(line[end - 1])) {
            end--;
        }
        if (start == end) {
            return;
        }
        for (int i = start; i < end; i++) {
            if (isBlank(line[i])) {
                throw new PolicyException(source, lineNumber, i + 1, "expected one domain a line, got a second "
                        + "word; start a comment with '#'");
            }
        }
        try {
            builder.add(line, start, end - start);
        } catch (IllegalArgumentException e) {
            throw new PolicyException(source, lineNumber, start + 1, e.getMessage());
        }
    }

    private static boolean isBlank(byte b) {
        return b == ' ' || b == '\t' || b == '\r';
    }
}
