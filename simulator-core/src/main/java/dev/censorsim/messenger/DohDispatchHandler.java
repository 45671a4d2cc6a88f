package dev.censorsim.messenger;

import dev.censorsim.dns.DnsMessageProcessor;
import dev.censorsim.dns.DohRequestHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SniCompletionEvent;

/**
 * Decides once per server connection, from the ClientHello's SNI, whether it speaks the messenger protocol or DNS over
 * HTTPS: for the DoH name it swaps the messenger handlers for HTTP/1.1 and a {@link DohRequestHandler}; either way it
 * then removes itself. A ClientHello without SNI stays on the messenger protocol.
 */
final class DohDispatchHandler extends ChannelInboundHandlerAdapter {

    /** RFC 8484 section 6 bodies are DNS messages: at most 65535 bytes. */
    private static final int MAX_BODY = 0xffff;

    private final String dohName;
    private final DnsMessageProcessor processor;

    DohDispatchHandler(String dohName, DnsMessageProcessor processor) {
        this.dohName = dohName;
        this.processor = processor;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SniCompletionEvent sni) {
            ChannelPipeline pipeline = ctx.pipeline();
            if (sni.isSuccess() && dohName.equalsIgnoreCase(sni.hostname())) {
                pipeline.remove(MessengerPipeline.SESSION);
                pipeline.remove(MessengerPipeline.FRAMES);
                pipeline.addAfter(ctx.name(), MessengerPipeline.HTTP, new HttpServerCodec());
                pipeline.addAfter(MessengerPipeline.HTTP, MessengerPipeline.HTTP_AGGREGATOR,
                        new HttpObjectAggregator(MAX_BODY));
                pipeline.addAfter(MessengerPipeline.HTTP_AGGREGATOR, MessengerPipeline.DOH,
                        new DohRequestHandler(processor));
            }
            pipeline.remove(this);
        }
        ctx.fireUserEventTriggered(evt);
    }
}
