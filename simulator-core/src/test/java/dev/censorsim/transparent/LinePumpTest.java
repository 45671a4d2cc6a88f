package dev.censorsim.transparent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class LinePumpTest {

    @Test
    void aLogLineWrittenBetweenTwoReadsShouldNotLandInsideTheCommandsLine() {
        ByteArrayOutputStream shared = new ByteArrayOutputStream();
        Object lock = new Object();
        // The pipe hands the line over in two reads; the flow log writes its own line between them.
        ScriptedStream command = new ScriptedStream("curl: (35) Recv failure: Connection re",
                "set by peer\nnext line\n");
        command.beforeSecondRead = () -> {
            synchronized (lock) {
                shared.writeBytes("10.0.0.2:40532 -> 127.0.0.1:443 action=reset\n".getBytes(StandardCharsets.UTF_8));
            }
        };

        new LinePump(command, shared, lock).run();

        assertThat(shared.toString(StandardCharsets.UTF_8)).isEqualTo("""
                10.0.0.2:40532 -> 127.0.0.1:443 action=reset
                curl: (35) Recv failure: Connection reset by peer
                next line
                """);
    }

    @Test
    void aBatchShouldBeWrittenWhileHoldingTheSharedLock() throws Exception {
        Object lock = new Object();
        AtomicBoolean heldWhileWriting = new AtomicBoolean(true);
        OutputStream checking = new OutputStream() {
            @Override
            public void write(int b) {
                heldWhileWriting.compareAndSet(true, Thread.holdsLock(lock));
            }
        };

        new LinePump(new ScriptedStream("one\ntwo", "\nthree"), checking, lock).run();

        assertThat(heldWhileWriting).as("every byte written under the lock the log takes").isTrue();
    }

    @Test
    void bytesThatAreNoTextInTheDefaultCharsetShouldPassUnchanged() {
        // Not UTF-8 (0xff 0xfe), and UTF-8 that US-ASCII, the default charset under LANG=C, cannot decode ("é").
        byte[] bytes = {(byte) 0xff, (byte) 0xfe, '\n', 'c', 'a', 'f', (byte) 0xc3, (byte) 0xa9, '\n', 0, (byte) 0x80};
        ByteArrayOutputStream to = new ByteArrayOutputStream();

        new LinePump(new ScriptedStream(Arrays.copyOf(bytes, 7), Arrays.copyOfRange(bytes, 7, bytes.length)), to,
                new Object()).run();

        assertThat(to.toByteArray()).isEqualTo(bytes);
    }

    @Test
    void anUnfinishedLineThatNothingFollowsShouldBeWrittenWithoutWaitingForMore() throws Exception {
        byte[] whileWaiting = pumpWhileTheCommandWaits(new ScriptedStream("Password: ", "secret\n"),
                "Password: secret\n".getBytes(StandardCharsets.UTF_8));

        assertThat(new String(whileWaiting, StandardCharsets.UTF_8)).as("a prompt is written while the command waits")
                .isEqualTo("Password: ");
    }

    @Test
    void aLineLongerThanTheBufferAndAnUnterminatedEndShouldArriveWhole() {
        ByteArrayOutputStream to = new ByteArrayOutputStream();
        String longLine = "x".repeat(20_000) + "\n";
        new LinePump(new ScriptedStream(longLine, "no newline at the end"), to, new Object()).run();

        assertThat(to.toString(StandardCharsets.UTF_8)).isEqualTo(longLine + "no newline at the end");
    }

    @Test
    void aPromptCutInsideACharacterShouldBeWrittenAsItIsAndTheRestFollow() throws Exception {
        byte[] line = "Пароль: ok\n".getBytes(StandardCharsets.UTF_8);
        int cut = 3; // inside "а", the second letter (Cyrillic letters take two bytes)
        byte[] whileWaiting = pumpWhileTheCommandWaits(
                new ScriptedStream(Arrays.copyOf(line, cut), Arrays.copyOfRange(line, cut, line.length)), line);

        assertThat(whileWaiting).as("the prompt's bytes, while the command waits; the reader's decoder joins them")
                .isEqualTo(Arrays.copyOf(line, cut));
    }

    /**
     * Pumps {@code command}, whose second chunk comes only after the test has seen what the pump wrote while the
     * command waited (at most 5 s); returns that, and checks that everything ends up as {@code whole}.
     */
    private static byte[] pumpWhileTheCommandWaits(ScriptedStream command, byte[] whole) throws Exception {
        ByteArrayOutputStream to = new ByteArrayOutputStream();
        CountDownLatch release = new CountDownLatch(1);
        command.secondChunkInPipe = false;
        command.beforeSecondRead = () -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        Thread pump = new Thread(new LinePump(command, to, new Object()));
        pump.start();
        byte[] whileWaiting;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (to.size() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            whileWaiting = to.toByteArray();
        } finally {
            release.countDown();
            pump.join(5_000);
        }
        assertThat(to.toByteArray()).isEqualTo(whole);
        return whileWaiting;
    }

    @Test
    void aLongLineCutAtTheBufferInsideACharacterShouldArriveWhole() {
        ByteArrayOutputStream to = new ByteArrayOutputStream();
        // Three bytes a character: 8,192-byte reads end inside one.
        String longLine = "€".repeat(7_000) + "\n";
        new LinePump(new ScriptedStream(longLine), to, new Object()).run();

        assertThat(to.toString(StandardCharsets.UTF_8)).isEqualTo(longLine);
    }

    @Test
    void aCharacterTheCommandNeverFinishedShouldBeWrittenAsItIsAtTheEnd() {
        ByteArrayOutputStream to = new ByteArrayOutputStream();
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
        new LinePump(new ScriptedStream("ok ".getBytes(StandardCharsets.UTF_8), Arrays.copyOf(euro, 2)), to,
                new Object()).run();

        assertThat(to.toByteArray()).isEqualTo(new byte[] {'o', 'k', ' ', euro[0], euro[1]});
    }

    @Test
    void aClosedPrintStreamShouldStopThePumpAndCloseTheCommandsPipe() throws Exception {
        // `censorsim run -- yes | head -1`: the reader of our output leaves; System.out only sets its error flag.
        assertClosedOutputStopsThePump(new PrintStream(brokenPipe(), true));
    }

    @Test
    void aThrowingOutputShouldStopThePumpAndCloseTheCommandsPipe() throws Exception {
        assertClosedOutputStopsThePump(brokenPipe());
    }

    private static void assertClosedOutputStopsThePump(OutputStream output) throws Exception {
        AtomicBoolean closed = new AtomicBoolean();
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return 'y';
            }

            @Override
            public int read(byte[] b, int off, int len) {
                for (int i = 0; i < len; i++) {
                    b[off + i] = (byte) (i % 2 == 0 ? 'y' : '\n');
                }
                return len;
            }

            @Override
            public void close() {
                closed.set(true);
            }
        };
        Thread pump = new Thread(new LinePump(endless, output, new Object()));
        pump.setDaemon(true); // so that a pump that never stops cannot keep the test JVM alive
        pump.start();
        pump.join(10_000);

        assertThat(pump.isAlive()).as("the pump stopped").isFalse();
        assertThat(closed).as("and closed the command's pipe").isTrue();
    }

    /** An output whose reader leaves after 100 bytes, as a pipe to {@code head -1} does. */
    private static OutputStream brokenPipe() {
        return new OutputStream() {
            private int written;

            @Override
            public void write(int b) throws IOException {
                if (++written > 100) {
                    throw new IOException("Broken pipe");
                }
            }
        };
    }

    /** Hands out each chunk in reads of at most the caller's buffer, like a pipe that the command wrote in chunks. */
    private static final class ScriptedStream extends InputStream {
        private final Deque<byte[]> chunks = new ArrayDeque<>();
        private byte[] current = new byte[0];
        private int position;
        private int reads;
        Runnable beforeSecondRead = () -> { };
        boolean secondChunkInPipe = true;

        ScriptedStream(String... chunks) {
            for (String chunk : chunks) {
                this.chunks.add(chunk.getBytes(StandardCharsets.UTF_8));
            }
        }

        ScriptedStream(byte[]... chunks) {
            this.chunks.addAll(Arrays.asList(chunks));
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position == current.length) {
                if (chunks.isEmpty()) {
                    return -1;
                }
                if (++reads == 2) {
                    beforeSecondRead.run();
                }
                current = chunks.poll();
                position = 0;
            }
            int n = Math.min(len, current.length - position);
            System.arraycopy(current, position, b, off, n);
            position += n;
            return n;
        }

        @Override
        public int available() {
            // Unless a test holds it back, the second chunk is already in the pipe when the first is read.
            return current.length - position + (secondChunkInPipe && reads == 1 && !chunks.isEmpty() ? 1 : 0);
        }
    }
}
