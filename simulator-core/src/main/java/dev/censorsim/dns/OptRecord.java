package dev.censorsim.dns;

import io.netty.handler.codec.dns.AbstractDnsOptPseudoRrRecord;

/** A bare EDNS0 OPT pseudo-record (RFC 6891 6.1.2) advertising our UDP payload size, with no options. */
final class OptRecord extends AbstractDnsOptPseudoRrRecord {

    OptRecord(int udpPayloadSize) {
        super(udpPayloadSize);
    }
}
