package dev.censorsim.dns;

import dev.censorsim.io.SpecialFiles;
import io.netty.handler.codec.dns.DnsRecordType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedWriter;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Bounds on zone files, checked before dnsjava parses them: each case below ran for 40 s at 4.9 GB before it was
 * killed, or hung.
 */
@Timeout(60)
class ZoneFileLimitsTest {

    private static final String HEAD = "$ORIGIN a.test.\n$TTL 60\n@ IN SOA ns hm ( 1 3600 600 86400 30 )\n";

    @TempDir
    Path dir;

    private Path zone(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void devZeroAndFifoShouldBeRefusedAtOnce() throws Exception {
        assertThatThrownBy(() -> ZoneFileLoader.load(Path.of("/dev/zero"))).isInstanceOf(ZoneException.class)
                .hasMessage("/dev/zero: not a regular file (a device, FIFO or socket); expected a zone file");
        Path fifo = SpecialFiles.fifo(dir, "z.zone");
        assertThatThrownBy(() -> ZoneFileLoader.load(fifo)).hasMessageStartingWith(fifo + ": not a regular file");
    }

    @Test
    void generateOverItsLimitShouldFailAtItsLine() throws Exception {
        Path file = zone("g.zone", HEAD + "$GENERATE 1-100000000 host$ A 127.0.0.$\n");

        assertThatThrownBy(() -> ZoneFileLoader.load(file))
                .hasMessage(file + ":4: $GENERATE 1-100000000 makes 100000000 records, over the limit of 65536 per "
                        + "$GENERATE");
    }

    @Test
    void generateWithinItsLimitShouldStillExpand() throws Exception {
        Zone z = ZoneFileLoader.load(zone("g.zone", HEAD + "$GENERATE 1-200/2 host$ A 127.0.0.$\n"));

        assertThat(z.node("host199.a.test")).containsKey(DnsRecordType.A.intValue());
        assertThat(z.node("host2.a.test")).isNull();
    }

    @Test
    void manyGeneratesShouldHitTheRecordLimitAtTheLineThatCrossesIt() throws Exception {
        StringBuilder text = new StringBuilder(HEAD);
        for (int i = 0; i < 20; i++) {
            text.append("$GENERATE 0-65535 h").append(i).append("-$ A 127.0.0.1\n");
        }
        Path file = zone("many.zone", text.toString());

        // SOA + 15 * 65,536 = 983,041 records; the 16th $GENERATE (line 19) crosses a million.
        assertThatThrownBy(() -> ZoneFileLoader.load(file))
                .hasMessage(file + ":19: more than 1000000 records, the limit for one zone");
    }

    @Test
    void includeOfDevZeroShouldBeRefusedAtItsLine() throws Exception {
        Path file = zone("i.zone", HEAD + "$INCLUDE /dev/zero\n");

        assertThatThrownBy(() -> ZoneFileLoader.load(file))
                .hasMessage(file + ":4: in $INCLUDE: /dev/zero: not a regular file (a device, FIFO or socket); "
                        + "expected a zone file");
    }

    @Test
    void includeRelativeToTheIncludingFileShouldLoad() throws Exception {
        Files.createDirectories(dir.resolve("sub"));
        zone("sub/hosts.zone", "www IN A 127.0.0.7\n");
        Path file = zone("main.zone", HEAD + "$INCLUDE sub/hosts.zone\n");

        assertThat(ZoneFileLoader.load(file).node("www.a.test")).containsKey(DnsRecordType.A.intValue());
    }

    @Test
    void includeLoopsAndDeepNestingShouldFailWithTheChain() throws Exception {
        Path self = zone("self.zone", HEAD + "$INCLUDE self.zone\n");
        assertThatThrownBy(() -> ZoneFileLoader.load(self))
                .hasMessageStartingWith(self + ":4: in $INCLUDE: " + self + ": includes itself");

        for (int i = 0; i < 12; i++) {
            zone("d" + i + ".zone", "$INCLUDE d" + (i + 1) + ".zone\n");
        }
        zone("d12.zone", "www IN A 127.0.0.1\n");
        Path deep = zone("deep.zone", HEAD + "$INCLUDE d0.zone\n");
        assertThatThrownBy(() -> ZoneFileLoader.load(deep)).hasMessageContaining("$INCLUDE nested more than 8 deep");
    }

    @Test
    void zoneOverTheByteLimitShouldBeRefusedBeforeParsing() throws Exception {
        Path big = dir.resolve("big.zone");
        try (BufferedWriter w = Files.newBufferedWriter(big, StandardCharsets.US_ASCII)) {
            w.write(HEAD);
            char[] comment = new char[1023];
            java.util.Arrays.fill(comment, 'x');
            for (int i = 0; i < 65 * 1024; i++) {
                w.write(';');
                w.write(comment, 0, 1022);
                w.write('\n');
            }
        }
        assertThatThrownBy(() -> ZoneFileLoader.load(big))
                .hasMessageStartingWith(big + ": zone file is ").hasMessageEndingWith("over the limit of 64 MiB");
    }

    @Test
    void zoneTextFromAStreamShouldRefuseIncludes() {
        byte[] text = (HEAD + "$INCLUDE /etc/hosts\n").getBytes(StandardCharsets.US_ASCII);

        assertThatThrownBy(() -> ZoneFileLoader.parse(new ByteArrayInputStream(text), "inline.zone"))
                .hasMessage("inline.zone:4: $INCLUDE needs a zone file to be relative to");
    }

    @Test
    void multiLineRecordsShouldCountOnce() throws Exception {
        Path file = zone("ml.zone", HEAD + "www IN TXT ( \"a\" ; comment (\n  \"b\" )\n; (\nx IN A 127.0.0.1\n");

        Zone z = ZoneFileLoader.load(file);

        assertThat(ZoneFileScan.scanFile(file)).isEqualTo(3);
        assertThat(z.node("x.a.test")).containsKey(DnsRecordType.A.intValue());
    }
}
