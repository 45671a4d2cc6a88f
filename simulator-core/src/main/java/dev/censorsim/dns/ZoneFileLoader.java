package dev.censorsim.dns;

import io.netty.handler.codec.dns.DnsRecordType;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.Master;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Type;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads an RFC 1035 section 5 master file ({@code $ORIGIN}, {@code $TTL}, {@code $INCLUDE}, parentheses, comments) into
 * a {@link Zone}. dnsjava does the text parsing and turns each record's RDATA into uncompressed wire bytes; from then
 * on the server works on those bytes through netty-codec-dns and dnsjava is out of the picture.
 */
public final class ZoneFileLoader {

    private ZoneFileLoader() {
    }

    /**
     * Loads {@code file}. The zone's origin is the owner of its SOA, which must be the first record.
     *
     * @throws ZoneException naming the file and line of the first problem
     */
    public static Zone load(Path file) throws ZoneException {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString());
        } catch (NoSuchFileException e) {
            throw new ZoneException(file + ": no such zone file");
        } catch (IOException e) {
            throw new ZoneException(file + ": cannot read zone file: " + e.getMessage());
        }
    }

    /** Parses master-file text; {@code sourceName} is what errors call it. */
    public static Zone parse(InputStream text, String sourceName) throws ZoneException {
        Zone.Builder builder = null;
        try (Master master = new Master(text)) {
            Record record;
            while ((record = master.nextRecord()) != null) {
                String owner = record.getName().toString();
                if (builder == null) {
                    if (record.getType() != Type.SOA) {
                        throw new ZoneException(sourceName + ": the first record must be the zone's SOA, got "
                                + Type.string(record.getType()) + " for " + owner);
                    }
                    builder = Zone.builder(owner);
                }
                if (record.getDClass() != org.xbill.DNS.DClass.IN) {
                    throw new ZoneException(sourceName + ": only class IN is served, got " + record);
                }
                byte[] rdata = record.rdataToWireCanonical();
                DnsRecordType type = DnsRecordType.valueOf(record.getType());
                try {
                    if (record instanceof SOARecord soa) {
                        if (!DnsNames.key(owner).equals(builder.origin())) {
                            throw new ZoneException(sourceName + ": a second SOA at " + owner);
                        }
                        builder.soaFromWire(record.getTTL(), rdata, soa.getMinimum());
                    } else if (record instanceof CNAMERecord cname) {
                        builder.add(owner, type, record.getTTL(), rdata, DnsNames.key(cname.getTarget().toString()));
                    } else {
                        builder.add(owner, type, record.getTTL(), rdata, null);
                    }
                } catch (IllegalArgumentException e) {
                    throw new ZoneException(sourceName + ": " + e.getMessage());
                }
            }
        } catch (IOException e) {
            // dnsjava's TextParseException already reads "file:line: problem" when it knows the line.
            // dnsjava's TextParseException reads "<none>:line: problem" for a stream; put the file name in.
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            if (message.startsWith("<none>:")) {
                message = message.substring("<none>".length());
                throw new ZoneException(sourceName + message);
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
