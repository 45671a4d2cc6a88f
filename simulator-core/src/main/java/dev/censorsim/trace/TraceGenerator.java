package dev.censorsim.trace;

import dev.censorsim.classify.Protocol;
import io.netty.util.NetUtil;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * Writes a deterministic, realistic mixed trace as a messenger user's access link would show it: TLS flows to blocked
 * and allowed names (some with the ClientHello split over two segments, some with ECH, some over IPv6 or VLAN-tagged)
 * followed by bulk records, plain HTTP, QUIC (properly protected client Initials carrying a ClientHello, so tshark and
 * censors can read its SNI; 40% with a post-quantum key share that spans two Initials, a third of those with the
 * second Initial first; then short-header packets), calls (STUN binding, then RTP and
 * RTCP on the same 5-tuple), DNS lookups, VPNs (WireGuard, OpenVPN over UDP and TCP, IKEv2, and a Shadowsocks-style
 * fully encrypted TCP stream), and some unidentifiable TCP and UDP. The same flow count and seed give the same bytes.
 *
 * <p>Flows start a couple of milliseconds apart and overlap; packets of all flows are merged in time order with a
 * priority queue holding only the flows in progress, so memory stays bounded whatever the flow count. Addresses come
 * from private (clients) and documentation (servers: RFC 5737, RFC 3849) ranges.
 */
public final class TraceGenerator {

    /** Names the generated TLS, QUIC, HTTP and DNS flows use that a Russian-style policy blocks or throttles. */
    public static final List<String> BLOCKED_NAMES = List.of("web.whatsapp.com", "mmg.whatsapp.net",
            "media-arn2-1.cdn.whatsapp.net", "twitter.com", "abs.twimg.com", "www.instagram.com",
            "scontent.cdninstagram.com", "rr4---sn-4g5e6nzz.googlevideo.com", "www.youtube.com",
            "api.telegram.org", "www.facebook.com", "discord.com");
    /** Names the generated flows use that such a policy leaves alone. */
    public static final List<String> ALLOWED_NAMES = List.of("vk.com", "sun9-1.userapi.com", "ya.ru",
            "mc.yandex.ru", "www.wikipedia.org", "api.github.com", "www.google.com", "cdn.jsdelivr.net",
            "gosuslugi.ru", "www.ozon.ru", "static.rutube.ru", "max.ru");
    /** The name Cloudflare puts in the outer ClientHello of ECH connections. */
    public static final String ECH_OUTER_NAME = "cloudflare-ech.com";

    private static final long START_NANOS = 1_763_884_800_000_000_000L;
    private static final long MICROS = 1_000L;
    private static final long MILLIS = 1_000_000L;
    private static final int MSS = 1448;
    private static final int VLAN_ID = 100;

    private final int flows;
    private final long seed;
    private long order;

    /**
     * @param flows number of flows, at least 1
     * @param seed  everything random derives from it
     */
    public TraceGenerator(int flows, long seed) {
        if (flows < 1) {
            throw new IllegalArgumentException("flows must be at least 1, was " + flows);
        }
        this.flows = flows;
        this.seed = seed;
    }

    private record TimedFrame(long timeNanos, long order, byte[] frame) {
    }

    /** Writes the whole trace and returns the ground truth of every flow, in start order. */
    public List<GeneratedFlow> write(PcapWriter writer) throws IOException {
        List<GeneratedFlow> truth = new ArrayList<>(flows);
        PriorityQueue<TimedFrame> pending = new PriorityQueue<>(
                Comparator.comparingLong(TimedFrame::timeNanos).thenComparingLong(TimedFrame::order));
        SplittableRandom schedule = new SplittableRandom(seed);
        long start = START_NANOS;
        for (int i = 0; i < flows; i++) {
            start += schedule.nextLong(MILLIS / 2, 4 * MILLIS);
            while (!pending.isEmpty() && pending.peek().timeNanos() < start) {
                TimedFrame next = pending.poll();
                writer.write(next.timeNanos(), next.frame());
            }
            FlowBuilder flow = new FlowBuilder(new SplittableRandom(seed * 0x9e3779b97f4a7c15L + i), i, start);
            truth.add(flow.build());
            for (TimedFrame frame : flow.frames) {
                pending.add(frame);
            }
        }
        while (!pending.isEmpty()) {
            TimedFrame next = pending.poll();
            writer.write(next.timeNanos(), next.frame());
        }
        return truth;
    }

