package dev.censorsim.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;

/**
 * Opening the files a user names (policies, scenarios, zones, domain lists, captures) so that a hostile or careless
 * path cannot hang or exhaust the process: only regular files are opened, because opening a FIFO blocks until a
 * writer appears and {@code /dev/zero} never ends; and the size is checked against a limit <em>before</em> any byte is
 * parsed, then enforced again while reading, because a file can grow between the check and the read.
 *
 * <p>Every failure is an {@link InputFileException} whose message reads {@code "<path>: <what is wrong>"}.
 */
public final class InputFiles {

    private InputFiles() {
    }

    /**
     * Fails unless {@code file} exists and is a regular file (symbolic links are followed) of at most
     * {@code maxBytes}; returns its size. Never opens the file, so a FIFO cannot block it.
     *
     * @param what how the message names the file, e.g. {@code "policy file"}
     */
    public static long checkRegular(Path file, long maxBytes, String what) throws InputFileException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new InputFileException(file, "no such " + what);
        } catch (IOException e) {
            throw new InputFileException(file, "cannot read " + what + ": " + e.getMessage());
        }
        if (!attributes.isRegularFile()) {
            throw new InputFileException(file, "not a regular file (" + kind(attributes) + "); expected a "
                    + what);
        }
        if (attributes.size() > maxBytes) {
            throw new InputFileException(file, what + " is " + String.format(Locale.ROOT, "%,d bytes", attributes.size())
                    + ", over the limit of " + formatBytes(maxBytes));
        }
        return attributes.size();
    }

    /**
     * Reads a regular file of at most {@code maxBytes} as strict UTF-8 (a malformed byte is an error, not U+FFFD).
     *
     * @param what how the message names the file, e.g. {@code "policy file"}
     */
    public static String readUtf8(Path file, long maxBytes, String what) throws InputFileException {
        byte[] bytes;
        try (InputStream in = open(file, maxBytes, what)) {
            bytes = in.readAllBytes();
        } catch (InputFileException e) {
            throw e;
        } catch (IOException e) {
            throw new InputFileException(file, "cannot read " + what + ": " + e.getMessage());
        }
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new InputFileException(file, what + " is not valid UTF-8");
        }
    }

    /**
     * Opens a checked regular file as a stream that fails with an {@link InputFileException} once more than
     * {@code maxBytes} have been read (the file grew after the check). The caller closes it.
     */
    public static InputStream open(Path file, long maxBytes, String what) throws InputFileException {
        checkRegular(file, maxBytes, what);
        SeekableByteChannel channel;
        try {
            channel = Files.newByteChannel(file);
        } catch (IOException e) {
            throw new InputFileException(file, "cannot read " + what + ": " + e.getMessage());
        }
        return new BoundedInputStream(Channels.newInputStream(channel), maxBytes,
                () -> new InputFileException(file, what + " grew past the limit of " + formatBytes(maxBytes)
                        + " while being read"));
    }

    /** {@code 4 MiB}, {@code 700 KiB}, {@code 12 bytes}: binary units, as limits are powers of two. */
    public static String formatBytes(long bytes) {
        if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + " GiB";
        }
        if (bytes >= 1L << 20) {
            return bytes % (1L << 20) == 0 ? (bytes >> 20) + " MiB"
                    : String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
        }
        if (bytes >= 1L << 10) {
            return bytes % (1L << 10) == 0 ? (bytes >> 10) + " KiB"
                    : String.format(Locale.ROOT, "%.1f KiB", bytes / (double) (1L << 10));
        }
        return bytes + (bytes == 1 ? " byte" : " bytes");
    }

    private static String kind(BasicFileAttributes attributes) {
        if (attributes.isDirectory()) {
            return "a directory";
        }
        if (attributes.isOther()) {
            return "a device, FIFO or socket";
        }
        return "not a plain file";
    }
}
