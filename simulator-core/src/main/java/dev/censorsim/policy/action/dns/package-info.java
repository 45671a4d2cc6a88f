/**
 * The DNS actions a rule may take ({@code nxdomain}, {@code nodata}, {@code servfail}, {@code refused},
 * {@code timeout}, {@code sinkhole}, {@code strip}, {@code ttl}), one immutable record per file, registered in
 * {@link dev.censorsim.policy.action.dns.DnsActionRegistry}. A rule is a DNS rule because its action is one of these;
 * the TCP proxy never sees DNS rules, and the DNS server never sees TCP ones.
 */
package dev.censorsim.policy.action.dns;
