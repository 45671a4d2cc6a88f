package dev.censorsim.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;

/** Seeded pseudo-random test data and its SHA-256, so both ends of a relay can check byte-exactness. */
public final class Payload {

    private static final int BLOCK = 64 * 1024;

    private Payload() {
    }

    /** Writes {@code bytes} of seeded data and returns its SHA-256 in hex. */
    public static String write(OutputStream out, long bytes, long seed) throws IOException {
        MessageDigest digest = sha256();
        SplittableRandom random = new SplittableRandom(seed);
        byte[] block = new byte[BLOCK];
        long left = bytes;
        while (left > 0) {
            int n = (int) Math.min(BLOCK, left);
            for (int i = 0; i < n; i += 8) {
                long r = random.nextLong();
                for (int j = 0; j < 8 && i + j < n; j++) {
                    block[i + j] = (byte) (r >>> (j * 8));
                }
            }
            out.write(block, 0, n);
            digest.update(block, 0, n);
            left -= n;
        }
        out.flush();
        return HexFormat.of().formatHex(digest.digest());
    }

    /** The SHA-256 of what {@link #write} produces, computed without I/O. */
    public static String expectedSha256(long bytes, long seed) {
        try {
            DigestOutput sink = new DigestOutput();
            return write(sink, bytes, seed);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads to EOF and returns the count and SHA-256. */
    /**
     * Reads until the peer closes or the socket's read timeout passes with nothing arriving (a frozen or black-holed
     * flow); returns how many bytes came. Set {@code SO_TIMEOUT} on the socket first.
     */
    public static long readUntilSilent(InputStream in) throws IOException {
        byte[] buffer = new byte[8192];
        long total = 0;
        while (true) {
            try {
                int n = in.read(buffer);
                if (n < 0) {
                    return total;
                }
                total += n;
            } catch (java.net.SocketTimeoutException silent) {
                return total;
            }
        }
    }

    public static Digest readAll(InputStream in) throws IOException {
        MessageDigest digest = sha256();
        byte[] buffer = new byte[BLOCK];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) > 0) {
            digest.update(buffer, 0, n);
            total += n;
        }
        return new Digest(total, HexFormat.of().formatHex(digest.digest()));
    }

    /** A byte count and the SHA-256 of those bytes. */
    public record Digest(long bytes, String sha256) {
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class DigestOutput extends OutputStream {
        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }
    }
}