    /** Builds one flow's frames; TCP sequence numbers tracked per direction. */
    private final class FlowBuilder {
        private final SplittableRandom random;
        private final int index;
        private final List<TimedFrame> frames = new ArrayList<>();
        private final boolean ipv6;
        private final int vlan;
        private byte[] client;
        private byte[] server;
        private int clientPort;
        private int serverPort;
        private long now;
        private int clientSeq;
        private int serverSeq;
        private long bytes;

        FlowBuilder(SplittableRandom random, int index, long start) {
            this.random = random;
            this.index = index;
            this.now = start;
            this.ipv6 = random.nextInt(100) < 20;
            this.vlan = random.nextInt(100) < 10 ? VLAN_ID : FrameBuilder.NO_VLAN;
            this.clientPort = random.nextInt(32_768, 61_000);
            this.client = clientAddress(random.nextInt(1, 250), random.nextInt(1, 250));
        }

        GeneratedFlow build() {
            int kind = random.nextInt(100);
            if (kind < 40) {
                return tls();
            } else if (kind < 48) {
                return http();
            } else if (kind < 63) {
                return quic();
            } else if (kind < 73) {
                return call();
            } else if (kind < 93) {
                return dns();
            } else if (kind < 95) {
                return unknownUdp();
            } else if (kind == 95) {
                return wireGuard();
            } else if (kind == 96) {
                return random.nextBoolean() ? openVpnUdp() : openVpnTcp();
            } else if (kind == 97) {
                return ikev2();
            } else if (kind == 98) {
                return shadowsocks();
            }
            return unknownTcp();
        }

        private String pickName() {
            List<String> list = random.nextBoolean() ? BLOCKED_NAMES : ALLOWED_NAMES;
            return list.get(random.nextInt(list.size()));
        }

        private GeneratedFlow tls() {
            boolean ech = random.nextInt(100) < 5;
            String name = ech ? ECH_OUTER_NAME : pickName();
            connectTo(name, 443);
            int rtt = rttMicros();
            handshake(rtt);
            byte[] hello = TlsMessages.clientHello(name, List.of("h2", "http/1.1"), ech, random);
            if (random.nextInt(100) < 15) {
                // The zapret/GoodbyeDPI evasion: the SNI lands in the second segment.
                int cut = random.nextInt(1, 60);
                clientData(hello, 0, cut);
                advance(100);
                clientData(hello, cut, hello.length - cut);
            } else {
                clientData(hello, 0, hello.length);
            }
            advance(rtt / 2);
            byte[] serverFlight = concat(TlsMessages.serverHello(random), TlsMessages.changeCipherSpec(),
                    TlsMessages.applicationData(random.nextInt(900, 1300), random));
            serverData(serverFlight);
            advance(rtt / 2);
            clientData(concat(TlsMessages.changeCipherSpec(), TlsMessages.applicationData(53, random)));
            advance(rtt / 2);
            bulkDown(random.nextInt(2, 40), () -> TlsMessages.applicationData(MSS - 5, random));
            close(rtt);
            return truth("tcp", Protocol.TLS, name);
        }

        private GeneratedFlow http() {
            String name = pickName();
            connectTo(name, 80);
            int rtt = rttMicros();
            handshake(rtt);
            String request = "GET /" + Integer.toHexString(random.nextInt()) + " HTTP/1.1\r\nHost: " + name
                    + "\r\nUser-Agent: censorsim-messenger/0.1\r\nAccept: */*\r\nConnection: close\r\n\r\n";
            clientData(request.getBytes(StandardCharsets.US_ASCII));
            advance(rtt / 2);
            int segments = random.nextInt(1, 12);
            String head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + segments * MSS
                    + "\r\n\r\n";
            serverData(head.getBytes(StandardCharsets.US_ASCII));
            bulkDown(segments, () -> text(MSS));
            close(rtt);
            return truth("tcp", Protocol.HTTP, name);
        }

