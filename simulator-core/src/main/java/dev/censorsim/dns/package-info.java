/**
 * censorsim's DNS server: RFC 1035 zones served over UDP and TCP (RFC 7766) with EDNS0, truncation and authoritative
 * negative answers, record surgery by the policy's DNS rules ({@code nxdomain}, {@code strip}, {@code sinkhole}, ...),
 * optional forwarding to one upstream, and the {@link dev.censorsim.dns.DnsLookupClient} stub resolver the messenger
 * uses.
 */
package dev.censorsim.dns;
