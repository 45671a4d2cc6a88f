package dev.censorsim.control;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;

/**
 * One family of HTTP routes of the control API (censorsim's own, or Toxiproxy's), behind the control server.
 *
 * <p>The control server has already checked the request (body size, CSRF guard, bearer token) and calls the handlers
 * in order until one answers. It calls them on its worker thread, never on an event loop, so a handler may block for a
 * moment (binding a listener, swapping a policy), and it calls them one at a time, so handlers need no locking of
 * their own against each other.
 */
public interface RouteHandler {

    /**
     * Answers {@code request}, or returns {@code null} when its path is not one of this handler's routes (the next
     * handler, or a 404, answers then). The request is released by the caller; the response is the caller's to send.
     */
    FullHttpResponse handle(FullHttpRequest request) throws Exception;
}