        private GeneratedFlow unknownTcp() {
            connectTo("unknown-tcp-" + index, 5222);
            int rtt = rttMicros();
            handshake(rtt);
            // A binary protocol with small fields: every other byte zero, so about 2 set bits per byte, which the
            // fully-encrypted test exempts; a zero third byte is no OpenVPN opcode.
            byte[] opaque = TlsMessages.randomBytes(random, random.nextInt(40, 400));
            for (int i = 1; i < opaque.length; i += 2) {
                opaque[i] = 0;
            }
            opaque[0] = (byte) random.nextInt(0x00, 0x15);
            opaque[2] = 0;
            clientData(opaque);
            advance(rtt / 2);
            bulkDown(random.nextInt(1, 6), () -> TlsMessages.randomBytes(random, MSS));
            close(rtt);
            return truth("tcp", Protocol.UNKNOWN, null);
        }

        private GeneratedFlow quic() {
            String name = pickName();
            connectTo(name, 443);
            int rtt = rttMicros();
            byte[] dcid = TlsMessages.randomBytes(random, 8);
            byte[] scid = TlsMessages.randomBytes(random, random.nextBoolean() ? 0 : 8);
            byte[] serverCid = TlsMessages.randomBytes(random, 8);
            // Current Chrome and Firefox offer X25519MLKEM768: their ClientHello spans two Initials.
            boolean postQuantum = random.nextInt(100) < 40;
            byte[] record = TlsMessages.clientHello(name, List.of("h3"), false, postQuantum, random);
            byte[] hello = java.util.Arrays.copyOfRange(record, 5, record.length);
            List<byte[]> initials = UdpPayloads.quicClientInitials(dcid, scid, hello, 1250, random);
            if (initials.size() > 1 && random.nextInt(100) < 30) {
                // Reordered on the way (or sent so on purpose): the CRYPTO stream's tail arrives first.
                java.util.Collections.reverse(initials);
            }
            for (byte[] initial : initials) {
                clientUdp(initial);
                advance(10);
            }
            advance(rtt / 2);
            serverUdp(UdpPayloads.quicLong(0, scid, serverCid, 1200, random));
            serverUdp(UdpPayloads.quicLong(2, scid, serverCid, 1200, random));
            advance(rtt / 2);
            clientUdp(UdpPayloads.quicLong(2, serverCid, scid, 1200, random));
            int packets = random.nextInt(4, 40);
            for (int i = 0; i < packets; i++) {
                advance(random.nextInt(50, 400));
                serverUdp(UdpPayloads.quicShort(scid, 1252, random));
                if (i % 2 == 1) {
                    clientUdp(UdpPayloads.quicShort(serverCid, random.nextInt(30, 60), random));
                }
            }
            return truth("udp", Protocol.QUIC, name);
        }

        private GeneratedFlow call() {
            boolean whatsApp = random.nextInt(3) == 0;
            connectTo("relay-" + random.nextInt(8), 3478);
            int rtt = rttMicros();
            for (int i = 0; i < 2; i++) {
                clientUdp(UdpPayloads.stunBindingRequest(whatsApp, random));
                advance(rtt / 2);
                serverUdp(UdpPayloads.stunBindingSuccess(client.length == 4 ? client : new byte[] {10, 20, 0, 1},
                        clientPort, random));
                advance(rtt / 2);
            }
            int clientSsrc = random.nextInt();
            int serverSsrc = random.nextInt();
            int clientSeqNo = random.nextInt(65_536);
            int serverSeqNo = random.nextInt(65_536);
            int packets = random.nextInt(25, 100);
            for (int i = 0; i < packets; i++) {
                advance(20_000 + random.nextInt(-2_000, 2_000));
                clientUdp(UdpPayloads.rtp(111, i == 0, clientSeqNo + i, i * 960, clientSsrc,
                        random.nextInt(60, 160), random));
                // Jitter, and the odd lost packet, on the way back.
                if (random.nextInt(50) != 0) {
                    serverUdp(UdpPayloads.rtp(111, i == 0, serverSeqNo + i, i * 960, serverSsrc,
                            random.nextInt(60, 160), random));
                }
                if (i % 50 == 49) {
                    clientUdp(UdpPayloads.rtcpSenderReport(clientSsrc, now, i * 960, i, i * 100));
                }
            }
            return truth("udp", Protocol.RTP, null);
        }

