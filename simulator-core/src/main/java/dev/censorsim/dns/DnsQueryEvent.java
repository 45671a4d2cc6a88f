package dev.censorsim.dns;

import java.net.InetSocketAddress;

/**
 * One answered (or dropped) query, for the query log: who asked over which transport, what, and what they got.
 *
 * @param rcode       the response code sent, or -1 when nothing was sent ({@code timeout} action)
 * @param rule        the DNS rule that decided the answer, or {@code null}
 * @param truncated   whether the UDP answer was cut and TC set
 */
public record DnsQueryEvent(InetSocketAddress client, String transport, String qname, String qtype, int rcode,
                            int answers, String rule, boolean forwarded, boolean truncated) {

    /** One log line, e.g. {@code udp 127.0.0.1:5353 web.whatsapp.com. A NXDOMAIN 0 rule=dns-removal}. */
    public String toLogLine() {
        String status = rcode < 0 ? "DROPPED" : io.netty.handler.codec.dns.DnsResponseCode.valueOf(rcode).toString();
        int paren = status.indexOf('(');
        return transport + " " + client.getAddress().getHostAddress() + ":" + client.getPort() + " " + qname + " "
                + qtype + " " + (paren > 0 ? status.substring(0, paren) : status) + " answers=" + answers
                + (rule == null ? "" : " rule=" + rule) + (forwarded ? " forwarded" : "") + (truncated ? " TC" : "");
    }
}
