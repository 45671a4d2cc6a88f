package dev.censorsim.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(30)
class InputFilesTest {

    @TempDir
    Path dir;

    @Test
    void fifoShouldBeRefusedWithoutOpeningIt() throws Exception {
        Path fifo = SpecialFiles.fifo(dir, "policy.yaml");

        assertThatThrownBy(() -> InputFiles.readUtf8(fifo, 1024, "policy file"))
                .isInstanceOf(InputFileException.class)
                .hasMessage(fifo + ": not a regular file (a device, FIFO or socket); expected a policy file");
    }

    @Test
    void devZeroAndDirectoriesShouldBeRefused() {
        assertThatThrownBy(() -> InputFiles.open(Path.of("/dev/zero"), 1024, "zone file"))
                .hasMessageStartingWith("/dev/zero: not a regular file");
        assertThatThrownBy(() -> InputFiles.readUtf8(dir, 1024, "scenario file"))
                .hasMessage(dir + ": not a regular file (a directory); expected a scenario file");
        assertThatThrownBy(() -> InputFiles.readUtf8(dir.resolve("missing"), 1024, "scenario file"))
                .hasMessage(dir.resolve("missing") + ": no such scenario file");
    }

    @Test
    void sizeShouldBeCheckedBeforeReadingAndNamedInBinaryUnits() throws Exception {
        Path big = dir.resolve("big.yaml");
        Files.write(big, new byte[(4 << 20) + 1]);

        assertThatThrownBy(() -> InputFiles.readUtf8(big, 4 << 20, "policy file"))
                .isInstanceOf(InputFileException.class)
                .hasMessage(big + ": policy file is 4,194,305 bytes, over the limit of 4 MiB");
        Files.writeString(big, "ok");
        assertThat(InputFiles.readUtf8(big, 2, "policy file")).isEqualTo("ok");
    }

    @Test
    void fileThatGrowsAfterTheCheckShouldStopAtTheLimit() throws Exception {
        Path file = dir.resolve("grows.txt");
        Files.writeString(file, "0123456789");
        try (InputStream in = InputFiles.open(file, 10, "list file");
             OutputStream append = Files.newOutputStream(file, java.nio.file.StandardOpenOption.APPEND)) {
            append.write("more".getBytes(StandardCharsets.US_ASCII));
            append.flush();
            assertThatThrownBy(in::readAllBytes).isInstanceOf(InputFileException.class)
                    .hasMessageContaining("grew past the limit of 10 bytes");
        }
    }

    @Test
    void malformedUtf8ShouldBeAnErrorNotAReplacementCharacter() throws Exception {
        Path file = dir.resolve("latin1.yaml");
        Files.write(file, new byte[] {'a', ':', ' ', (byte) 0xe9, '\n'});

        assertThatThrownBy(() -> InputFiles.readUtf8(file, 1024, "policy file"))
                .hasMessage(file + ": policy file is not valid UTF-8");
    }
}
