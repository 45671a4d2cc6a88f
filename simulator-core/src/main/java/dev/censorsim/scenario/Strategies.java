package dev.censorsim.scenario;

/**
 * The client's resilience strategies; each is off unless the scenario turns it on.
 *
 * @param retry            reconnect with backoff, or {@code null} for a single attempt
 * @param alternatives     on failure, try the messenger's alternative names in turn
 * @param splitClientHello send the ClientHello in this many TCP segments (at least 2), or 0 to send it whole; evades a
 *                         censor that does not reassemble
 * @param noSni            connect without the {@code server_name} extension
 */
public record Strategies(RetryStrategy retry, boolean alternatives, int splitClientHello, boolean noSni) {

    /** Every strategy off. */
    public static final Strategies NONE = new Strategies(null, false, 0, false);

    public Strategies {
        if (splitClientHello != 0 && (splitClientHello < 2 || splitClientHello > 64)) {
            throw new IllegalArgumentException("split-client-hello must be 2 to 64 segments, got " + splitClientHello);
        }
    }
}
