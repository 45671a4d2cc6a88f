package dev.censorsim.demo;

/**
 * How big the demo runs.
 *
 * @param downloadsPerPhase downloads per name per phase
 * @param downloadBytes     bytes per download
 * @param timeoutMillis     client connect and read timeout
 */
public record DemoOptions(int downloadsPerPhase, long downloadBytes, int timeoutMillis) {

    public static final DemoOptions DEFAULT = new DemoOptions(3, 3_000_000, 5_000);

    public DemoOptions {
        if (downloadsPerPhase < 1 || downloadsPerPhase > 100) {
            throw new IllegalArgumentException("downloadsPerPhase must be within 1..100, was " + downloadsPerPhase);
        }
        if (downloadBytes < 1 || downloadBytes > 1L << 30) {
            throw new IllegalArgumentException("downloadBytes must be within 1 B..1 GiB, was " + downloadBytes);
        }
        if (timeoutMillis < 100) {
            throw new IllegalArgumentException("timeoutMillis must be at least 100, was " + timeoutMillis);
        }
    }
}
