package dev.censorsim.classify;

import io.netty.buffer.ByteBuf;

/**
 * WhatsApp's own chat framing on TCP 443/5222, as nDPI recognises it (protocols/whatsapp.c): the client's first
 * bytes are the Noise-pipes connection header, {@code "ED" 00 01} followed by the routing/version bytes
 * {@code 00 00 04 08} (current clients) or {@code 00 00 02 08} (older ones), or the 2015-era prologue
 * {@code "WA" 01 05}. No TLS, so no SNI: an SNI rule never sees it, a {@code protocol: whatsapp} rule does.
 */
public final class WhatsAppPrologue {

    /** The current Noise header: "ED", version 0.1, then the edge routing bytes. */
    static final byte[] NEW = {'E', 'D', 0x00, 0x01, 0x00, 0x00, 0x04, 0x08};
    static final byte[] OLD = {'E', 'D', 0x00, 0x01, 0x00, 0x00, 0x02, 0x08};
    static final byte[] VERY_OLD = {'W', 'A', 0x01, 0x05};

    private WhatsAppPrologue() {
    }

    /** Whether the first client bytes at {@code index} start with a WhatsApp prologue. Absolute reads only. */
    public static boolean matches(ByteBuf buf, int index, int length) {
        return startsWith(buf, index, length, NEW) || startsWith(buf, index, length, OLD)
                || startsWith(buf, index, length, VERY_OLD);
    }

    /** The bytes the synthetic messenger (and tests) send first on a wa-noise chat connection. */
    public static byte[] header() {
        return NEW.clone();
    }

    private static boolean startsWith(ByteBuf buf, int index, int length, byte[] prefix) {
        if (length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (buf.getByte(index + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
