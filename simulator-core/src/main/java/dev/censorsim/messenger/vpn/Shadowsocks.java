package dev.censorsim.messenger.vpn;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.GeneralSecurityException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The Shadowsocks AEAD stream (SIP004): each direction starts with a 32-byte random salt, then chunks of
 * {@code [length (2) + tag (16)][payload (at most 0x3fff) + tag (16)]}, each box ChaCha20-Poly1305 under a per-direction
 * key derived from the pre-shared key and the salt, the nonce a counter. Shadowsocks derives with HKDF-SHA1; this uses
 * HKDF-SHA-256 (a censor sees random bytes either way). No plaintext byte: the Great Firewall's fully-encrypted test
 * was built for exactly this.
 */
final class Shadowsocks {

    static final int SALT_LENGTH = 32;
    private static final int MAX_PAYLOAD = 0x3fff;

    private Shadowsocks() {
    }

    /** Encrypts {@code in} to {@code out}; the salt goes out with the first chunk, in one write (one TCP segment). */
    static void encrypt(byte[] psk, byte[] first, int firstLength, InputStream in, OutputStream out)
            throws IOException, GeneralSecurityException {
        byte[] salt = new byte[SALT_LENGTH];
        ThreadLocalRandom.current().nextBytes(salt);
        byte[] key = TunnelCrypto.hkdf(salt, psk, "ss-subkey", 32);
        long[] nonce = {0};
        java.io.ByteArrayOutputStream opening = new java.io.ByteArrayOutputStream(SALT_LENGTH + firstLength + 64);
        opening.write(salt);
        for (int at = 0; at < firstLength; at += MAX_PAYLOAD) {
            int n = Math.min(MAX_PAYLOAD, firstLength - at);
            opening.write(chunk(key, nonce, java.util.Arrays.copyOfRange(first, at, at + n), n));
        }
        out.write(opening.toByteArray());
        out.flush();
        byte[] buffer = new byte[MAX_PAYLOAD];
        int n;
        while ((n = in.read(buffer)) > 0) {
            out.write(chunk(key, nonce, buffer, n));
            out.flush();
        }
    }

    private static byte[] chunk(byte[] key, long[] nonce, byte[] payload, int length) throws GeneralSecurityException {
        byte[] out = new byte[2 + 16 + length + 16];
        byte[] len = {(byte) (length >>> 8), (byte) length};
        TunnelCrypto.seal(key, nonce[0]++, len, 0, 2, out, 0);
        TunnelCrypto.seal(key, nonce[0]++, payload, 0, length, out, 18);
        return out;
    }

    /** Decrypts {@code in} to {@code out}; {@code onSalt} runs once the peer's salt arrived (the tunnel answered). */
    static void decrypt(byte[] psk, InputStream in, OutputStream out, Runnable onSalt)
            throws IOException, GeneralSecurityException {
        DataInputStream data = new DataInputStream(in);
        byte[] salt = new byte[SALT_LENGTH];
        data.readFully(salt);
        onSalt.run();
        byte[] key = TunnelCrypto.hkdf(salt, psk, "ss-subkey", 32);
        long nonce = 0;
        byte[] lengthBox = new byte[18];
        while (true) {
            try {
                data.readFully(lengthBox);
            } catch (java.io.EOFException e) {
                return;
            }
            byte[] len = TunnelCrypto.open(key, nonce++, lengthBox, 0, 18);
            int length = (len[0] & 0x3f) << 8 | (len[1] & 0xff);
            byte[] box = new byte[length + 16];
            data.readFully(box);
            out.write(TunnelCrypto.open(key, nonce++, box, 0, box.length));
            out.flush();
        }
    }
}
