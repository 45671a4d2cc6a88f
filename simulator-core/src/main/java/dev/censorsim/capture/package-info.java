/**
 * Packets on disk, both ways: the offline packet face that reads a capture and applies a policy to it, and the
 * {@code --pcap} writer that records what the censor saw.
 *
 * <p><b>Reading</b> (the packet face, {@code censorsim classify}). {@link dev.censorsim.capture.PacketReaders} maps a
 * pcap or pcapng file and yields records ({@link dev.censorsim.capture.PcapReader},
 * {@link dev.censorsim.capture.PcapngReader}). {@link dev.censorsim.capture.PacketClassifier} runs three stages per
 * packet: header decoding ({@link dev.censorsim.capture.PacketHeaders}: the Ethernet, IPv4/IPv6, TCP and UDP
 * flyweights re-pointed at each packet), flow recognition (the 5-tuple {@link dev.censorsim.capture.FlowTable}, then
 * the recognisers of {@link dev.censorsim.classify}, the same the proxy uses, while a flow is undecided), and verdicts
 * ({@link dev.censorsim.capture.PacketVerdicts}: the same {@code CompiledPolicy} the proxy applies, evaluated once per
 * decided flow). It reports a {@link dev.censorsim.capture.FlowSummary} per flow. Nothing on that path allocates per
 * packet. A file is mapped in windows, so captures of any size are read. {@link dev.censorsim.capture.ShardedClassifier}
 * runs one classifier per thread, each owning a 5-tuple hash shard of the flows, with the results of one. This package, not {@code classify}, is where facts meet the policy: {@code classify} gives facts only.
 *
 * <p><b>Writing</b> ({@code --pcap}). The client side of every flow is written as synthesised Ethernet/IP/TCP or UDP
 * packets ({@link dev.censorsim.capture.TcpCapture}: handshake, data each way with running sequence numbers, and the
 * end the client saw, FIN or RST; datagrams as they came and went), in the same spirit as Netty's
 * {@code PcapWriteHandler}, whose FIN-only close could not show a censor's reset.
 * {@link dev.censorsim.capture.CaptureFile} writes on its own thread behind a bounded queue, so a slow disk drops
 * capture frames (counted) rather than slowing the data plane. Recording copies each packet: an opt-in debugging
 * path, unlike the relay's.
 */
package dev.censorsim.capture;
