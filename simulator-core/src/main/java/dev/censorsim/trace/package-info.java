/**
 * Synthetic captures: {@link dev.censorsim.trace.TraceGenerator} writes a deterministic mixed messenger trace through
 * {@link dev.censorsim.trace.PcapWriter}, building frames with {@link dev.censorsim.trace.FrameBuilder} and payloads
 * with {@link dev.censorsim.trace.TlsMessages} and {@link dev.censorsim.trace.UdpPayloads}, and returns each flow's
 * ground truth ({@link dev.censorsim.trace.GeneratedFlow}). Generation-time code: it allocates freely.
 */
package dev.censorsim.trace;
