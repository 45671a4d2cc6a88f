/**
 * Transparent interception: any unmodified program, VM or container behind the censor. {@link
 * dev.censorsim.transparent.TransparentRun} ({@code censorsim run -- CMD}) makes a network namespace joined to the host
 * by a veth pair; {@link dev.censorsim.transparent.Gateway} ({@code censorsim gateway}) uses an existing interface.
 * Either way an nftables table TPROXYs every TCP and UDP packet arriving from there to the proxy's and the UDP relay's
 * transparent front ends ({@code ProxyMode.TRANSPARENT}, {@code UdpRelayOptions.transparent}), which relay each flow
 * to its original destination under the same policy engine as the other modes. Kernel objects are made and removed
 * with {@code ip} and {@code nft} subprocesses, named after the owning pid so a later run can sweep a crashed run's
 * leftovers and nothing else ({@code InterceptionId}). Root only; see {@code NamespaceInterception.requireTools} for why
 * there is no unprivileged fallback.
 */
package dev.censorsim.transparent;
