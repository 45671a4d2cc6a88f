package dev.censorsim.classify;

import io.netty.buffer.ByteBuf;

/**
 * The one decision order for a UDP flow's first datagram, after QUIC (which each face handles itself, since it
 * decrypts the Initial and keeps per-flow handshake state): DNS, DTLS, WireGuard, OpenVPN, then the port-keyed
 * IPsec (IKEv2 on 500/4500, ESP on 4500) and L2TP (1701). {@link UdpFlowRecognizer}, which the relay and the packet
 * face share, calls this for a flow's first datagram.
 *
 * <p>The order puts the self-delimiting formats first (a DNS header whose question parses, DTLS records that fill the
 * datagram, WireGuard's fixed sizes, OpenVPN's reset layout); each rejects the others' bytes on its own, so the order
 * only settles ties that real traffic does not produce. Reusable and allocation-free; never throws; one instance per
 * thread.
 */
public final class FirstDatagramRecognizer {

    private final DnsRecognizer dns = new DnsRecognizer();
    private final DtlsRecognizer dtls = new DtlsRecognizer();
    private final WireGuardRecognizer wireGuard = new WireGuardRecognizer();
    private final OpenVpnRecognizer openVpn = new OpenVpnRecognizer();
    private final IpsecRecognizer ipsec = new IpsecRecognizer();
    private final L2tpRecognizer l2tp = new L2tpRecognizer();

    /**
     * What a flow's first datagram {@code buffer[index, index + length)} opens, or {@link Protocol#UNKNOWN}; after a
     * {@link Protocol#DNS} answer, {@link #dns()} describes the message.
     */
    public Protocol recognize(ByteBuf buffer, int index, int length, int clientPort, int serverPort) {
        if (dns.recognize(buffer, index, length)) {
            return Protocol.DNS;
        }
        if (dtls.recognize(buffer, index, length)) {
            return Protocol.DTLS;
        }
        if (wireGuard.recognize(buffer, index, length)) {
            return Protocol.WIREGUARD;
        }
        if (openVpn.recognizeDatagram(buffer, index, length)) {
            return Protocol.OPENVPN;
        }
        Protocol ipsecProtocol = ipsec.recognize(buffer, index, length, clientPort, serverPort);
        if (ipsecProtocol != Protocol.UNKNOWN) {
            return ipsecProtocol;
        }
        if (l2tp.recognize(buffer, index, length, clientPort, serverPort)) {
            return Protocol.L2TP;
        }
        return Protocol.UNKNOWN;
    }

    /** The DNS recogniser, describing the last datagram {@link #recognize} called DNS. */
    public DnsRecognizer dns() {
        return dns;
    }

    /** The DTLS recogniser; the faces also use it to tell DTLS from RTP on later datagrams. */
    public DtlsRecognizer dtls() {
        return dtls;
    }
}
