package dev.censorsim.classify;

/**
 * How deep the censor's DPI looks into the first client bytes of a flow.
 *
 * @param reassemble {@code true}: reassemble a ClientHello split over several reads or TLS records, up to
 *                   {@code maxBytes}; {@code false}: inspect only the first segment (read), as DPI boxes that do not
 *                   reassemble do, which is what lets split-ClientHello evasion work
 * @param maxBytes   the most client bytes buffered for inspection before giving up with "unknown"
 * @param skipOtherRecords {@code true}: TLS records of another type (ChangeCipherSpec, alert, application data) before
 *                   the ClientHello are stepped over and the parser keeps looking, as the 2021 throttler did (other
 *                   TLS records first kept it looking for 15-20 packets, Xue et al., IMC 2021); {@code false}: the
 *                   first record must be the handshake, anything else is "unknown"
 */
public record InspectionSettings(boolean reassemble, int maxBytes, boolean skipOtherRecords) {

    /** Settings that stop at a first record that is not a handshake record. */
    public InspectionSettings(boolean reassemble, int maxBytes) {
        this(reassemble, maxBytes, false);
    }

    /** 16 KiB: a TLS record's maximum plaintext, and far more than any real ClientHello. */
    public static final int DEFAULT_MAX_BYTES = 16 * 1024;

    public static final InspectionSettings DEFAULT = new InspectionSettings(true, DEFAULT_MAX_BYTES);

    public InspectionSettings {
        if (maxBytes < 64 || maxBytes > 1 << 20) {
            throw new IllegalArgumentException("maxBytes must be within 64..1048576, was " + maxBytes);
        }
    }
}
