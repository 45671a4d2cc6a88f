package dev.censorsim.classify;

import io.netty.buffer.ByteBuf;

/**
 * Recognises a UDP datagram made of DTLS records, as WebRTC media setup sends after STUN. Reusable and
 * allocation-free; never throws.
 *
 * <p>Wire layout (RFC 6347 §4.1 for DTLS 1.0/1.2; RFC 9147 §4 keeps it for DTLS 1.3 plaintext records):
 * <pre>
 *   u8  content_type          20 change_cipher_spec, 21 alert, 22 handshake, 23 application_data, 24 heartbeat,
 *                             25 tls12_cid
 *   u16 version               0xfeff (DTLS 1.0) or 0xfefd (DTLS 1.2, also on DTLS 1.3 records)
 *   u16 epoch
 *   u48 sequence_number
 *   u16 length                of the fragment that follows
 * </pre>
 * A datagram may carry several records; all of them must be whole and fill it exactly.
 */
public final class DtlsRecognizer {

    public static final int VERSION_1_0 = 0xfeff;
    public static final int VERSION_1_2 = 0xfefd;
    public static final int RECORD_HEADER_LENGTH = 13;
    public static final int CONTENT_TYPE_HANDSHAKE = 22;

    private static final int FIRST_CONTENT_TYPE = 20;
    private static final int LAST_CONTENT_TYPE = 25;
    private static final int VERSION_OFFSET = 1;
    private static final int LENGTH_OFFSET = 11;
    private static final int MAX_RECORDS = 32;
    private static final int HANDSHAKE_CLIENT_HELLO = 1;

    private int version;
    private int records;
    private boolean clientHello;

    /** Whether {@code buffer[index, index + length)} (one whole UDP payload) is one or more whole DTLS records. */
    public boolean recognize(ByteBuf buffer, int index, int length) {
        final int end = index + length;
        int at = index;
        int count = 0;
        int firstVersion = 0;
        boolean hello = false;
        if (length < RECORD_HEADER_LENGTH) {
            return false;
        }
        while (at < end) {
            if (end - at < RECORD_HEADER_LENGTH || ++count > MAX_RECORDS) {
                return false;
            }
            int type = buffer.getUnsignedByte(at);
            int recordVersion = buffer.getUnsignedShort(at + VERSION_OFFSET);
            int fragment = buffer.getUnsignedShort(at + LENGTH_OFFSET);
            if (type < FIRST_CONTENT_TYPE || type > LAST_CONTENT_TYPE
                    || (recordVersion != VERSION_1_0 && recordVersion != VERSION_1_2)
                    || fragment > end - at - RECORD_HEADER_LENGTH) {
                return false;
            }
            if (count == 1) {
                firstVersion = recordVersion;
                hello = type == CONTENT_TYPE_HANDSHAKE && fragment > 0
                        && buffer.getUnsignedByte(at + RECORD_HEADER_LENGTH) == HANDSHAKE_CLIENT_HELLO;
            }
            at += RECORD_HEADER_LENGTH + fragment;
        }
        version = firstVersion;
        records = count;
        clientHello = hello;
        return true;
    }

    public int version() {
        return version;
    }

    public int recordCount() {
        return records;
    }

    /** The first record is a handshake record starting a ClientHello. */
    public boolean isClientHello() {
        return clientHello;
    }
}
