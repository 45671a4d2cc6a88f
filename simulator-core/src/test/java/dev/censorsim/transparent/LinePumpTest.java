package dev.censorsim.transparent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LinePumpTest {

    @Test
    void aLogLineWrittenBetweenTwoReadsShouldNotLandInsideTheCommandsLine() {
        StringWriter text = new StringWriter();
        PrintWriter shared = new PrintWriter(text, true);
        // The pipe hands the line over in two reads; the flow log writes its own line between them.
        ScriptedStream command = new ScriptedStream("curl: (35) Recv failure: Connection re",
                "set by peer\nnext line\n");
        command.beforeSecondRead = () -> shared.println("10.0.0.2:40532 -> 127.0.0.1:443 action=reset");

        new LinePump(command, shared, StandardCharsets.UTF_8).run();

        assertThat(text.toString()).isEqualTo("""
                10.0.0.2:40532 -> 127.0.0.1:443 action=reset
                curl: (35) Recv failure: Connection reset by peer
                next line
                """);
    }

    @Test
    void anUnfinishedLineThatNothingFollowsShouldBeWrittenWithoutWaitingForMore() throws Exception {
        String whileWaiting = pumpWhileTheCommandWaits(new ScriptedStream("Password: ", "secret\n"),
                "Password: secret\n");

        assertThat(whileWaiting).as("a prompt is written while the command waits").isEqualTo("Password: ");
    }

    @Test
    void aLineLongerThanTheBufferAndAnUnterminatedEndShouldArriveWhole() {
        StringWriter text = new StringWriter();
        String longLine = "x".repeat(20_000) + "\n";
        new LinePump(new ScriptedStream(longLine, "no newline at the end"), new PrintWriter(text, true),
                StandardCharsets.UTF_8).run();

        assertThat(text.toString()).isEqualTo(longLine + "no newline at the end");
    }

    @Test
    void aPromptCutInsideACharacterShouldWaitForTheRestOfIt() throws Exception {
        byte[] line = "Пароль: ok\n".getBytes(StandardCharsets.UTF_8);
        int cut = 3; // inside "а", the second letter (Cyrillic letters take two bytes)
        String whileWaiting = pumpWhileTheCommandWaits(
                new ScriptedStream(Arrays.copyOf(line, cut), Arrays.copyOfRange(line, cut, line.length)),
                "Пароль: ok\n");

        assertThat(whileWaiting).as("the prompt's whole characters, while the command waits").isEqualTo("П");
    }

    /**
     * Pumps {@code command}, whose second chunk comes only after the test has seen what the pump wrote while the
     * command waited (at most 5 s); returns that, and checks that everything ends up as {@code whole}.
     */
    private static String pumpWhileTheCommandWaits(ScriptedStream command, String whole) throws Exception {
        StringWriter text = new StringWriter();
        CountDownLatch release = new CountDownLatch(1);
        command.secondChunkInPipe = false;
        command.beforeSecondRead = () -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        Thread pump = new Thread(new LinePump(command, new PrintWriter(text, true), StandardCharsets.UTF_8));
        pump.start();
        String whileWaiting;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (text.toString().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            whileWaiting = text.toString();
        } finally {
            release.countDown();
            pump.join(5_000);
        }
        assertThat(text.toString()).isEqualTo(whole);
        return whileWaiting;
    }

    @Test
    void aLongLineCutAtTheBufferInsideACharacterShouldArriveWhole() {
        StringWriter text = new StringWriter();
        // Three bytes a character: 8,192-byte reads end inside one.
        String longLine = "€".repeat(7_000) + "\n";
        new LinePump(new ScriptedStream(longLine), new PrintWriter(text, true), StandardCharsets.UTF_8).run();

        assertThat(text.toString()).isEqualTo(longLine);
    }

    @Test
    void aCharacterTheCommandNeverFinishedShouldBecomeAReplacementCharacterAtTheEnd() {
        StringWriter text = new StringWriter();
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
        new LinePump(new ScriptedStream("ok ".getBytes(StandardCharsets.UTF_8), Arrays.copyOf(euro, 2)),
                new PrintWriter(text, true), StandardCharsets.UTF_8).run();

        assertThat(text.toString()).isEqualTo("ok \uFFFD");
    }

    @Test
    void aClosedOutputShouldStopThePumpAndCloseTheCommandsPipe() throws Exception {
        // `censorsim run -- yes | head -1`: the reader of our output leaves; PrintWriter only sets its error flag.
        java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
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
        java.io.OutputStream brokenPipe = new java.io.OutputStream() {
            private int written;

            @Override
            public void write(int b) throws java.io.IOException {
                if (++written > 100) {
                    throw new java.io.IOException("Broken pipe");
                }
            }
        };
        Thread pump = new Thread(new LinePump(endless, new PrintWriter(brokenPipe, true), StandardCharsets.UTF_8));
        pump.setDaemon(true); // so that a pump that never stops cannot keep the test JVM alive
        pump.start();
        pump.join(10_000);

        assertThat(pump.isAlive()).as("the pump stopped").isFalse();
        assertThat(closed).as("and closed the command's pipe").isTrue();
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
