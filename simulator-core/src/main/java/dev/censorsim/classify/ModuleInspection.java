package dev.censorsim.classify;

/**
 * How one DPI module of a policy reads a flow's first client bytes. Boxes ran several modules side by side, each with
 * its own settings: the 2021 Twitter throttler did not reassemble, looked at a few packets, kept looking after a small
 * (at most 100-byte) non-TLS first packet and gave up after a larger one, while the blocking module beside it
 * reassembled (Xue et al., "Throttling Twitter", IMC 2021).
 *
 * @param reassemble       whether a ClientHello split over several packets is put back together (in order, as TCP
 *                         delivers it to the box's reassembler); {@code false}: each packet is parsed on its own
 * @param maxBytes         the most client bytes the module reads
 * @param packets          how many client packets (reads) the module looks at before it gives up
 * @param giveUpAfterBytes a first packet that names nothing and is longer than this ends the module's inspection;
 *                         a shorter one lets it keep looking; negative for never
 * @param skipOtherRecords step over TLS records of another type before the ClientHello instead of stopping there
 *                         ({@link InspectionSettings#skipOtherRecords()})
 */
public record ModuleInspection(boolean reassemble, int maxBytes, int packets, int giveUpAfterBytes,
                               boolean skipOtherRecords) {

    /** A module that stops at a first record that is not a handshake record. */
    public ModuleInspection(boolean reassemble, int maxBytes, int packets, int giveUpAfterBytes) {
        this(reassemble, maxBytes, packets, giveUpAfterBytes, false);
    }

    /** Packets a module looks at unless told: enough for a ClientHello in a few segments behind a short preamble. */
    public static final int DEFAULT_PACKETS = 8;

    public ModuleInspection {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive, was " + maxBytes);
        }
        if (packets <= 0) {
            throw new IllegalArgumentException("packets must be positive, was " + packets);
        }
    }
}
