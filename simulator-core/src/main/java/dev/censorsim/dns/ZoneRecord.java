package dev.censorsim.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.util.AbstractReferenceCounted;

/**
 * A record answered from a zone: owner, type, TTL and the zone's shared RDATA bytes. Netty's {@code DefaultDnsRawRecord}
 * runs every owner name through {@code IDN.toASCII} (hundreds of bytes of garbage per record); the zone's names are
 * ASCII already, so this type skips that and {@link DnsResponseWriter} writes {@link #rdata()} without a buffer.
 * Reference counting only guards misuse: there is nothing to free.
 */
final class ZoneRecord extends AbstractReferenceCounted implements DnsRawRecord {

    private final String name;
    private final DnsRecordType type;
    private final long ttlSeconds;
    private final byte[] rdata;

    ZoneRecord(String name, DnsRecordType type, long ttlSeconds, byte[] rdata) {
        this.name = name;
        this.type = type;
        this.ttlSeconds = ttlSeconds;
        this.rdata = rdata;
    }

    byte[] rdata() {
        return rdata;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public DnsRecordType type() {
        return type;
    }

    @Override
    public int dnsClass() {
        return DnsRecord.CLASS_IN;
    }

    @Override
    public long timeToLive() {
        return ttlSeconds;
    }

    @Override
    public ByteBuf content() {
        return Unpooled.wrappedBuffer(rdata).asReadOnly();
    }

    @Override
    public DnsRawRecord copy() {
        return replace(Unpooled.copiedBuffer(rdata));
    }

    @Override
    public DnsRawRecord duplicate() {
        return replace(Unpooled.wrappedBuffer(rdata));
    }

    @Override
    public DnsRawRecord retainedDuplicate() {
        return duplicate();
    }

    @Override
    public DnsRawRecord replace(ByteBuf content) {
        return new DefaultDnsRawRecord(name, type, DnsRecord.CLASS_IN, ttlSeconds, content);
    }

    @Override
    public DnsRawRecord retain() {
        super.retain();
        return this;
    }

    @Override
    public DnsRawRecord retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public DnsRawRecord touch() {
        return this;
    }

    @Override
    public DnsRawRecord touch(Object hint) {
        return this;
    }

    @Override
    protected void deallocate() {
        // The RDATA belongs to the zone.
    }

    @Override
    public String toString() {
        return name + " " + ttlSeconds + " IN " + type.name() + " (" + rdata.length + " bytes)";
    }
}
