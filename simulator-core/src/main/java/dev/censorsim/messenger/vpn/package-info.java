/**
 * The messenger's VPN escape route: tunnels that carry the app's TLS connections to a VPN endpoint the messenger server
 * also runs, speaking on the wire what each VPN's packets look like to a censor. {@link dev.censorsim.messenger.vpn.VpnClient}
 * is the app's side (a loopback entry per destination), {@link dev.censorsim.messenger.vpn.VpnEndpoint} the server's.
 *
 * <p>Kinds: {@code wireguard}, {@code openvpn} and {@code ikev2} over UDP (a handshake with the protocol's real message
 * types and sizes, X25519 keys, then ChaCha20-Poly1305 transport packets, with a go-back-N window inside for the TCP
 * bytes they carry), {@code shadowsocks} (an AEAD stream: a salt, then encrypted chunks; random from the first byte)
 * and {@code tls} (real TLS to an innocuous SNI, the bytes inside, as VLESS/Reality-style tools do).
 *
 * <p>Threading: blocking sockets, two daemon threads per tunnelled connection and one receive thread per UDP socket.
 * This is a test harness for tens of connections, not a VPN server; backpressure is the blocking socket's, and the
 * UDP window's (a sender blocks while 64 segments are unacknowledged).
 */
package dev.censorsim.messenger.vpn;
