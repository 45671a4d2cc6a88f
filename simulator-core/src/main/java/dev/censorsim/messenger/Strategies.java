package dev.censorsim.messenger;

import java.net.InetAddress;
import java.util.List;

/**
 * The client's resilience strategies; each is off unless the scenario turns it on.
 *
 * @param retry            reconnect with backoff, or {@code null} for a single attempt
 * @param alternatives     on failure, try the messenger's alternative names in turn
 * @param splitClientHello send the ClientHello in this many TCP segments (at least 2), or 0 to send it whole; evades a
 *                         censor that does not reassemble
 * @param noSni            connect without the {@code server_name} extension
 * @param dnsFallback      hardcoded addresses dialled in turn when a DNS lookup fails (needs {@code messenger.dns});
 *                         empty for none
 * @param doh              a DNS-over-HTTPS resolver's name, asked through the censor when a plain lookup fails (needs
 *                         {@code messenger.dns}); the messenger server serves it without the censor's DNS rules, as a
 *                         resolver abroad would; {@code null} for none
 * @param callFallback     relay a call whose UDP set-up failed over a TLS connection to the chat name, as messengers
 *                         do when UDP is blocked (needs a calls workload)
 * @param quic             carry each connection over real QUIC first and fall back to TCP/TLS, or {@code null} for TCP
 *                         only
 * @param vpn              carry chat and media through a VPN tunnel, or {@code null} for none
 * @param ech              offer ECH in every ClientHello (an outer encrypted_client_hello extension) and, as browsers
 *                         do, retry an attempt that failed while offering it without it
 */
public record Strategies(RetryStrategy retry, boolean alternatives, int splitClientHello, boolean noSni,
                         List<InetAddress> dnsFallback, String doh, boolean callFallback, QuicStrategy quic,
                         VpnStrategy vpn, boolean ech) {

    /** Every strategy off. */
    public static final Strategies NONE = new Strategies(null, false, 0, false);

    /** Strategies without DNS fallback. */
    public Strategies(RetryStrategy retry, boolean alternatives, int splitClientHello, boolean noSni) {
        this(retry, alternatives, splitClientHello, noSni, List.of(), null, false, null);
    }

    /** Strategies without ECH. */
    public Strategies(RetryStrategy retry, boolean alternatives, int splitClientHello, boolean noSni,
                      List<InetAddress> dnsFallback, String doh, boolean callFallback, QuicStrategy quic,
                      VpnStrategy vpn) {
        this(retry, alternatives, splitClientHello, noSni, dnsFallback, doh, callFallback, quic, vpn, false);
    }

    /** Strategies without a VPN. */
    public Strategies(RetryStrategy retry, boolean alternatives, int splitClientHello, boolean noSni,
                      List<InetAddress> dnsFallback, String doh, boolean callFallback, QuicStrategy quic) {
        this(retry, alternatives, splitClientHello, noSni, dnsFallback, doh, callFallback, quic, null);
    }

    /** Strategies without the call fallback. */
    public Strategies(RetryStrategy retry, boolean alternatives, int splitClientHello, boolean noSni,
                      List<InetAddress> dnsFallback, String doh) {
        this(retry, alternatives, splitClientHello, noSni, dnsFallback, doh, false, null);
    }

    public Strategies {
        dnsFallback = List.copyOf(dnsFallback);
        if (splitClientHello != 0 && (splitClientHello < 2 || splitClientHello > 64)) {
            throw new IllegalArgumentException("split-client-hello must be 2 to 64 segments, got " + splitClientHello);
        }
    }
}
