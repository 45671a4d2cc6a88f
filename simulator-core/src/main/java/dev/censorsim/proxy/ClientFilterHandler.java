package dev.censorsim.proxy;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ipfilter.AbstractRemoteAddressFilter;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.LongAdder;

/**
 * Closes accepted clients outside the {@link ClientAllowList} before any byte is read, then removes itself.
 *
 * <p>A client with no address by the time its connection is active is closed as gone. On io_uring a client that resets
 * right after connecting can be gone before the accept has its address (epoll's {@code accept4(2)} always has it);
 * Netty's filter then threw "cannot determine to accept or reject a channel", which reached the front end as an
 * unexpected error with a warning. There is nothing to relay for such a client and nothing to judge it by, so it ends
 * as the reset it was, with no flow.
 */
@ChannelHandler.Sharable
final class ClientFilterHandler extends AbstractRemoteAddressFilter<InetSocketAddress> {

    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(ClientFilterHandler.class);

    /** Connections closed because the client was gone before its address was known; tests read it. */
    static final LongAdder GONE_BEFORE_ADDRESS = new LongAdder();

    private final ClientAllowList allowList;

    ClientFilterHandler(ClientAllowList allowList) {
        this.allowList = allowList;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().remoteAddress() == null) {
            GONE_BEFORE_ADDRESS.increment();
            LOG.debug("closing {}: its client was gone before its address was known", ctx.channel());
            ctx.close();
            return;
        }
        super.channelActive(ctx);
    }

    @Override
    protected boolean accept(ChannelHandlerContext ctx, InetSocketAddress remoteAddress) {
        return allowList.allows(remoteAddress);
    }
}
