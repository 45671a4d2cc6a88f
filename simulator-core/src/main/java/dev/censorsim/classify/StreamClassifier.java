package dev.censorsim.classify;

import io.netty.buffer.ByteBuf;

import java.util.List;
import java.util.Objects;

/**
 * Classifies one TCP flow from its first client-to-server bytes, the way a DPI box does: TLS ClientHello (SNI, ALPN,
 * ECH/ESNI), HTTP/1.x (Host), OpenVPN over TCP, fully encrypted, or unknown.
 *
 * <p>The first byte picks the recogniser: {@code 0x16} (TLS handshake record) or an upper-case letter (an HTTP
 * method); anything else, and a first chunk either parser rejects outright, is judged at once on that first chunk by
 * {@link FirstSegmentRecognizer} (OpenVPN's length-prefixed hard reset, else the Great Firewall's fully-encrypted
 * test, else unknown). Both recognisers are
 * incremental state machines, so "reassembly" never copies the stream: the TLS parser keeps only handshake bytes
 * (at most 16 KiB) and the HTTP parser only the Host value. With {@link InspectionSettings#reassemble()} off, only the
 * first chunk is inspected and an incomplete ClientHello or head there is unknown — the blind spot that
 * segmentation-based evasion (zapret, GoodbyeDPI) exploits. With it on, bytes are inspected until a decision or until
 * {@link InspectionSettings#maxBytes()} have been seen, then unknown.
 *
 * <p>One instance per flow, used from that flow's event loop only; not thread-safe. The first offer creates the one
 * recogniser the flow needs; later offers allocate nothing except the one that decides, which builds the
 * {@link StreamClassification}.
 */
public final class StreamClassifier {

    private static final byte TLS_HANDSHAKE_RECORD = 0x16;

    private final InspectionSettings settings;
    private TlsClientHelloParser tls;
    private HttpHostParser http;
    private int bytesSeen;
    private boolean done;
    private StreamClassification result = StreamClassification.UNKNOWN;

    public StreamClassifier(InspectionSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /** Inspects the next client-to-server chunk; does not change its indexes and does not retain it. True once final. */
    public boolean offer(ByteBuf chunk) {
        if (done) {
            return true;
        }
        int index = chunk.readerIndex();
        int readable = chunk.readableBytes();
        if (readable == 0) {
            return false;
        }
        final boolean first = bytesSeen == 0;
        if (bytesSeen == 0 && tls == null && http == null) {
            // Messenger framings that carry no name: checked first, as "ED" and "WA" would pick the HTTP parser and
            // an MTProto header's random first byte may look like anything.
            if (WhatsAppPrologue.matches(chunk, index, readable)) {
                return decide(new StreamClassification(Protocol.WHATSAPP, null, null, List.of(), false, false));
            }
            if (MtprotoObfuscated.matches(chunk, index, readable)) {
                return decide(new StreamClassification(Protocol.MTPROTO, null, null, List.of(), false, false));
            }
        }
        if (tls == null && http == null && !pickRecogniser(chunk.getByte(index))) {
            return decide(firstSegment(chunk, index, readable));
        }
        int budget = settings.maxBytes() - bytesSeen;
        int length = Math.min(readable, budget);
        bytesSeen += length;
        if (tls != null) {
            TlsClientHelloParser.Status status = tls.offer(chunk, index, length);
            if (status == TlsClientHelloParser.Status.COMPLETE) {
                return decide(tlsResult());
            }
            if (status == TlsClientHelloParser.Status.NOT_TLS) {
                return decide(first ? firstSegment(chunk, index, readable) : StreamClassification.UNKNOWN);
            }
        } else {
            HttpHostParser.Status status = http.offer(chunk, index, length);
            if (status == HttpHostParser.Status.COMPLETE) {
                return decide(httpResult());
            }
            if (status == HttpHostParser.Status.NOT_HTTP) {
                return decide(first ? firstSegment(chunk, index, readable) : StreamClassification.UNKNOWN);
            }
        }
        if (!settings.reassemble() || bytesSeen >= settings.maxBytes()) {
            return decide(StreamClassification.UNKNOWN);
        }
        return false;
    }

    public boolean isDone() {
        return done;
    }

    /** The decision; valid once done (UNKNOWN-protocol result before that). */
    public StreamClassification result() {
        return result;
    }

    /**
     * Forces a best-effort decision now (client EOF, inspection timeout, server spoke first) and returns it. An
     * incomplete ClientHello or request head is unknown: a censor cannot act on a name it has not read.
     */
    public StreamClassification finish() {
        if (!done) {
            decide(StreamClassification.UNKNOWN);
        }
        return result;
    }

    /** Frees any reassembly buffer; idempotent. The decision, if any, stays readable. */
    public void release() {
        if (!done) {
            decide(StreamClassification.UNKNOWN);
        }
        tls = null;
        http = null;
    }

    /** Number of client bytes inspected so far. */
    public int bytesInspected() {
        return bytesSeen;
    }

    private boolean pickRecogniser(byte first) {
        if (first == TLS_HANDSHAKE_RECORD
                || (settings.skipOtherRecords() && TlsClientHelloParser.isSkippableRecordType(first))) {
            tls = new TlsClientHelloParser(Math.min(settings.maxBytes(), TlsClientHelloParser.MAX_HANDSHAKE_BYTES),
                    settings.skipOtherRecords());
            return true;
        }
        if (first >= 'A' && first <= 'Z') {
            http = new HttpHostParser(settings.maxBytes());
            return true;
        }
        return false;
    }

    /** The first chunk when it is neither TLS nor HTTP; once per such flow, so the recogniser is made here. */
    private static StreamClassification firstSegment(ByteBuf chunk, int index, int length) {
        Protocol protocol = new FirstSegmentRecognizer().recognize(chunk, index, length);
        return protocol == Protocol.UNKNOWN ? StreamClassification.UNKNOWN
                : new StreamClassification(protocol, null, null, List.of(), false, false);
    }

    private StreamClassification tlsResult() {
        List<String> alpn = tls.alpnList();
        return new StreamClassification(Protocol.TLS, tls.sniAsString(), null, alpn, tls.hasEch(), tls.hasEsni());
    }

    private StreamClassification httpResult() {
        return new StreamClassification(Protocol.HTTP, null, http.hostAsString(), List.of(), false, false);
    }

    private boolean decide(StreamClassification decision) {
        result = decision;
        done = true;
        // The parsers' buffers are no longer needed once decided; let them go with the flow's first bytes.
        tls = null;
        http = null;
        return true;
    }
}
