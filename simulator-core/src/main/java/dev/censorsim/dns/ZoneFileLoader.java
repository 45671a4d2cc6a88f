package dev.censorsim.dns;

import io.netty.handler.codec.dns.DnsRecordType;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.Master;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Type;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Reads an RFC 1035 section 5 master file ({@code $ORIGIN}, {@code $TTL}, {@code $INCLUDE}, parentheses, comments) into
 * a {@link Zone}. dnsjava does the text parsing and turns each record's RDATA into uncompressed wire bytes; from then
 * on the server works on those bytes through netty-codec-dns and dnsjava is out of the picture.
 */
public final class ZoneFileLoader {

    /** The most bytes read for one zone: the file and everything it includes, together. */
    public static final long MAX_FILE_BYTES = 64L << 20;
    /** The most records in one zone, {@code $GENERATE}d ones included: a million, ~100 MB of heap served. */
    public static final int MAX_RECORDS = 1_000_000;
    /** The most records one {@code $GENERATE} may make (BIND's own zones rarely use more than a /16's worth). */
    public static final int MAX_GENERATE = 65_536;
    /** How deep {@code $INCLUDE}s may nest; also what stops a file that includes itself through others. */
    public static final int MAX_INCLUDE_DEPTH = 8;
    /** A master-file line longer than this is refused (the longest TXT record fits several times over). */
    static final int MAX_LINE_BYTES = 64 * 1024;

    private ZoneFileLoader() {
    }

    /**
     * Loads {@code file}. The zone's origin is the owner of its SOA, which must be the first record.
     *
     * <p>Before dnsjava reads a byte, {@link ZoneFileScan} checks the file and every {@code $INCLUDE} (regular files
     * only, {@link #MAX_FILE_BYTES} in all, nested at most {@link #MAX_INCLUDE_DEPTH} deep) and counts the records
     * ({@link #MAX_RECORDS} in all, {@link #MAX_GENERATE} per {@code $GENERATE}), so a hostile zone fails at once.
     *
     * @throws ZoneException naming the file and line of the first problem
     */
    public static Zone load(Path file) throws ZoneException {
        ZoneFileScan.scanFile(file);
        try {
            // By file name, so that dnsjava resolves relative $INCLUDEs against the file's directory as scanned.
            return parse(new Master(file.toString()), file.toString());
        } catch (IOException e) {
            throw new ZoneException(file + ": cannot read zone file: " + e.getMessage());
        }
    }

    /**
     * Parses master-file text of at most {@link #MAX_FILE_BYTES}; {@code sourceName} is what errors call it. The text
     * comes from no file, so {@code $INCLUDE} is refused.
     */
    public static Zone parse(InputStream text, String sourceName) throws ZoneException {
        byte[] bytes;
        try {
            bytes = text.readNBytes((int) MAX_FILE_BYTES + 1);
        } catch (IOException e) {
            throw new ZoneException(sourceName + ": cannot read zone: " + e.getMessage());
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw new ZoneException(sourceName + ": zone text over the limit of " + (MAX_FILE_BYTES >> 20) + " MiB");
        }
        ZoneFileScan.scanText(bytes, sourceName);
        Master master = new Master(new ByteArrayInputStream(bytes));
        master.disableIncludes(true);
        return parse(master, sourceName);
    }

    private static Zone parse(Master reader, String sourceName) throws ZoneException {
        Zone.Builder builder = null;
        long count = 0;
        try (Master master = reader) {
            Record record;
            while ((record = master.nextRecord()) != null) {
                if (++count > MAX_RECORDS) {
                    // The scan counted what dnsjava will read; this only guards against the two disagreeing.
                    throw new ZoneException(sourceName + ": more than " + MAX_RECORDS + " records");
                }
                String owner = record.getName().toString(); // master-file text, escapes and all: for messages
                // Keyed by the wire labels, as a question's name is read (DnsNames): x@y is then found by a question
                // for x@y, and a\.b is the one label "a.b", not the name a.b.
                String key = DnsNames.keyFromWire(record.getName().toWireCanonical());
                if (builder == null) {
                    if (record.getType() != Type.SOA) {
                        throw new ZoneException(sourceName + ": the first record must be the zone's SOA, got "
                                + Type.string(record.getType()) + " for " + owner);
                    }
                    builder = Zone.builder(key);
                }
                if (record.getDClass() != org.xbill.DNS.DClass.IN) {
                    throw new ZoneException(sourceName + ": only class IN is served, got " + record);
                }
                byte[] rdata = record.rdataToWireCanonical();
                DnsRecordType type = DnsRecordType.valueOf(record.getType());
                try {
                    if (record instanceof SOARecord soa) {
                        if (!key.equals(builder.origin())) {
                            throw new ZoneException(sourceName + ": a second SOA at " + owner);
                        }
                        builder.soaFromWire(record.getTTL(), rdata, soa.getMinimum());
                    } else if (record instanceof CNAMERecord cname) {
                        builder.add(key, type, record.getTTL(), rdata,
                                DnsNames.keyFromWire(cname.getTarget().toWireCanonical()));
                    } else {
                        builder.add(key, type, record.getTTL(), rdata, null);
                    }
                } catch (IllegalArgumentException e) {
                    throw new ZoneException(sourceName + ": " + e.getMessage());
                }
            }
        } catch (IOException e) {
            // dnsjava's TextParseException reads "<name>:line: problem", the name being "<none>" for a stream and the
            // bare file name (no directory) for a file; put the name as given in. An included file keeps its own.
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            Path shortName = Path.of(sourceName).getFileName();
            for (String prefix : new String[] {"<none>:", shortName == null ? "<none>:" : shortName + ":"}) {
                if (message.startsWith(prefix)) {
                    throw new ZoneException(sourceName + message.substring(prefix.length() - 1));
                }
            }
            throw new ZoneException(sourceName + ": " + message);
        } catch (RuntimeException e) {
            throw new ZoneException(sourceName + ": " + e.getMessage());
        }
        if (builder == null) {
            throw new ZoneException(sourceName + ": no records; a zone needs at least its SOA");
        }
        return builder.build();
    }
}
