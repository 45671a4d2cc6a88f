package dev.censorsim.classify;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;

/**
 * The client's QUIC v1 Initial packet protection keys, derived from the destination connection id of its first
 * Initial (RFC 9001 §5.2; test vectors in Appendix A.1).
 *
 * <pre>
 *   initial_secret        = HKDF-Extract(0x38762cf7f55934b34d179ae6a4c80cadccbb7f0a, dcid)
 *   client_initial_secret = HKDF-Expand-Label(initial_secret, "client in", "", 32)
 *   key = HKDF-Expand-Label(client_initial_secret, "quic key", "", 16)   AEAD_AES_128_GCM key
 *   iv  = HKDF-Expand-Label(client_initial_secret, "quic iv", "", 12)    nonce base
 *   hp  = HKDF-Expand-Label(client_initial_secret, "quic hp", "", 16)    header protection key (AES-ECB)
 * </pre>
 * HKDF-Expand-Label is RFC 8446 §7.1: HKDF-Expand(secret, u16 length | u8 len | "tls13 " label | u8 0, length).
 *
 * @param key 16-byte AES-128-GCM key
 * @param iv  12-byte IV, XORed with the packet number to form the nonce
 * @param hp  16-byte AES header-protection key
 */
public record QuicInitialKeys(byte[] key, byte[] iv, byte[] hp) {

    private static final byte[] INITIAL_SALT_V1 = {
        0x38, 0x76, 0x2c, (byte) 0xf7, (byte) 0xf5, 0x59, 0x34, (byte) 0xb3, 0x4d, 0x17, (byte) 0x9a, (byte) 0xe6,
        (byte) 0xa4, (byte) 0xc8, 0x0c, (byte) 0xad, (byte) 0xcc, (byte) 0xbb, 0x7f, 0x0a};

    /** The client keys for an Initial whose destination connection id is {@code dcid}. */
    public static QuicInitialKeys client(byte[] dcid) throws GeneralSecurityException {
        return new Deriver().client(dcid, 0, dcid.length);
    }

    /**
     * Derives keys for many connection ids, reusing its HMACs: the one keyed with the salt never changes, and the three
     * labels under one secret share one HMAC key set-up, so a derivation costs two HMAC key set-ups instead of five.
     * Not thread-safe.
     */
    public static final class Deriver {
        private final Mac salted;
        private final Mac hmac;

        public Deriver() throws GeneralSecurityException {
            salted = Mac.getInstance("HmacSHA256");
            salted.init(new SecretKeySpec(INITIAL_SALT_V1, "HmacSHA256"));
            hmac = Mac.getInstance("HmacSHA256");
        }

        /** The client keys for an Initial whose destination connection id is {@code dcid[offset, offset + length)}. */
        public QuicInitialKeys client(byte[] dcid, int offset, int length) throws GeneralSecurityException {
            salted.update(dcid, offset, length);
            byte[] initialSecret = salted.doFinal();
            hmac.init(new SecretKeySpec(initialSecret, "HmacSHA256"));
            byte[] clientSecret = expandLabel(hmac, "client in", 32);
            hmac.init(new SecretKeySpec(clientSecret, "HmacSHA256"));
            return new QuicInitialKeys(expandLabel(hmac, "quic key", 16), expandLabel(hmac, "quic iv", 12),
                    expandLabel(hmac, "quic hp", 16));
        }
    }

    /** Output of at most one hash length, so HKDF-Expand is the single block T(1) = HMAC(secret, info | 0x01). */
    private static byte[] expandLabel(Mac keyedWithSecret, String label, int length) {
        byte[] fullLabel = ("tls13 " + label).getBytes(StandardCharsets.US_ASCII);
        byte[] info = new byte[2 + 1 + fullLabel.length + 1 + 1];
        info[0] = (byte) (length >>> 8);
        info[1] = (byte) length;
        info[2] = (byte) fullLabel.length;
        System.arraycopy(fullLabel, 0, info, 3, fullLabel.length);
        info[info.length - 1] = 1;
        return Arrays.copyOf(keyedWithSecret.doFinal(info), length);
    }
}
