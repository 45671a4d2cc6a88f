/**
 * The classifier's packet face: captured packets in, one classification per flow out.
 *
 * <p>Data path: {@link dev.censorsim.classify.packet.PacketReaders} maps a pcap or pcapng file and yields records
 * ({@link dev.censorsim.classify.packet.PcapReader}, {@link dev.censorsim.classify.packet.PcapngReader}); the header
 * flyweights ({@code EthernetFlyweight}, {@code Ipv4Flyweight}, {@code Ipv6Flyweight}, {@code TcpFlyweight},
 * {@code UdpFlyweight}) are re-pointed at each packet; {@link dev.censorsim.classify.packet.FlowTable} maps the
 * 5-tuple to a dense flow id; {@link dev.censorsim.classify.packet.PacketClassifier} runs the same recognisers as the
 * proxy (TLS ClientHello, HTTP Host, QUIC, STUN, RTP, DTLS, DNS) and the same policy, and reports a
 * {@link dev.censorsim.classify.packet.FlowSummary} per flow. Nothing on that path allocates per packet. A file is
 * mapped in windows, so captures of any size are read. {@link dev.censorsim.classify.packet.ShardedClassifier} runs one
 * classifier per thread, each owning a 5-tuple hash shard of the flows, with the results of one.
 */
package dev.censorsim.classify.packet;
