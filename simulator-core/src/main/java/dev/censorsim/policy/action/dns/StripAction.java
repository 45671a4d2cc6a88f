package dev.censorsim.policy.action.dns;

import io.netty.handler.codec.dns.DnsRecordType;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * {@code strip}: answer normally but remove every record of the given types, e.g. AAAA (force IPv4) or HTTPS (hide
 * ECH configs and alt-svc hints). When nothing is left the client sees NODATA.
 */
public record StripAction(int[] recordTypes) implements DnsAction {

    public static final String TYPE = "strip";

    public StripAction {
        if (recordTypes == null || recordTypes.length == 0) {
            throw new IllegalArgumentException("strip needs at least one record type");
        }
        recordTypes = Arrays.stream(recordTypes).distinct().toArray();
    }

    @Override
    public int[] recordTypes() {
        return recordTypes.clone();
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public void apply(DnsAnswerControl answer) {
        answer.strip(recordTypes);
    }

    @Override
    public String describe() {
        return TYPE + " " + Arrays.stream(recordTypes).mapToObj(t -> DnsRecordType.valueOf(t).name())
                .collect(Collectors.joining(", "));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StripAction s && Arrays.equals(s.recordTypes, recordTypes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(recordTypes);
    }

    @Override
    public String toString() {
        return describe();
    }
}
