/**
 * The UDP censor's data plane. {@link dev.censorsim.proxy.udp.UdpRelay} forwards UDP from a local port to one
 * upstream, one flow per client address and port; {@link dev.censorsim.proxy.udp.SocksUdpAssociation} does the same
 * for SOCKS5 UDP ASSOCIATE, one flow per destination. Both feed each datagram to a {@code UdpFlow}, which recognises
 * the flow (QUIC Initial, DNS, DTLS on the first datagram; STUN, then RTP confirmed by SSRC and sequence over a few
 * datagrams), takes the verdict from {@link dev.censorsim.policy.CompiledPolicy#evaluateUdp} (again whenever the
 * protocol becomes clearer or the policy is swapped), and asks the action's
 * {@link dev.censorsim.policy.UdpTreatment} whether to forward, drop or delay the datagram.
 *
 * <p>Threading: one event loop per relay (per control connection for SOCKS) owns every flow, so flow state is
 * unsynchronised. Memory: {@code AUTO_READ} is off; the next batch is read only when the channel written to can take
 * more; every dropped datagram's buffer is released at once, and delayed ones are released if the relay closes
 * before they are due. {@link dev.censorsim.proxy.udp.FlowNames} ties a call to the names its TLS signalling used.
 */
package dev.censorsim.proxy.udp;
