package dev.censorsim.proxy;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ipfilter.AbstractRemoteAddressFilter;

import java.net.InetSocketAddress;

/** Closes accepted clients outside the {@link ClientAllowList} before any byte is read, then removes itself. */
@ChannelHandler.Sharable
final class ClientFilterHandler extends AbstractRemoteAddressFilter<InetSocketAddress> {

    private final ClientAllowList allowList;

    ClientFilterHandler(ClientAllowList allowList) {
        this.allowList = allowList;
    }

    @Override
    protected boolean accept(ChannelHandlerContext ctx, InetSocketAddress remoteAddress) {
        return allowList.allows(remoteAddress);
    }
}