        private GeneratedFlow dns() {
            String name = pickName();
            server = serverAddress("resolver");
            serverPort = 53;
            int id = random.nextInt(65_536);
            int qtype = ipv6 ? 28 : 1;
            clientUdp(UdpPayloads.dnsQuery(id, name, qtype));
            advance(random.nextInt(2_000, 40_000));
            boolean removed = name.equals("web.whatsapp.com") || name.equals("whatsapp.com");
            serverUdp(UdpPayloads.dnsResponse(id, name, removed ? null : v4(serverAddress(name))));
            return truth("udp", Protocol.DNS, name);
        }

        private GeneratedFlow unknownUdp() {
            int port = random.nextInt(1_024, 65_000);
            if (port == 1701 || port == 4500) {
                // L2TP's and NAT-T's ports: opaque bytes there would be L2TP or ESP.
                port++;
            }
            connectTo("unknown-udp-" + index, port);
            int packets = random.nextInt(2, 10);
            for (int i = 0; i < packets; i++) {
                byte[] opaque = TlsMessages.randomBytes(random, random.nextInt(100, 1000));
                // 0x30..0x3f: no QUIC, RTP or DTLS first byte, so the truth is certain.
                opaque[0] = (byte) random.nextInt(0x30, 0x40);
                if (i % 2 == 0) {
                    clientUdp(opaque);
                } else {
                    serverUdp(opaque);
                }
                advance(random.nextInt(1_000, 30_000));
            }
            return truth("udp", Protocol.UNKNOWN, null);
        }

        /** A WireGuard tunnel: an initiation (retried once when the first got no answer), the response, then data. */
        private GeneratedFlow wireGuard() {
            connectTo("wg-" + random.nextInt(16), VpnPayloads.WIREGUARD_PORT);
            int rtt = rttMicros();
            int clientIndex = random.nextInt();
            int serverIndex = random.nextInt();
            if (random.nextInt(4) == 0) {
                // No answer to the first initiation: WireGuard retries after REKEY_TIMEOUT (5 s), §6.4.
                clientUdp(VpnPayloads.wireGuardInitiation(clientIndex, random));
                advance(5_000_000);
                clientIndex = random.nextInt();
            }
            clientUdp(VpnPayloads.wireGuardInitiation(clientIndex, random));
            advance(rtt / 2);
            serverUdp(VpnPayloads.wireGuardResponse(serverIndex, clientIndex, random));
            advance(rtt / 2);
            int packets = random.nextInt(4, 30);
            for (int i = 0; i < packets; i++) {
                clientUdp(VpnPayloads.wireGuardData(serverIndex, i, random.nextInt(40, 200), random));
                advance(random.nextInt(100, 2_000));
                serverUdp(VpnPayloads.wireGuardData(clientIndex, i, random.nextInt(40, 1_380), random));
                advance(random.nextInt(100, 2_000));
            }
            clientUdp(VpnPayloads.wireGuardData(serverIndex, packets, 0, random));
            return truth("udp", Protocol.WIREGUARD, null);
        }

        /** OpenVPN's control packets for one direction pair: resets, acks, then data. */
        private GeneratedFlow openVpnUdp() {
            connectTo("ovpn-" + random.nextInt(16), VpnPayloads.OPENVPN_PORT);
            int rtt = rttMicros();
            int hmac = random.nextBoolean() ? 20 : 0;
            long clientSession = random.nextLong();
            long serverSession = random.nextLong();
            byte[] none = new byte[0];
            clientUdp(VpnPayloads.openVpnControl(7, clientSession, hmac, 1, -1, 0, 0, none, random));
            advance(rtt / 2);
            serverUdp(VpnPayloads.openVpnControl(8, serverSession, hmac, 1, 0, clientSession, 0, none, random));
            advance(rtt / 2);
            clientUdp(VpnPayloads.openVpnControl(5, clientSession, hmac, 2, 0, serverSession, 0, none, random));
            int packets = random.nextInt(4, 30);
            for (int i = 0; i < packets; i++) {
                advance(random.nextInt(100, 2_000));
                clientUdp(VpnPayloads.openVpnData(1, random.nextInt(60, 200), random));
                advance(random.nextInt(100, 2_000));
                serverUdp(VpnPayloads.openVpnData(1, random.nextInt(60, 1_300), random));
            }
            return truth("udp", Protocol.OPENVPN, null);
        }

