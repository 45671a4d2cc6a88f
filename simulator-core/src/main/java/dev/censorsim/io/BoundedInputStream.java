package dev.censorsim.io;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Supplier;

/** Passes bytes through until more than a limit have been read, then fails; see {@link InputFiles#open}. */
final class BoundedInputStream extends FilterInputStream {

    private final long limit;
    private final Supplier<IOException> overLimit;
    private long count;

    BoundedInputStream(InputStream in, long limit, Supplier<IOException> overLimit) {
        super(in);
        this.limit = limit;
        this.overLimit = overLimit;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0 && ++count > limit) {
            throw overLimit.get();
        }
        return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n > 0 && (count += n) > limit) {
            throw overLimit.get();
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long skipped = super.skip(n);
        if ((count += skipped) > limit) {
            throw overLimit.get();
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
