package dev.censorsim.classify;

import io.netty.buffer.ByteBuf;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;

/**
 * Telegram's obfuscated MTProto transport ("obfuscated2"), recognised as a DPI box can: the client's first 64 bytes
 * look random, but they carry their own key. Layout (core.telegram.org/mtproto/mtproto-transports, "Transport
 * obfuscation"): bytes 8..39 are the AES-256-CTR key, 40..55 the IV; encrypting the 64-byte header with them turns
 * bytes 56..59 into the transport tag, {@code ef ef ef ef} (abridged), {@code ee ee ee ee} (intermediate) or
 * {@code dd dd dd dd} (padded intermediate). Clients also avoid first words a DPI would take for another protocol
 * (0xef, "HEAD", "POST", "GET ", "OPTI", the tags themselves, a TLS record start) and a zero second word.
 *
 * <p>With an MTProxy secret the key is hashed with the secret and this check fails: such flows stay unknown, as they
 * do to a real box that does not know the secret.
 */
public final class MtprotoObfuscated {

    /** The obfuscation header's length. */
    public static final int HEADER_BYTES = 64;
    private static final int KEY_AT = 8;
    private static final int IV_AT = 40;
    private static final int TAG_AT = 56;

    private MtprotoObfuscated() {
    }

    /** Whether the first client bytes at {@code index} are an obfuscated2 header. Allocates: once per flow. */
    public static boolean matches(ByteBuf buf, int index, int length) {
        if (length < HEADER_BYTES) {
            return false;
        }
        byte[] header = new byte[HEADER_BYTES];
        buf.getBytes(index, header);
        // A TLS record start is one of the first words a client avoids: most flows are TLS, so skip the AES for them.
        if (header[0] == (byte) 0xef || (header[0] == 0x16 && header[1] == 0x03) || buf.getInt(index + 4) == 0) {
            return false;
        }
        byte[] tag = encrypt(header);
        if (tag == null) {
            return false;
        }
        byte t = tag[TAG_AT];
        return (t == (byte) 0xef || t == (byte) 0xee || t == (byte) 0xdd)
                && tag[TAG_AT + 1] == t && tag[TAG_AT + 2] == t && tag[TAG_AT + 3] == t;
    }

    /**
     * Builds a header for the {@code 0xef} (abridged) transport from 64 random bytes, as a client does: fixes the
     * forbidden first words, then writes the tag so that it encrypts to itself. For tests and the synthetic client.
     */
    public static byte[] header(byte[] random64) {
        if (random64.length != HEADER_BYTES) {
            throw new IllegalArgumentException("expected 64 random bytes, got " + random64.length);
        }
        byte[] h = random64.clone();
        if (h[0] == (byte) 0xef) {
            h[0] = 0x01;
        }
        if (h[4] == 0 && h[5] == 0 && h[6] == 0 && h[7] == 0) {
            h[4] = 0x01;
        }
        h[0] = h[0] == 0x16 || (h[0] >= 'A' && h[0] <= 'Z') ? 0x02 : h[0];
        byte[] keystream = encrypt(new byte[HEADER_BYTES], h);
        for (int i = 0; i < 4; i++) {
            h[TAG_AT + i] = (byte) ((byte) 0xef ^ keystream[TAG_AT + i]);
        }
        return h;
    }

    private static byte[] encrypt(byte[] header) {
        return encrypt(header, header);
    }

    /** AES-256-CTR over {@code data} with the key and IV taken from {@code keySource}; null if AES is unavailable. */
    private static byte[] encrypt(byte[] data, byte[] keySource) {
        try {
            Cipher aes = Cipher.getInstance("AES/CTR/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(keySource, KEY_AT, 32, "AES"),
                    new IvParameterSpec(keySource, IV_AT, 16));
            return aes.doFinal(data);
        } catch (GeneralSecurityException e) {
            return null;
        }
    }
}
