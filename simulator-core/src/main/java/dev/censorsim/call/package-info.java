/**
 * Call-quality measurement for the messenger's voice calls: pure, allocation-light building blocks with no sockets.
 * <ul>
 *   <li>{@link dev.censorsim.call.RtpStreamStats}: RFC 3550 receiver statistics of one RTP stream (expected, lost,
 *   loss ratio, interarrival jitter);</li>
 *   <li>{@link dev.censorsim.call.EModel}: the ITU-T G.107 E-model turning delay, jitter and loss into R and MOS;</li>
 *   <li>{@link dev.censorsim.call.StunBinding}: the RFC 8489 Binding request and success response a call starts with,
 *   written and read on Netty buffers.</li>
 * </ul>
 * Threading: {@code RtpStreamStats} belongs to the one event loop that receives its stream; the others are stateless.
 */
package dev.censorsim.call;
