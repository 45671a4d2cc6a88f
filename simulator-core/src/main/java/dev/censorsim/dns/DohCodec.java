package dev.censorsim.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsResponseDecoder;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The DNS messages of DNS over HTTPS (RFC 8484): a query is the plain DNS wire message as the body of a
 * {@code POST /dns-query} with {@code Content-Type: application/dns-message}, the answer likewise.
 */
public final class DohCodec {

    /** The request path RFC 8484 section 6's URI template uses throughout. */
    public static final String PATH = "/dns-query";
    /** RFC 8484 section 6: the media type of both query and answer. */
    public static final String MEDIA_TYPE = "application/dns-message";

    private static final int HEADER_BYTES = 12;
    private static final int RD = 0x0100;
    private static final int CLASS_IN = 1;
    private static final int MAX_LABEL = 63;
    private static final int MAX_NAME = 255;
    /** Only ever read through {@link Decoder#decode}; the addresses are placeholders a DatagramPacket needs. */
    private static final InetSocketAddress NOWHERE = new InetSocketAddress(0);

    private DohCodec() {
    }

    /**
     * A query for {@code name} and {@code type}, RD set. RFC 1035 section 4.1.1 header, then one question (4.1.2):
     * <pre>
     *   ID (2) | flags (2) | QDCOUNT=1 (2) | ANCOUNT=0 (2) | NSCOUNT=0 (2) | ARCOUNT=0 (2)
     *   QNAME (length-prefixed labels, 0-terminated) | QTYPE (2) | QCLASS=IN (2)
     * </pre>
     * The ID is 0, as RFC 8484 section 4.1 recommends so that HTTP caches see equal queries as equal.
     *
     * @throws IllegalArgumentException for a name that cannot be a DNS name (empty label, label over 63 bytes,
     *                                  name over 255 bytes)
     */
    public static ByteBuf query(ByteBufAllocator alloc, String name, DnsRecordType type) {
        String trimmed = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        List<String> labels = trimmed.isEmpty() ? List.of() : List.of(trimmed.split("\\.", -1));
        int nameBytes = 1;
        for (String label : labels) {
            int length = label.getBytes(StandardCharsets.US_ASCII).length;
            if (length == 0 || length > MAX_LABEL) {
                throw new IllegalArgumentException("not a DNS name: '" + name + "'");
            }
            nameBytes += 1 + length;
        }
        if (nameBytes > MAX_NAME) {
            throw new IllegalArgumentException("DNS name longer than 255 bytes: '" + name + "'");
        }
        ByteBuf out = alloc.buffer(HEADER_BYTES + nameBytes + 4);
        out.writeShort(0).writeShort(RD).writeShort(1).writeShort(0).writeShort(0).writeShort(0);
        for (String label : labels) {
            byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
            out.writeByte(bytes.length).writeBytes(bytes);
        }
        out.writeByte(0).writeShort(type.intValue()).writeShort(CLASS_IN);
        return out;
    }

    /**
     * The lookup result an answer body gives for a query of {@code type}; a body that is no DNS response (or not one
     * Netty can decode) is {@link DnsLookupOutcome#ERROR}. Does not release {@code body}.
     */
    public static DnsLookupResult result(ByteBuf body, DnsRecordType type, long latencyNanos) {
        DnsResponse response;
        try {
            response = new Decoder().decode(body);
        } catch (Exception e) { // malformed: Netty's decoder throws CorruptedFrameException or IndexOutOfBounds
            return new DnsLookupResult(DnsLookupOutcome.ERROR, List.of(), -1, latencyNanos);
        }
        try {
            return DnsLookupClient.toResult(response, type, latencyNanos);
        } finally {
            response.release();
        }
    }

    /** Netty's response decoder, reached through its datagram face: the DNS message is the same bytes. */
    private static final class Decoder extends DatagramDnsResponseDecoder {
        DnsResponse decode(ByteBuf body) throws Exception {
            // Decoded from a plain heap copy (at most 64 KiB, the body limit): on some malformed messages Netty's
            // decoder keeps a reference to the buffer it was given (seen with seeded garbage), which on the caller's
            // pooled buffer would be a leak; on an untracked copy it is only garbage for the GC.
            byte[] copy = new byte[body.readableBytes()];
            body.getBytes(body.readerIndex(), copy);
            return decodeResponse(null, new DatagramPacket(Unpooled.wrappedBuffer(copy), NOWHERE, NOWHERE));
        }
    }
}
