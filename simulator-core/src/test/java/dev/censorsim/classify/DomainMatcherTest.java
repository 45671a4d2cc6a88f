package dev.censorsim.classify;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DomainMatcherTest {

    private final DomainMatcher whatsapp = DomainMatcher.of(List.of("whatsapp.net", "wa.me", "*.whatsapp.com"));

    @Test
    void shouldMatchListedDomainAndItsSubdomains() {
        assertMatches(whatsapp, "whatsapp.net", true);
        assertMatches(whatsapp, "g.whatsapp.net", true);
        assertMatches(whatsapp, "a.b.c.whatsapp.net", true);
        assertMatches(whatsapp, "wa.me", true);
    }

    @Test
    void shouldMatchOnlyOnLabelBoundaries() {
        assertMatches(whatsapp, "notwhatsapp.net", false);
        assertMatches(whatsapp, "net", false);
        assertMatches(whatsapp, "whatsapp.net.evil.example", false);
        assertMatches(whatsapp, "hatsapp.net", false);
        assertMatches(whatsapp, "swa.me", false);
        assertMatches(whatsapp, "me", false);
    }

    @Test
    void shouldIgnoreCaseAndOneTrailingDot() {
        assertMatches(whatsapp, "G.WhatsApp.NET.", true);
        assertMatches(whatsapp, "WHATSAPP.NET", true);
        assertMatches(whatsapp, "whatsapp.net..", false);
        assertMatches(whatsapp, ".", false);
        assertMatches(whatsapp, "", false);
    }

    @Test
    void leadingWildcardShouldMeanTheBareSuffix() {
        assertMatches(whatsapp, "whatsapp.com", true);
        assertMatches(whatsapp, "web.whatsapp.com", true);
        assertMatches(whatsapp, "webwhatsapp.com", false);
    }

    @Test
    void nonAsciiLabelsShouldOnlyMatchThroughTheirAsciiSuffix() {
        assertThat(whatsapp.matches("\u00fc.whatsapp.net")).isTrue();
        assertThat(whatsapp.matches("whatsapp.n\u00e9t")).isFalse();
        byte[] latin = "\u00fc.whatsapp.net".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(whatsapp.matches(latin, 0, latin.length)).isTrue();
        DomainMatcher nulTrap = DomainMatcher.of(List.of("a.example"));
        assertThat(nulTrap.matches("\u0100.example")).as("non-ASCII must not alias to an ASCII byte").isFalse();
    }

    @Test
    void byteVariantShouldRespectOffsetAndLength() {
        byte[] buf = "xxg.whatsapp.netyy".getBytes(StandardCharsets.US_ASCII);
        assertThat(whatsapp.matches(buf, 2, 14)).isTrue();
        assertThat(whatsapp.matches(buf, 2, 13)).isFalse();
        assertThat(whatsapp.matches(buf, 3, 13)).as("a malformed name still ends in a listed domain").isTrue();
        assertThat(whatsapp.matches(buf, 4, 12)).isTrue();
        assertThat(whatsapp.matches(buf, 0, 0)).isFalse();
    }

    @Test
    void shouldNormaliseAndCollapseDuplicates() {
        DomainMatcher m = DomainMatcher.of(List.of("Example.COM", "example.com.", "*.example.com", "other.example"));
        assertThat(m.size()).isEqualTo(2);
        assertThat(m.matches("www.example.com")).isTrue();
        assertThat(m.estimatedBytes()).isPositive();
        assertThat(DomainMatcher.of(List.of()).matches("anything.example")).isFalse();
    }

    @Test
    void shouldRejectInvalidEntriesNamingThem() {
        for (String bad : List.of("", " ", ".", "..", "*", "*.", "a b.example", " a.example", "a.*.example",
                "*a.example", "**.example", "a..example", ".a.example", "a.example..", "caf\u00e9.example",
                "a/b.example", "x".repeat(254))) {
            assertThatThrownBy(() -> DomainMatcher.of(List.of("fine.example", bad)))
                    .as("'%s'", bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + bad + "'");
        }
        assertThatThrownBy(() -> DomainMatcher.of(Arrays.asList("fine.example", null)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(DomainMatcher.of(List.of("x".repeat(253))).size()).isEqualTo(1);
    }

    @Test
    void shouldAgreeWithNaiveSuffixSetOnSeededRandomNames() {
        Random random = new Random(42);
        List<String> domains = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            domains.add(randomName(random, 2 + random.nextInt(2)));
        }
        DomainMatcher matcher = DomainMatcher.of(domains);
        Set<String> reference = new HashSet<>();
        domains.forEach(d -> reference.add(d.toLowerCase(Locale.ROOT)));
        int hits = 0;
        for (int i = 0; i < 100_000; i++) {
            String query = randomName(random, 1 + random.nextInt(4));
            if (random.nextInt(4) == 0) {
                query = query.toUpperCase(Locale.ROOT);
            }
            boolean expected = naiveMatch(reference, query);
            assertMatches(matcher, query, expected);
            hits += expected ? 1 : 0;
        }
        assertThat(hits).as("the alphabet is small enough to give both hits and misses").isBetween(1_000, 99_000);
    }

    @Test
    void matchingShouldNotAllocate() {
        DomainMatcher m = DomainMatcher.of(List.of("whatsapp.net", "telegram.org", "googlevideo.com"));
        String[] queries = {"g.whatsapp.net", "x.y.example.org", "rr1---sn-a.googlevideo.com", "T.ME"};
        byte[][] bytes = Arrays.stream(queries).map(q -> q.getBytes(StandardCharsets.US_ASCII)).toArray(byte[][]::new);
        int hits = 0;
        for (int i = 0; i < 50_000; i++) {
            hits += m.matches(queries[i & 3]) ? 1 : 0;
            hits += m.matches(bytes[i & 3], 0, bytes[i & 3].length) ? 1 : 0;
        }
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 200_000; i++) {
            hits += m.matches(queries[i & 3]) ? 1 : 0;
            hits += m.matches(bytes[i & 3], 0, bytes[i & 3].length) ? 1 : 0;
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(hits).isEqualTo(250_000 * 2 / 2);
        assertThat(allocated).as("bytes allocated by 400k matches").isLessThan(4096);
    }

    @Test
    void shouldBuildAMillionDomainsQuicklyAndMatchThem() {
        List<String> domains = DomainLists.generate(1_000_000, 1);
        long heapBefore = usedHeapAfterGc();
        long start = System.nanoTime();
        DomainMatcher matcher = DomainMatcher.of(domains);
        long buildMillis = (System.nanoTime() - start) / 1_000_000;
        long retained = usedHeapAfterGc() - heapBefore;
        System.out.printf("DomainMatcher: 1,000,000 domains built in %d ms; estimatedBytes %.1f MB; heap delta after GC"
                + " %.1f MB%n", buildMillis, matcher.estimatedBytes() / 1e6, retained / 1e6);

        assertThat(matcher.size()).isEqualTo(1_000_000);
        assertThat(buildMillis).as("build time on a busy 2-core box").isLessThan(10_000);
        assertThat(matcher.estimatedBytes()).as("no per-entry objects").isLessThan(64L << 20);
        for (int i = 0; i < domains.size(); i += 9973) {
            String d = domains.get(i);
            assertThat(matcher.matches(d)).isTrue();
            assertThat(matcher.matches("sub." + d.toUpperCase(Locale.ROOT) + ".")).isTrue();
            assertThat(matcher.matches("x" + d)).isFalse();
        }
    }

    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    @Test
    void builderShouldGrowFromEmptyAndDropDuplicatesGivenAsBytes() {
        DomainMatcher.Builder builder = DomainMatcher.builder();
        for (int i = 0; i < 10_000; i++) {
            byte[] name = ("N" + i + ".Example.").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            builder.add(name, 0, name.length);
            builder.add(name, 0, name.length);
        }
        DomainMatcher m = builder.build();

        assertThat(m.size()).isEqualTo(10_000);
        assertThat(m.matches("www.n9999.example")).isTrue();
        assertThat(m.matches("n10000.example")).isFalse();
        assertThat(m.domains()).hasSize(10_000).startsWith("n0.example");
        byte[] bad = "a b".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> DomainMatcher.builder().add(bad, 0, bad.length))
                .hasMessageStartingWith("unexpected character 0x20 in a domain name");
    }

    private static void assertMatches(DomainMatcher m, String name, boolean expected) {
        assertThat(m.matches(name)).as("matches(\"%s\")", name).isEqualTo(expected);
        byte[] b = name.getBytes(StandardCharsets.ISO_8859_1);
        assertThat(m.matches(b, 0, b.length)).as("matches(bytes of \"%s\")", name).isEqualTo(expected);
    }

    private static boolean naiveMatch(Set<String> domains, String query) {
        String q = query.toLowerCase(Locale.ROOT);
        if (q.endsWith(".")) {
            q = q.substring(0, q.length() - 1);
        }
        while (!q.isEmpty()) {
            if (domains.contains(q)) {
                return true;
            }
            int dot = q.indexOf('.');
            if (dot < 0) {
                return false;
            }
            q = q.substring(dot + 1);
        }
        return false;
    }

    /** Short labels from a 5-letter alphabet, so near misses and shared suffixes are frequent. */
    private static String randomName(Random random, int labels) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < labels; i++) {
            if (i > 0) {
                sb.append('.');
            }
            int length = 1 + random.nextInt(3);
            for (int j = 0; j < length; j++) {
                sb.append((char) ('a' + random.nextInt(5)));
            }
        }
        return sb.toString();
    }
}
