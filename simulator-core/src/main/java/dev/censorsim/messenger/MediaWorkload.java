package dev.censorsim.messenger;

import dev.censorsim.units.Direction;

/**
 * Media traffic: back-to-back transfers of a fixed size, each on its own TLS connection.
 *
 * @param transferBytes payload of one transfer
 * @param direction     {@link Direction#DOWN} (download, the usual case for media) or {@link Direction#UP}
 * @param concurrency   transfers in flight at once
 */
public record MediaWorkload(long transferBytes, Direction direction, int concurrency) {

    /** One 2 MB download at a time: a photo or a short voice note. */
    public static final MediaWorkload DEFAULT = new MediaWorkload(2_000_000, Direction.DOWN, 1);

    public MediaWorkload {
        if (transferBytes < 1) {
            throw new IllegalArgumentException("media size must be positive, got " + transferBytes);
        }
        if (direction == null || direction == Direction.BOTH) {
            throw new IllegalArgumentException("media direction must be up or down, got " + direction);
        }
        if (concurrency < 1 || concurrency > 1024) {
            throw new IllegalArgumentException("media concurrency must be 1 to 1024, got " + concurrency);
        }
    }
}
