package dev.censorsim.classify;

import java.util.Collection;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Temporary stand-in so the policy module compiles; the classify branch owns the real, allocation-free matcher.
 * Matches a name exactly or as a sub-domain (suffix on a label boundary), case-insensitively, trailing dot allowed.
 */
public final class DomainMatcher {

    private final Set<String> domains;

    private DomainMatcher(Set<String> domains) {
        this.domains = domains;
    }

    /** Lower-cases each domain and strips one trailing dot. */
    public static DomainMatcher of(Collection<String> domains) {
        Set<String> set = new HashSet<>();
        for (String d : domains) {
            set.add(normalise(d));
        }
        return new DomainMatcher(Set.copyOf(set));
    }

    /** Exact or suffix on a label boundary, case-insensitive, trailing dot ok. */
    public boolean matches(CharSequence name) {
        if (name == null) {
            return false;
        }
        String n = normalise(name.toString());
        while (true) {
            if (domains.contains(n)) {
                return true;
            }
            int dot = n.indexOf('.');
            if (dot < 0) {
                return false;
            }
            n = n.substring(dot + 1);
        }
    }

    private static String normalise(String d) {
        String lower = d.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }
}
