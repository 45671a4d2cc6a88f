/**
 * The synthetic messenger: a TLS server that answers for the names a scenario gives (chat and media endpoints) and a
 * Netty client that drives a chat and media workload through the censor, measuring what an app's user would notice
 * (delivery latency, failures, throughput, how connections end) in HdrHistogram intervals.
 *
 * <p>Entry points: {@link dev.censorsim.messenger.MessengerServer#start} and
 * {@link dev.censorsim.messenger.MessengerClient#start}; {@link dev.censorsim.messenger.MessengerClient#cut()} marks a
 * phase boundary. The wire protocol is described at {@link dev.censorsim.messenger.MessengerFrame}.
 */
package dev.censorsim.messenger;
