/**
 * The TCP censor's data plane: {@link dev.censorsim.proxy.CensorProxy}, a port-forward or SOCKS5 proxy that holds a
 * flow's first client bytes for classification, asks the policy for a verdict, and then relays, shapes, delays,
 * freezes, black-holes or resets the flow over real sockets.
 *
 * <p>Path of a flow: accept ({@code ClientFilterHandler}), front end ({@code ForwardFrontendHandler} or
 * {@code SocksFrontendHandler}) which connects the upstream on the client's event loop, then {@code Flow} installs
 * {@code ClassifyHandler} and one {@code RelayHandler}/{@code DirectionRelay} per direction; the verdict's action
 * reaches the relay through {@code RelayFlowControl}. Handler names and order: {@link dev.censorsim.proxy.PipelineNames}.
 *
 * <p>Live flows: {@code ProxyRuntime} keeps the flows that are relaying; a policy swap bumps a generation and hands
 * each flow a re-evaluation on its own event loop, where {@code Flow} re-runs the policy on its original facts and,
 * if the action changed, undoes the old mechanics ({@code DirectionRelay.clearAction}) and applies the new ones. Each
 * flow has one idle timer, pushed back by relayed chunks.
 *
 * <p>Threading: both channels of a flow share one event loop, so per-flow state is unsynchronised; token buckets
 * shared between flows (link, {@code scope: rule}) and the live-flow registry are the only cross-thread state. Nothing
 * blocks an event loop: name lookups go through an asynchronous {@link dev.censorsim.proxy.NameResolver} and shaping
 * waits are scheduled tasks.
 *
 * <p>Memory: {@code AUTO_READ} is off everywhere and a direction reads its next chunk only after the previous one was
 * written (or, with a delay, while fewer than 1 MiB are queued), so a slow or stalled peer back-pressures the other
 * peer through TCP instead of filling the heap.
 */
package dev.censorsim.proxy;
