package dev.censorsim.policy.action;

import java.util.Locale;

/** Who shares a throttle's token buckets. */
public enum ThrottleScope {
    /** Each matched flow gets its own buckets: every connection may reach the rate. */
    FLOW,
    /** One set of buckets for all flows the rule matches: a national cap on a class of traffic. */
    RULE;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
