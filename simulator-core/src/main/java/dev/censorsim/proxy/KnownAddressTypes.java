package dev.censorsim.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.socksx.v5.Socks5AddressDecoder;
import io.netty.handler.codec.socksx.v5.Socks5AddressType;

/**
 * Netty's SOCKS5 address decoding for the three types RFC 1928 §5 defines (IPv4 0x01, DOMAIN 0x03, IPv6 0x04), with
 * any other ATYP failing as {@link Unsupported}, so the front end can answer it with reply 0x08 "Address type not
 * supported" (§6) instead of a bare close.
 */
final class KnownAddressTypes implements Socks5AddressDecoder {

    static final KnownAddressTypes INSTANCE = new KnownAddressTypes();

    private KnownAddressTypes() {
    }

    @Override
    public String decodeAddress(Socks5AddressType type, ByteBuf in) throws Exception {
        if (type != Socks5AddressType.IPv4 && type != Socks5AddressType.DOMAIN && type != Socks5AddressType.IPv6) {
            throw new Unsupported(type.byteValue() & 0xFF);
        }
        return Socks5AddressDecoder.DEFAULT.decodeAddress(type, in);
    }

    /** An ATYP outside RFC 1928's three. */
    static final class Unsupported extends DecoderException {
        private static final long serialVersionUID = 1L;

        Unsupported(int type) {
            super("unsupported SOCKS5 address type " + type);
        }
    }
}