        /** OpenVPN over TCP: the same control packets, each behind a 2-byte length. */
        private GeneratedFlow openVpnTcp() {
            connectTo("ovpn-tcp-" + random.nextInt(16), VpnPayloads.OPENVPN_PORT);
            int rtt = rttMicros();
            handshake(rtt);
            int hmac = random.nextBoolean() ? 20 : 0;
            long clientSession = random.nextLong();
            long serverSession = random.nextLong();
            byte[] none = new byte[0];
            clientData(VpnPayloads.openVpnTcp(
                    VpnPayloads.openVpnControl(7, clientSession, hmac, 1, -1, 0, 0, none, random)));
            advance(rtt / 2);
            serverData(VpnPayloads.openVpnTcp(
                    VpnPayloads.openVpnControl(8, serverSession, hmac, 1, 0, clientSession, 0, none, random)));
            advance(rtt / 2);
            clientData(VpnPayloads.openVpnTcp(
                    VpnPayloads.openVpnControl(5, clientSession, hmac, 2, 0, serverSession, 0, none, random)));
            int packets = random.nextInt(2, 12);
            for (int i = 0; i < packets; i++) {
                advance(random.nextInt(100, 2_000));
                serverData(VpnPayloads.openVpnTcp(VpnPayloads.openVpnData(1, random.nextInt(60, 1_300), random)));
            }
            close(rtt);
            return truth("tcp", Protocol.OPENVPN, null);
        }

        /** IKEv2 on UDP 500: IKE_SA_INIT and IKE_AUTH, each a request and a response. */
        private GeneratedFlow ikev2() {
            connectTo("ike-" + random.nextInt(16), VpnPayloads.IKE_PORT);
            clientPort = VpnPayloads.IKE_PORT;
            int rtt = rttMicros();
            long initiator = random.nextLong() | 1;
            long responder = random.nextLong() | 1;
            clientUdp(VpnPayloads.ikeSaInit(initiator, 0, false, random));
            advance(rtt / 2);
            serverUdp(VpnPayloads.ikeSaInit(initiator, responder, true, random));
            advance(rtt / 2);
            clientUdp(VpnPayloads.ikeAuth(initiator, responder, false, random.nextInt(200, 500), random));
            advance(rtt / 2);
            serverUdp(VpnPayloads.ikeAuth(initiator, responder, true, random.nextInt(200, 500), random));
            return truth("udp", Protocol.IKEV2, null);
        }

        /** A Shadowsocks-style tunnel: TCP whose first client packet is random bytes, then random both ways. */
        private GeneratedFlow shadowsocks() {
            connectTo("ss-" + random.nextInt(16), VpnPayloads.SHADOWSOCKS_PORT);
            int rtt = rttMicros();
            handshake(rtt);
            clientData(VpnPayloads.shadowsocksFirst(random.nextInt(200, 600), random));
            advance(rtt / 2);
            bulkDown(random.nextInt(1, 10), () -> TlsMessages.randomBytes(random, MSS));
            close(rtt);
            return truth("tcp", Protocol.FULLY_ENCRYPTED, null);
        }

        private void connectTo(String name, int port) {
            server = serverAddress(name);
            serverPort = port;
        }

        private int rttMicros() {
            return random.nextInt(8_000, 120_000);
        }

        private void handshake(int rtt) {
            clientSeq = random.nextInt();
            serverSeq = random.nextInt();
            tcp(true, FrameBuilder.TCP_SYN, new byte[0], 0, 0);
            clientSeq++;
            advance(rtt / 2);
            tcp(false, FrameBuilder.TCP_SYN | FrameBuilder.TCP_ACK, new byte[0], 0, 0);
            serverSeq++;
            advance(rtt / 2);
            tcp(true, FrameBuilder.TCP_ACK, new byte[0], 0, 0);
            advance(random.nextInt(50, 500));
        }

        private void bulkDown(int segments, java.util.function.Supplier<byte[]> payload) {
            for (int i = 0; i < segments; i++) {
                advance(random.nextInt(20, 300));
                serverData(payload.get());
                if (i % 2 == 1 || i == segments - 1) {
                    tcp(true, FrameBuilder.TCP_ACK, new byte[0], 0, 0);
                }
            }
        }

