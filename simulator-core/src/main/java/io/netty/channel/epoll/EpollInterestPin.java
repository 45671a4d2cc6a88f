package io.netty.channel.epoll;

import io.netty.channel.Channel;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Works around a Netty epoll bug (seen in 4.2.18.Final, still in 4.2.21.Final) that lost relayed bytes. When a
 * channel's epoll interest set becomes empty, Netty removes its descriptor from the epoll set ({@code EPOLL_CTL_DEL})
 * but keeps its registration marked as added, so the next interest it asks for is an {@code EPOLL_CTL_MOD} of a
 * descriptor epoll no longer holds: {@code epoll_ctl(..) failed with error(-2)} (ENOENT), raised as an
 * {@code UncheckedIOException}. A connected socket's set only empties after its peer's FIN (Netty drops
 * {@code EPOLLRDHUP} and {@code EPOLLIN} then), so the victim is a half-closed socket we are still writing to: once a
 * stalled write had drained ({@code EPOLLOUT} cleared, the set empty), the next stalled write failed, Netty shut the
 * socket's output and failed every queued write, and the rest of the stream never arrived (RelayTest's 100 MB echo:
 * 3 to 6 MB short in 6 of 60 runs, the flow ending in error "Channel output shutdown").
 *
 * <p>Pinning {@code EPOLLERR} in the set keeps it from ever emptying while we may still write. It asks for nothing
 * new: epoll reports {@code EPOLLERR} (and {@code EPOLLHUP}) whatever the mask. Unpinned once the socket's output is
 * shut down: no write can stall after that, and a socket shut both ways would otherwise wake the loop with
 * {@code EPOLLHUP} on every turn until it is closed (what Netty's removal was for).
 *
 * <p>Pinned at the start, before a FIN can empty the set: an accepted socket in its channel initializer, an upstream
 * socket when its connect completes. In Netty's package because {@code setFlag} and {@code clearFlag} are not public;
 * event loop only.
 */
public final class EpollInterestPin {

    private EpollInterestPin() {
    }

    /**
     * Keeps {@code channel}'s epoll interest set non-empty; no effect on other transports.
     *
     * @return false when epoll refused (the descriptor already gone from its set): the channel works as unpinned
     */
    public static boolean pin(Channel channel) {
        if (channel instanceof AbstractEpollChannel epoll && epoll.isOpen()) {
            try {
                epoll.setFlag(Native.EPOLLERR);
            } catch (IOException | UncheckedIOException e) {
                return false;
            }
        }
        return true;
    }

    /** Undoes {@link #pin} once nothing more will be written to {@code channel}; no effect on other transports. */
    public static void unpin(Channel channel) {
        if (channel instanceof AbstractEpollChannel epoll && epoll.isOpen()) {
            try {
                epoll.clearFlag(Native.EPOLLERR);
            } catch (IOException | UncheckedIOException e) {
                // Already out of the epoll set: nothing left to undo.
            }
        }
    }
}
