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

    /** The RFC 1035/6891 mnemonic of an RCODE, {@code DROPPED} for -1. */
    public static String rcodeName(int rcode) {
        return switch (rcode) {
            case -1 -> "DROPPED";
            case 0 -> "NOERROR";
            case 1 -> "FORMERR";
            case 2 -> "SERVFAIL";
            case 3 -> "NXDOMAIN";
            case 4 -> "NOTIMP";
            case 5 -> "REFUSED";
            case 16 -> "BADVERS";
            default -> "RCODE" + rcode;
        };
    }

    /** One log line, e.g. {@code udp 127.0.0.1:5353 web.whatsapp.com. A NXDOMAIN 0 rule=dns-removal}. */
    public String toLogLine() {
        return transport + " " + client.getAddress().getHostAddress() + ":" + client.getPort() + " " + qname + " "
                + qtype + " " + rcodeName(rcode) + " answers=" + answers
                + (rule == null ? "" : " rule=" + rule) + (forwarded ? " forwarded" : "") + (truncated ? " TC" : "");
    }
}
