package dev.censorsim.classify;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Deterministic, distinct, realistic-looking domain lists for the million-entry tests. */
final class DomainLists {

    private static final String[] TLDS = {"com", "net", "org", "ru", "io", "me", "de", "info", "xyz", "co.uk"};

    private DomainLists() {
    }

    /** {@code count} distinct names such as {@code kqzt4f.cdn-edge.net}: a unique base-36 label, then a site. */
    static List<String> generate(int count, long seed) {
        Random random = new Random(seed);
        List<String> names = new ArrayList<>(count);
        StringBuilder sb = new StringBuilder(48);
        for (int i = 0; i < count; i++) {
            sb.setLength(0);
            for (int j = 3 + random.nextInt(6); j > 0; j--) {
                sb.append((char) ('a' + random.nextInt(26)));
            }
            sb.append(Integer.toString(i, 36)).append('.');
            if (random.nextBoolean()) {
                for (int j = 4 + random.nextInt(8); j > 0; j--) {
                    sb.append((char) ('a' + random.nextInt(26)));
                }
                sb.append('.');
            }
            sb.append(TLDS[random.nextInt(TLDS.length)]);
            names.add(sb.toString());
        }
        return names;
    }
}
