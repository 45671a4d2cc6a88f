package dev.censorsim.messenger.vpn;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.interfaces.XECPublicKey;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The tunnels' cryptography, all from the JDK (17 has both): X25519 key agreement (RFC 7748), HKDF-SHA-256
 * (RFC 5869), ChaCha20-Poly1305 (RFC 8439) with a 64-bit counter as nonce, as WireGuard's transport uses. WireGuard
 * itself hashes with BLAKE2s, which the JDK lacks: the handshake here has WireGuard's messages and sizes but derives
 * its keys with SHA-256, so it does not interoperate with a real peer. No censor can tell: it sees the same bytes.
 */
final class TunnelCrypto {

    static final int KEY_LENGTH = 32;
    static final int TAG_LENGTH = 16;

    private TunnelCrypto() {
    }

    static KeyPair x25519() {
        try {
            return KeyPairGenerator.getInstance("X25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no X25519", e);
        }
    }

    /** The 32-byte little-endian u-coordinate a wire format carries (RFC 7748 §5). */
    static byte[] publicBytes(KeyPair pair) {
        BigInteger u = ((XECPublicKey) pair.getPublic()).getU();
        byte[] be = u.toByteArray();
        byte[] le = new byte[KEY_LENGTH];
        for (int i = 0; i < Math.min(be.length, KEY_LENGTH); i++) {
            le[i] = be[be.length - 1 - i];
        }
        return le;
    }

    static byte[] dh(KeyPair mine, byte[] theirs) throws GeneralSecurityException {
        byte[] be = new byte[KEY_LENGTH + 1];
        for (int i = 0; i < KEY_LENGTH; i++) {
            be[KEY_LENGTH - i] = theirs[i];
        }
        PublicKey peer = KeyFactory.getInstance("X25519")
                .generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, new BigInteger(be)));
        KeyAgreement agreement = KeyAgreement.getInstance("X25519");
        agreement.init(mine.getPrivate());
        agreement.doPhase(peer, true);
        return agreement.generateSecret();
    }

    /** HKDF-SHA-256 extract-and-expand to {@code length} bytes. */
    static byte[] hkdf(byte[] salt, byte[] input, String info, int length) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(salt.length == 0 ? new byte[32] : salt, "HmacSHA256"));
        byte[] prk = mac.doFinal(input);
        mac.init(new SecretKeySpec(prk, "HmacSHA256"));
        byte[] out = new byte[length];
        byte[] block = new byte[0];
        int at = 0;
        for (int i = 1; at < length; i++) {
            mac.update(block);
            mac.update(info.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            mac.update((byte) i);
            block = mac.doFinal();
            int n = Math.min(block.length, length - at);
            System.arraycopy(block, 0, out, at, n);
            at += n;
        }
        return out;
    }

    static byte[] hmac(byte[] key, byte[] data, int offset, int length, int outLength) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        mac.update(data, offset, length);
        return Arrays.copyOf(mac.doFinal(), outLength);
    }

    private static IvParameterSpec nonce(long counter) {
        return new IvParameterSpec(ByteBuffer.allocate(12).putInt(0).putLong(Long.reverseBytes(counter)).array());
    }

    /** ChaCha20-Poly1305 of {@code plain[offset, offset + length)} into {@code out} at {@code at}; returns bytes written. */
    static int seal(byte[] key, long counter, byte[] plain, int offset, int length, byte[] out, int at)
            throws GeneralSecurityException {
        return seal(Cipher.getInstance("ChaCha20-Poly1305"), key, counter, plain, offset, length, out, at);
    }

    /** The same with a cipher the caller keeps (one per direction, used by one thread at a time). */
    static int seal(Cipher cipher, byte[] key, long counter, byte[] plain, int offset, int length, byte[] out, int at)
            throws GeneralSecurityException {
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "ChaCha20"), nonce(counter));
        return cipher.doFinal(plain, offset, length, out, at);
    }

    /** Opens a sealed box; throws {@link javax.crypto.AEADBadTagException} when it was tampered with. */
    static byte[] open(byte[] key, long counter, byte[] sealed, int offset, int length)
            throws GeneralSecurityException {
        return open(Cipher.getInstance("ChaCha20-Poly1305"), key, counter, sealed, offset, length);
    }

    /** The same with a cipher the caller keeps. */
    static byte[] open(Cipher cipher, byte[] key, long counter, byte[] sealed, int offset, int length)
            throws GeneralSecurityException {
        cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "ChaCha20"), nonce(counter));
        return cipher.doFinal(sealed, offset, length);
    }

    static Cipher chaCha20Poly1305() {
        try {
            return Cipher.getInstance("ChaCha20-Poly1305");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no ChaCha20-Poly1305", e);
        }
    }
}
