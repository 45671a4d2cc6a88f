package dev.censorsim.dns;

import dev.censorsim.policy.action.dns.DnsAnswerControl;

/** What a DNS rule's action asked for, recorded for {@link DnsResponder} to carry out. */
final class Surgery implements DnsAnswerControl {

    enum Mode { ANSWER, NXDOMAIN, NODATA, RCODE, DROP, SINKHOLE }

    Mode mode = Mode.ANSWER;
    int rcode;
    byte[] ipv4;
    byte[] ipv6;
    long sinkholeTtl;
    int[] stripTypes;
    long ttlOverride = -1;

    @Override
    public void nxdomain() {
        mode = Mode.NXDOMAIN;
    }

    @Override
    public void nodata() {
        mode = Mode.NODATA;
    }

    @Override
    public void rcode(int rcode) {
        mode = Mode.RCODE;
        this.rcode = rcode;
    }

    @Override
    public void drop() {
        mode = Mode.DROP;
    }

    @Override
    public void sinkhole(byte[] ipv4, byte[] ipv6, long ttlSeconds) {
        mode = Mode.SINKHOLE;
        this.ipv4 = ipv4;
        this.ipv6 = ipv6;
        this.sinkholeTtl = ttlSeconds;
    }

    @Override
    public void strip(int[] recordTypes) {
        stripTypes = recordTypes;
    }

    @Override
    public void overrideTtl(long ttlSeconds) {
        ttlOverride = ttlSeconds;
    }

    /** Whether the answer must come from the zone or upstream first (and is then edited). */
    boolean needsData() {
        return mode == Mode.ANSWER;
    }

    boolean strips(int type) {
        if (stripTypes == null) {
            return false;
        }
        for (int t : stripTypes) {
            if (t == type) {
                return true;
            }
        }
        return false;
    }
}
