package dev.censorsim.dns;

import io.netty.handler.codec.dns.DnsRecordType;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ZoneFileLoaderTest {

    private static Zone parse(String text) throws ZoneException {
        return ZoneFileLoader.parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), "test.zone");
    }

    private static final String ZONE = """
            $ORIGIN whatsapp.net.
            $TTL 120
            @        IN SOA ns hostmaster ( 1 3600 600 86400 30 )
                     IN NS  ns
            ns       IN A   127.0.0.1
            g        IN A   127.0.0.1
                     IN AAAA ::1
                     IN HTTPS 1 . alpn="h2,h3" ipv4hint=127.0.0.1
                     IN TXT "a" "b"
            mmg  600 IN CNAME g
            a.b.c    IN A   127.0.0.3
            """;

    @Test
    void masterFileShouldGiveOriginTtlsRecordsAndEmptyNonTerminals() throws Exception {
        Zone zone = parse(ZONE);

        assertThat(zone.origin()).isEqualTo("whatsapp.net");
        assertThat(zone.node("g.whatsapp.net")).containsKeys(DnsRecordType.A.intValue(),
                DnsRecordType.AAAA.intValue(), DnsRecordType.HTTPS.intValue(), DnsRecordType.TXT.intValue());
        assertThat(zone.node("g.whatsapp.net").get(DnsRecordType.A.intValue()).ttlSeconds()).isEqualTo(120);
        RecordSet cname = zone.node("mmg.whatsapp.net").get(DnsRecordType.CNAME.intValue());
        assertThat(cname.ttlSeconds()).isEqualTo(600);
        assertThat(cname.cnameTarget()).isEqualTo("g.whatsapp.net");
        assertThat(zone.isEmptyNonTerminal("b.c.whatsapp.net")).isTrue();
        assertThat(zone.isEmptyNonTerminal("c.whatsapp.net")).isTrue();
        assertThat(zone.isEmptyNonTerminal("nope.whatsapp.net")).isFalse();
        assertThat(zone.negativeTtlSeconds()).as("min(SOA TTL, MINIMUM)").isEqualTo(30);
        assertThat(zone.node("g.whatsapp.net").get(DnsRecordType.A.intValue()).rdata().get(0))
                .containsExactly(127, 0, 0, 1);
    }

    @Test
    void shippedMessengerZoneShouldLoadWithEveryMessengerName() throws Exception {
        Zone zone = ZoneFileLoader.load(Path.of("..", "scenarios", "zones", "messenger.zone"));

        for (String name : new String[] {"g.whatsapp.net", "whatsapp.com", "web.whatsapp.com", "wa.me",
                "dns.doh.test", "cdn.allowed.test"}) {
            assertThat(zone.node(name)).as(name).containsKey(DnsRecordType.A.intValue());
        }
        assertThat(zone.node("mmg.whatsapp.net")).containsKey(DnsRecordType.CNAME.intValue());
        assertThat(zone.node("web.whatsapp.com")).containsKey(DnsRecordType.HTTPS.intValue());
    }

    @Test
    void badZonesShouldFailWithTheFileAndProblem() {
        assertThatThrownBy(() -> parse("$ORIGIN a.test.\n$TTL 60\nwww IN A 127.0.0.1\n"))
                .isInstanceOf(ZoneException.class).hasMessageContaining("test.zone").hasMessageContaining("SOA");
        assertThatThrownBy(() -> parse("$ORIGIN a.test.\n@ IN SOA ns hm 1 2 3 4 5\nwww IN A 300.1.1.1\n"))
                .isInstanceOf(ZoneException.class).hasMessageStartingWith("test.zone:3: ");
        assertThatThrownBy(() -> parse("$ORIGIN a.test.\n@ IN SOA ns hm 1 2 3 4 5\nwww IN CNAME x\nwww IN A 1.2.3.4\n"))
                .isInstanceOf(ZoneException.class).hasMessageContaining("CNAME and other data");
        assertThatThrownBy(() -> parse("$ORIGIN a.test.\n@ IN SOA ns hm 1 2 3 4 5\nx.b.test. IN A 1.2.3.4\n"))
                .isInstanceOf(ZoneException.class).hasMessageContaining("outside the zone");
        assertThatThrownBy(() -> ZoneFileLoader.load(Path.of("missing.zone")))
                .isInstanceOf(ZoneException.class).hasMessage("missing.zone: no such zone file");
    }

    @Test
    void builderShouldRejectWhatCannotBeServed() {
        assertThatThrownBy(() -> Zone.builder("a.test").a("www.a.test", "www.example.com"))
                .as("no name is ever resolved").hasMessageContaining("IPv4 address literal");
        assertThatThrownBy(() -> Zone.builder("a.test").a("www.b.test", "127.0.0.1"))
                .hasMessageContaining("outside the zone");
        assertThat(Zone.builder().a("anything.example", "127.0.0.1").build().origin()).isEmpty();
    }
}
