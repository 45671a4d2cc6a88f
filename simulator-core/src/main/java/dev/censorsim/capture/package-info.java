/**
 * {@code --pcap}: what the censor saw, as a libpcap file Wireshark and tshark open. The client side of every flow is
 * written as synthesised Ethernet/IP/TCP or UDP packets ({@link dev.censorsim.capture.TcpCapture}: handshake, data
 * each way with running sequence numbers, and the end the client saw, FIN or RST; datagrams as they came and went),
 * in the same spirit as Netty's {@code PcapWriteHandler}, whose FIN-only close could not show a censor's reset.
 * {@link dev.censorsim.capture.CaptureFile} writes on its own thread behind a bounded queue, so a slow disk drops
 * capture frames (counted) rather than slowing the data plane. Recording copies each packet: an opt-in debugging
 * path, unlike the relay's.
 */
package dev.censorsim.capture;
