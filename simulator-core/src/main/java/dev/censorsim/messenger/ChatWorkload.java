package dev.censorsim.messenger;

/**
 * Chat traffic: fixed-rate messages over one long-lived TLS connection, each acknowledged by the server.
 *
 * @param messagesPerSecond send rate, from a fixed schedule (latency counts from the intended send time)
 * @param messageBytes      payload size of one message
 * @param timeoutNanos      a message not acknowledged within this time counts as timed out
 */
public record ChatWorkload(double messagesPerSecond, long messageBytes, long timeoutNanos) {

    /** 5 messages/s of 256 B, 2 s ack timeout: a busy group chat. */
    public static final ChatWorkload DEFAULT = new ChatWorkload(5, 256, 2_000_000_000L);

    /** The largest chat message a workload may send: 16 MiB. */
    public static final long MAX_MESSAGE_BYTES = 16L << 20;

    public ChatWorkload {
        if (!(messagesPerSecond > 0) || messagesPerSecond > 100_000) {
            throw new IllegalArgumentException("chat rate must be in (0, 100000] messages/s, got " + messagesPerSecond);
        }
        if (messageBytes < 1 || messageBytes > MAX_MESSAGE_BYTES) {
            throw new IllegalArgumentException("chat message size must be 1 B to 16 MiB, got " + messageBytes);
        }
        if (timeoutNanos <= 0) {
            throw new IllegalArgumentException("chat timeout must be positive, got " + timeoutNanos + " ns");
        }
    }
}
