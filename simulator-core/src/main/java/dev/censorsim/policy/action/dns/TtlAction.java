package dev.censorsim.policy.action.dns;

/** {@code ttl}: answer normally with every answer record's TTL overridden (0 defeats client caches). */
public record TtlAction(long ttlSeconds) implements DnsAction {

    public static final String TYPE = "ttl";

    /** RFC 2181 section 8: a TTL is an unsigned 31-bit number of seconds. */
    public static final long MAX_TTL_SECONDS = 0x7fff_ffffL;

    public TtlAction {
        if (ttlSeconds < 0 || ttlSeconds > MAX_TTL_SECONDS) {
            throw new IllegalArgumentException("ttl must be within 0.." + MAX_TTL_SECONDS + " s, got " + ttlSeconds);
        }
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void apply(DnsAnswerControl answer) {
        answer.overrideTtl(ttlSeconds);
    }

    @Override
    public String describe() {
        return TYPE + " " + ttlSeconds + "s";
    }
}
