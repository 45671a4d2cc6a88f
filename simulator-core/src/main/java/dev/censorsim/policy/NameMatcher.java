package dev.censorsim.policy;

import dev.censorsim.classify.DomainMatcher;

import java.util.List;
import java.util.Locale;

/**
 * The compiled entries of one name key ({@code sni}, {@code host}, {@code target} or {@code domain}) of a rule: the
 * name matches when any entry does. Named lists compile once per policy and matching mode, so rules that share
 * {@code @whatsapp} share one matcher.
 */
abstract class NameMatcher {

    /** Whether {@code name} matches any entry; {@code false} for {@code null}. */
    abstract boolean matches(CharSequence name);

    /** OR over {@link DomainMatcher}s: the rule's own literals in one, plus one per referenced list. */
    static final class Label extends NameMatcher {
        private final DomainMatcher[] matchers;

        Label(List<DomainMatcher> matchers) {
            this.matchers = matchers.toArray(new DomainMatcher[0]);
        }

        List<DomainMatcher> parts() {
            return List.of(matchers);
        }

        @Override
        boolean matches(CharSequence name) {
            if (name == null) {
                return false;
            }
            for (DomainMatcher m : matchers) {
                if (m.matches(name)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Exact or label-boundary suffix, byte for byte: case and a trailing dot are significant. */
    static final class Raw extends NameMatcher {
        private final String[] entries;

        Raw(List<String> entries) {
            this.entries = entries.stream().distinct().toArray(String[]::new);
        }

        @Override
        boolean matches(CharSequence name) {
            if (name == null) {
                return false;
            }
            for (String entry : entries) {
                int offset = name.length() - entry.length();
                if (offset < 0 || (offset > 0 && name.charAt(offset - 1) != '.')) {
                    continue;
                }
                boolean same = true;
                for (int i = 0; i < entry.length() && same; i++) {
                    same = name.charAt(offset + i) == entry.charAt(i);
                }
                if (same) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * Case-insensitive "contains" over lower-cased needles. Compares char by char with no lower-cased copy of the name,
     * so a match allocates nothing.
     */
    static final class Substring extends NameMatcher {
        private final String[] needles;

        Substring(List<String> needles) {
            this.needles = needles.stream().map(n -> n.toLowerCase(Locale.ROOT)).distinct().toArray(String[]::new);
        }

        List<String> needles() {
            return List.of(needles);
        }

        @Override
        boolean matches(CharSequence name) {
            if (name == null) {
                return false;
            }
            for (String needle : needles) {
                if (contains(name, needle)) {
                    return true;
                }
            }
            return false;
        }

        private static boolean contains(CharSequence haystack, String needle) {
            final int n = needle.length();
            final int last = haystack.length() - n;
            for (int start = 0; start <= last; start++) {
                int i = 0;
                while (i < n && Character.toLowerCase(haystack.charAt(start + i)) == needle.charAt(i)) {
                    i++;
                }
                if (i == n) {
                    return true;
                }
            }
            return false;
        }
    }
}
