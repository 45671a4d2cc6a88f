package dev.censorsim.report;

/**
 * The colours of the HTML report's charts. Series colours are saturated and far apart (and far from the grey phase
 * bands), so a screenshot check can find each series by colour.
 */
public final class ReportColors {

    /** Media throughput line. */
    public static final String THROUGHPUT = "#1c6dd0";
    /** Chat latency p50 line. */
    public static final String LATENCY_P50 = "#7048e8";
    /** Chat latency p99 line. */
    public static final String LATENCY_P99 = "#e8590c";
    /** Call MOS line. */
    public static final String CALL_MOS = "#0ca678";
    /** Connect outcome: TLS handshake completed. */
    public static final String CONNECT_OK = "#2f9e44";
    /** Connect outcome: reset by a TCP RST. */
    public static final String CONNECT_RESET = "#e03131";
    /** Connect outcome: no handshake in time. */
    public static final String CONNECT_TIMEOUT = "#fab005";
    /** Connect outcome: refused. */
    public static final String CONNECT_REFUSED = "#c2255c";
    /** Connect outcome: anything else. */
    public static final String CONNECT_OTHER = "#868e96";
    /** DNS answer: NXDOMAIN (the February 2026 block). */
    public static final String DNS_NXDOMAIN = "#e03131";
    /** DNS answer: the name exists but has no address (a stripped answer). */
    public static final String DNS_NODATA = "#9c36b5";
    /** DNS answer: SERVFAIL, REFUSED and other error codes. */
    public static final String DNS_SERVFAIL = "#c2255c";
    /** Call set up on the TLS relay after UDP failed; QUIC skipped because it was marked broken. */
    public static final String FALLBACK = "#1c6dd0";
    /** Alternating phase band fills. */
    static final String BAND_EVEN = "#eef1f6";
    static final String BAND_ODD = "#f8f9fb";

    private ReportColors() {
    }
}