        private void close(int rtt) {
            advance(random.nextInt(1_000, 50_000));
            tcp(true, FrameBuilder.TCP_FIN | FrameBuilder.TCP_ACK, new byte[0], 0, 0);
            clientSeq++;
            advance(rtt / 2);
            tcp(false, FrameBuilder.TCP_FIN | FrameBuilder.TCP_ACK, new byte[0], 0, 0);
            serverSeq++;
            advance(rtt / 2);
            tcp(true, FrameBuilder.TCP_ACK, new byte[0], 0, 0);
        }

        private void clientData(byte[] data) {
            clientData(data, 0, data.length);
        }

        private void clientData(byte[] data, int offset, int length) {
            for (int at = offset; at < offset + length; at += MSS) {
                int chunk = Math.min(MSS, offset + length - at);
                tcp(true, FrameBuilder.TCP_PSH | FrameBuilder.TCP_ACK, data, at, chunk);
                clientSeq += chunk;
                advance(10);
            }
        }

        private void serverData(byte[] data) {
            for (int at = 0; at < data.length; at += MSS) {
                int chunk = Math.min(MSS, data.length - at);
                tcp(false, FrameBuilder.TCP_PSH | FrameBuilder.TCP_ACK, data, at, chunk);
                serverSeq += chunk;
                advance(10);
            }
        }

        private void tcp(boolean fromClient, int flags, byte[] payload, int offset, int length) {
            byte[] frame = fromClient
                    ? FrameBuilder.tcp(client, clientPort, server, serverPort, clientSeq, serverSeq, flags, payload,
                            offset, length, vlan)
                    : FrameBuilder.tcp(server, serverPort, client, clientPort, serverSeq, clientSeq, flags, payload,
                            offset, length, vlan);
            emit(frame);
        }

        private void clientUdp(byte[] payload) {
            emit(FrameBuilder.udp(client, clientPort, server, serverPort, payload, 0, payload.length, vlan));
        }

        private void serverUdp(byte[] payload) {
            emit(FrameBuilder.udp(server, serverPort, client, clientPort, payload, 0, payload.length, vlan));
        }

        private void emit(byte[] frame) {
            frames.add(new TimedFrame(now, order++, frame));
            bytes += frame.length;
        }

        private void advance(int micros) {
            now += Math.max(1, micros) * MICROS;
        }

        private GeneratedFlow truth(String transport, Protocol protocol, String name) {
            return new GeneratedFlow(endpoint(client, clientPort), endpoint(server, serverPort), transport, protocol,
                    name, frames.size(), bytes);
        }

        private byte[] clientAddress(int a, int b) {
            if (ipv6) {
                byte[] address = new byte[16];
                address[0] = (byte) 0xfd;
                address[2] = 0x00;
                address[3] = 0x20;
                address[14] = (byte) a;
                address[15] = (byte) b;
                return address;
            }
            return new byte[] {10, 20, (byte) a, (byte) b};
        }

        /** One stable address per name, so every flow to a name meets the same server. */
        private byte[] serverAddress(String name) {
            int h = name.hashCode() * 0x9e3779b9;
            if (ipv6) {
                byte[] address = new byte[16];
                address[0] = 0x20;
                address[1] = 0x01;
                address[2] = 0x0d;
                address[3] = (byte) 0xb8;
                address[13] = (byte) (h >>> 16);
                address[14] = (byte) (h >>> 8);
                address[15] = (byte) (h | 1);
                return address;
            }
            int[][] nets = {{192, 0, 2}, {198, 51, 100}, {203, 0, 113}};
            int[] net = nets[(h >>> 24 & 0xff) % 3];
            return new byte[] {(byte) net[0], (byte) net[1], (byte) net[2], (byte) Math.max(1, (h & 0xff) % 255)};
        }

        private byte[] v4(byte[] address) {
            return address.length == 4 ? address : new byte[] {(byte) 203, 0, 113, address[15]};
        }

        private byte[] text(int length) {
            byte[] body = new byte[length];
            for (int i = 0; i < length; i++) {
                body[i] = (byte) (i % 64 == 63 ? '\n' : 'a' + random.nextInt(26));
            }
            return body;
        }
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] out = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }

    /** {@code a.b.c.d:port} or {@code [v6]:port}, IPv6 in RFC 5952 form as tshark prints it. */
    static String endpoint(byte[] address, int port) {
        String host = NetUtil.bytesToIpAddress(address);
        return address.length == 16 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
