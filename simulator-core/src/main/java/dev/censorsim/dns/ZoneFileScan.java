package dev.censorsim.dns;

import dev.censorsim.io.InputFileException;
import dev.censorsim.io.InputFiles;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * A cheap first pass over a master file and everything it {@code $INCLUDE}s, run before dnsjava parses a byte, that
 * bounds what the parse can cost: dnsjava follows {@code $INCLUDE} to any path (a FIFO blocks it, {@code /dev/zero}
 * never ends, a file that includes itself recurses until the stack or the descriptors run out) and expands
 * {@code $GENERATE 1-4294967295} one record at a time.
 *
 * <p>The scan tokenises just enough of RFC 1035 section 5.1 to count records exactly: a record is a logical line
 * (parentheses continue it over physical lines), {@code ;} starts a comment outside quotes, and a directive is a line
 * whose first character is {@code $}. Every limit is reported as {@code file:line: ...}.
 */
final class ZoneFileScan {

    private final Deque<Path> including = new ArrayDeque<>();
    private long bytes;
    private long records;

    private ZoneFileScan() {
    }

    /** Scans {@code file} and its includes; returns the number of records the parse will produce. */
    static long scanFile(Path file) throws ZoneException {
        ZoneFileScan scan = new ZoneFileScan();
        scan.file(file, file.toString(), true);
        return scan.records;
    }

    /** Scans master-file text that comes from no file: an {@code $INCLUDE} has nothing to be relative to. */
    static long scanText(byte[] text, String source) throws ZoneException {
        ZoneFileScan scan = new ZoneFileScan();
        try {
            scan.lines(new ByteArrayInputStream(text), null, source, false);
        } catch (IOException e) {
            throw new ZoneException(source + ": cannot read zone: " + e.getMessage());
        }
        return scan.records;
    }

    private void file(Path file, String shown, boolean includesAllowed) throws ZoneException {
        if (including.size() > ZoneFileLoader.MAX_INCLUDE_DEPTH) {
            throw new ZoneException(shown + ": $INCLUDE nested more than " + ZoneFileLoader.MAX_INCLUDE_DEPTH
                    + " deep (through " + including + ")");
        }
        Path key = file.toAbsolutePath().normalize();
        if (including.contains(key)) {
            throw new ZoneException(shown + ": includes itself (through " + including + ")");
        }
        long size;
        try {
            size = InputFiles.checkRegular(file, ZoneFileLoader.MAX_FILE_BYTES - bytes, "zone file");
        } catch (InputFileException e) {
            throw new ZoneException(e.getMessage() + (bytes > 0 && e.detail().contains("over the limit")
                    ? " (the limit counts every included file)" : ""));
        }
        bytes += size;
        including.push(key);
        try (InputStream in = InputFiles.open(file, size, "zone file")) {
            lines(in, file, shown, includesAllowed);
        } catch (InputFileException e) {
            throw new ZoneException(e.getMessage());
        } catch (IOException e) {
            throw new ZoneException(shown + ": cannot read zone file: " + e.getMessage());
        } finally {
            including.pop();
        }
    }

    private void lines(InputStream in, Path file, String shown, boolean includesAllowed)
            throws IOException, ZoneException {
        byte[] chunk = new byte[64 * 1024];
        byte[] line = new byte[ZoneFileLoader.MAX_LINE_BYTES];
        int length = 0;
        int number = 1;
        int parentheses = 0;
        int n;
        while ((n = in.read(chunk)) >= 0) {
            for (int i = 0; i < n; i++) {
                byte b = chunk[i];
                if (b == '\n') {
                    parentheses = line(line, length, parentheses, number, file, shown, includesAllowed);
                    number++;
                    length = 0;
                } else if (length == line.length) {
                    throw new ZoneException(shown + ":" + number + ": line longer than "
                            + ZoneFileLoader.MAX_LINE_BYTES + " bytes");
                } else {
                    line[length++] = b;
                }
            }
        }
        line(line, length, parentheses, number, file, shown, includesAllowed);
    }

    /** One physical line; returns the parenthesis depth at its end. */
    private int line(byte[] line, int length, int depth, int number, Path file, String shown,
                     boolean includesAllowed) throws ZoneException {
        if (depth == 0 && length > 0 && line[0] == '$') {
            directive(new String(line, 0, length, StandardCharsets.ISO_8859_1), number, file, shown, includesAllowed);
            return 0;
        }
        boolean content = false;
        boolean quoted = false;
        int startDepth = depth;
        for (int i = 0; i < length; i++) {
            byte c = line[i];
            if (quoted) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    quoted = false;
                }
                continue;
            }
            if (c == ';') {
                break;
            } else if (c == '"') {
                quoted = true;
                content = true;
            } else if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth = Math.max(0, depth - 1);
            } else if (c != ' ' && c != '\t' && c != '\r') {
                content = true;
            }
        }
        if (startDepth == 0 && (content || depth > 0)) {
            count(1, number, shown);
        }
        return depth;
    }

    private void directive(String text, int number, Path file, String shown, boolean includesAllowed)
            throws ZoneException {
        String[] words = text.split("[ \t\r]+");
        String name = words[0].toUpperCase(Locale.ROOT);
        String at = shown + ":" + number + ": ";
        if (name.equals("$GENERATE")) {
            count(generated(words.length > 1 ? words[1] : "", at), number, shown);
        } else if (name.equals("$INCLUDE")) {
            if (!includesAllowed || file == null) {
                throw new ZoneException(at + "$INCLUDE needs a zone file to be relative to");
            }
            if (words.length < 2 || words[1].startsWith(";")) {
                throw new ZoneException(at + "expected a file name after $INCLUDE");
            }
            String target = words[1];
            if (target.length() >= 2 && target.startsWith("\"") && target.endsWith("\"")) {
                target = target.substring(1, target.length() - 1);
            }
            // dnsjava's rule: absolute as written, otherwise relative to the including file's directory.
            Path included = Path.of(target);
            if (!included.isAbsolute()) {
                Path parent = file.getParent();
                included = parent == null ? included : parent.resolve(included);
            }
            try {
                file(included, included.toString(), true);
            } catch (ZoneException e) {
                throw new ZoneException(at + "in $INCLUDE: " + e.getMessage());
            }
        }
    }

    /** The number of records {@code start-end[/step]} expands to (dnsjava validates the syntax itself). */
    private static long generated(String range, String at) throws ZoneException {
        try {
            int dash = range.indexOf('-');
            int slash = range.indexOf('/');
            long start = Long.parseLong(range.substring(0, dash));
            long end = Long.parseLong(range.substring(dash + 1, slash < 0 ? range.length() : slash));
            long step = slash < 0 ? 1 : Long.parseLong(range.substring(slash + 1));
            if (start < 0 || end < start || step < 1) {
                throw new ZoneException(at + "expected a $GENERATE range start-end[/step] with start <= end, got "
                        + range);
            }
            long count = (end - start) / step + 1;
            if (count > ZoneFileLoader.MAX_GENERATE) {
                throw new ZoneException(at + "$GENERATE " + range + " makes " + count + " records, over the limit of "
                        + ZoneFileLoader.MAX_GENERATE + " per $GENERATE");
            }
            return count;
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            throw new ZoneException(at + "expected a $GENERATE range start-end[/step], got '" + range + "'");
        }
    }

    private void count(long more, int number, String shown) throws ZoneException {
        records += more;
        if (records > ZoneFileLoader.MAX_RECORDS) {
            throw new ZoneException(shown + ":" + number + ": more than " + ZoneFileLoader.MAX_RECORDS
                    + " records, the limit for one zone");
        }
    }
}
