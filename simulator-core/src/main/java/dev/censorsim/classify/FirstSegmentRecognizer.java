package dev.censorsim.classify;

import io.netty.buffer.ByteBuf;

/**
 * The decision for a TCP flow's first client payload that is neither a TLS ClientHello nor an HTTP request head:
 * OpenVPN over TCP (a length-prefixed hard reset), else fully encrypted (Wu et al. 2023), else unknown. The proxy's
 * {@link StreamClassifier} and the packet face both call this on the first segment only, as the Great Firewall does
 * ("the first data packet"), so reassembly settings do not change it. Reusable and allocation-free; never throws.
 */
public final class FirstSegmentRecognizer {

    private final OpenVpnRecognizer openVpn = new OpenVpnRecognizer();
    private final FullyEncryptedRecognizer fullyEncrypted = new FullyEncryptedRecognizer();

    /** {@link Protocol#OPENVPN}, {@link Protocol#FULLY_ENCRYPTED} or {@link Protocol#UNKNOWN}. */
    public Protocol recognize(ByteBuf buffer, int index, int length) {
        if (openVpn.recognizeStream(buffer, index, length)) {
            return Protocol.OPENVPN;
        }
        if (fullyEncrypted.recognize(buffer, index, length)) {
            return Protocol.FULLY_ENCRYPTED;
        }
        return Protocol.UNKNOWN;
    }
}
